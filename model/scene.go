package model

import (
	"encoding/json"
	"regexp"
	"time"
	"unicode/utf8"
)

// Scene is a channel: the string an Official Account parametric QR code
// carries (qrscene_<scene> on subscribe) or a WeCom contact-way code carries as
// its state. Whoever arrives through it gets its tags, store and guide.
type Scene struct {
	ID          int64     `gorm:"primaryKey" json:"id"`
	Scene       string    `gorm:"size:64;not null;uniqueIndex" json:"scene"`
	Tags        []string  `gorm:"serializer:json;type:text" json:"tags"`
	StoreCode   string    `gorm:"size:64;not null;default:''" json:"store_code"`
	GuideUserID string    `gorm:"size:64;not null;default:''" json:"guide_userid"`
	Welcome     string    `gorm:"type:text" json:"welcome"`
	BonusPoints int64     `gorm:"not null;default:0" json:"bonus_points"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// sceneRe: the OA limits string scenes to 64 bytes; we keep them to letters,
// digits and _-.: so they survive URLs and WeCom states (30 chars there).
var sceneRe = regexp.MustCompile(`^[A-Za-z0-9_\-.:]{1,64}$`)

// Validate reports the first problem with s as an EINVALID *Error.
func (s *Scene) Validate() error {
	if !sceneRe.MatchString(s.Scene) {
		return Errorf(EINVALID, "scene %q: want 1-64 letters, digits or _-.:", s.Scene)
	}
	if s.BonusPoints < 0 || s.BonusPoints > 100000 {
		return Errorf(EINVALID, "bonus_points %d: want 0..100000", s.BonusPoints)
	}
	if utf8.RuneCountInString(s.Welcome) > 600 {
		return Errorf(EINVALID, "welcome: at most 600 characters (WeChat's text reply limit)")
	}
	if len(s.Tags) > 20 {
		return Errorf(EINVALID, "tags: at most 20 per scene")
	}
	seen := map[string]bool{}
	out := s.Tags[:0:0]
	for _, t := range s.Tags {
		t = NormalizeTag(t)
		if t == "" || utf8.RuneCountInString(t) > 30 {
			return Errorf(EINVALID, "tag %q: want 1-30 characters", t)
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	s.Tags = out
	if len(s.StoreCode) > 64 || len(s.GuideUserID) > 64 {
		return Errorf(EINVALID, "store_code and guide_userid: at most 64 characters")
	}
	return nil
}

// MarshalTags is a helper for raw SQL users of the tags column.
func MarshalTags(tags []string) string {
	b, _ := json.Marshal(tags)
	return string(b)
}
