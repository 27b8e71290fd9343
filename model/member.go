package model

import (
	"strings"
	"time"
)

// Platforms an Identity belongs to.
const (
	PlatformOA    = "wechat_oa" // an Official Account follower; ExternalID is the openid
	PlatformWeCom = "wecom"     // a WeCom external contact; ExternalID is the external_userid
)

// Member is one person, however many identities they have. Points and
// Growth are denormalised balances kept equal to their ledgers.
type Member struct {
	ID             int64      `gorm:"primaryKey" json:"id"`
	UnionID        *string    `gorm:"size:64;uniqueIndex" json:"-"`
	Nickname       string     `gorm:"size:128" json:"nickname,omitempty"`
	Avatar         string     `gorm:"size:512;not null;default:''" json:"avatar,omitempty"`
	Points         int64      `gorm:"not null;default:0" json:"points"`
	Growth         int64      `gorm:"not null;default:0" json:"growth"`
	Level          string     `gorm:"size:32;not null;default:''" json:"level"`
	CheckinStreak  int        `gorm:"not null;default:0" json:"checkin_streak"`
	LastCheckinDay string     `gorm:"size:10;not null;default:''" json:"last_checkin_day,omitempty"`
	Subscribed     bool       `gorm:"not null;default:false;index:idx_members_joined,priority:3" json:"subscribed"`
	FirstScene     string     `gorm:"size:64;not null;default:'';index;index:idx_members_joined,priority:5" json:"first_scene"`
	GuideUserID    string     `gorm:"size:64;not null;default:'';index" json:"guide_userid"`
	StoreCode      string     `gorm:"size:64;not null;default:'';index;index:idx_members_joined,priority:4" json:"store_code"`
	MergedInto     *int64     `gorm:"index;index:idx_members_joined,priority:2;index:idx_members_lifecycle_live,priority:2;index:idx_members_rfm_live,priority:2" json:"merged_into,omitempty"`
	LastActiveAt   *time.Time `gorm:"index" json:"last_active_at,omitempty"`
	// Birthday is MM-DD (set through the HQ API); the birthday bonus is
	// credited on that business day once a year.
	Birthday string `gorm:"size:5;not null;default:'';index" json:"birthday,omitempty"`
	// Segments, recomputed daily (package segments): lifecycle state (新客,
	// 活跃, 沉默, 睡眠, 流失), RFM cell and activity score. Empty until the
	// first recompute. idx_members_lifecycle_live and idx_members_rfm_live
	// count the 概览 distributions now (merged members excluded) from the
	// index alone.
	Lifecycle  string `gorm:"size:16;not null;default:'';index;index:idx_members_lifecycle_live,priority:1" json:"lifecycle,omitempty"`
	RFMSegment string `gorm:"size:32;not null;default:'';index;index:idx_members_rfm_live,priority:1" json:"rfm_segment,omitempty"`
	// ActivityLog2 is the activity score as log2 of its value at a fixed
	// epoch (nil: no activity), so that passing time changes no row;
	// ActivityScore is the score as of the last segment run's day, filled
	// from it when a member is read (segments.ScoreScale), never stored.
	ActivityLog2  *float64 `gorm:"index" json:"-"`
	ActivityScore float64  `gorm:"-" json:"activity_score"`
	// RFMAvgFen is the average net order value in the RFM window (nil: no
	// order): a move of the average-based M threshold re-scores only the
	// members between the old and the new threshold, found by this index.
	RFMAvgFen   *float64   `gorm:"index" json:"-"`
	SegmentedAt *time.Time `json:"segmented_at,omitempty"`
	// idx_members_joined covers the 概览 charts of members by join day
	// (merged, subscribed, store, first scene): a range scan of the index,
	// no row reads.
	CreatedAt time.Time `gorm:"index;index:idx_members_joined,priority:1" json:"created_at"`
	// UpdatedAt is indexed: the incremental segment run finds members
	// changed since its last run by it.
	UpdatedAt time.Time `gorm:"index" json:"updated_at"`
}

// MemberView is a member as the HQ API and the sidebar show it: the row
// (its fields first, as the JSON always had them) and what is filled from
// other tables, never stored on the row.
type MemberView struct {
	Member
	OpenID         string   `gorm:"-" json:"openid"`
	ExternalUserID string   `gorm:"-" json:"external_userid"`
	UnionIDValue   string   `gorm:"-" json:"unionid"`
	Tags           []string `gorm:"-" json:"tags"`
	// PointsExpiring of the balance expire by PointsExpireBy (within the
	// reminder window, SIYU_POINTS_EXPIRY_REMIND_DAYS).
	PointsExpiring int64      `gorm:"-" json:"points_expiring"`
	PointsExpireBy *time.Time `gorm:"-" json:"points_expire_by,omitempty"`
}

// Identity ties a platform account to a Member. The key (platform, app id,
// external id) lets a second Official Account or corp be added later.
type Identity struct {
	ID         int64  `gorm:"primaryKey"`
	MemberID   int64  `gorm:"not null;index"`
	Platform   string `gorm:"size:16;not null;uniqueIndex:uk_identity"`
	AppID      string `gorm:"size:64;not null;uniqueIndex:uk_identity"`
	ExternalID string `gorm:"size:128;not null;uniqueIndex:uk_identity"`
	CreatedAt  time.Time
}

// Member event kinds recorded in the timeline.
const (
	EventFollow   = "follow"
	EventUnfollow = "unfollow"
	EventScan     = "scan"
	EventCheckIn  = "checkin"
	EventMessage  = "message"
	EventClick    = "click"
	EventTag      = "tag" // a guide changed the member's tags
)

// MemberEvent is one dated thing that happened to a member: a follow, a scan
// of a scene (a touch), a check-in, a message. It feeds the guide's timeline
// and the lifecycle.
type MemberEvent struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	MemberID  int64     `gorm:"not null;index:idx_member_event_time,priority:1" json:"member_id"`
	Kind      string    `gorm:"size:32;not null" json:"kind"`
	Scene     string    `gorm:"size:64;not null;default:''" json:"scene,omitempty"`
	Detail    string    `gorm:"size:512;not null;default:''" json:"detail,omitempty"`
	CreatedAt time.Time `gorm:"index:idx_member_event_time,priority:2;index" json:"created_at"`
}

// NormalizeTag trims a tag name; tags are compared as written (Chinese).
func NormalizeTag(s string) string { return strings.TrimSpace(s) }

// ValidBirthday reports whether s is a birthday as stored: MM-DD.
func ValidBirthday(s string) bool {
	t, err := time.Parse("01-02-2006", s+"-2000") // 2000 is a leap year: 02-29 is valid
	return err == nil && t.Format("01-02") == s
}
