package model

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Store is a shop of the brand.
type Store struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	Code      string    `gorm:"size:64;not null;uniqueIndex" json:"code"`
	Name      string    `gorm:"size:128;not null;default:''" json:"name"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Guide roles.
const (
	RoleGuide        = "guide"
	RoleStoreManager = "store_manager"
)

// Guide is a shop guide (导购) or store manager, known by WeCom userid.
type Guide struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	UserID    string    `gorm:"size:64;not null;uniqueIndex" json:"userid"`
	Name      string    `gorm:"size:64;not null;default:''" json:"name"`
	StoreCode string    `gorm:"size:64;not null;default:'';index" json:"store_code"`
	Role      string    `gorm:"size:16;not null;default:'guide'" json:"role"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// storeCodeRe keeps store codes usable in URLs, CSV files and scenes.
var storeCodeRe = regexp.MustCompile(`^[A-Za-z0-9_\-.]{1,64}$`)

// wecomUserIDRe is WeCom's rule for a member's userid: 1-64 letters,
// digits and _-@.
var wecomUserIDRe = regexp.MustCompile(`^[A-Za-z0-9_\-@.]{1,64}$`)

// Validate trims s and reports the first problem as an EINVALID *Error.
func (s *Store) Validate() error {
	s.Code, s.Name = strings.TrimSpace(s.Code), strings.TrimSpace(s.Name)
	if !storeCodeRe.MatchString(s.Code) {
		return Errorf(EINVALID, "store code %q: want 1-64 letters, digits or _-.", s.Code)
	}
	if utf8.RuneCountInString(s.Name) > 128 {
		return Errorf(EINVALID, "store %s: name longer than 128 characters", s.Code)
	}
	return nil
}

// Validate trims g, defaults the role to guide and reports the first problem
// as an EINVALID *Error. Whether the store exists is checked by the service.
func (g *Guide) Validate() error {
	g.UserID, g.Name = strings.TrimSpace(g.UserID), strings.TrimSpace(g.Name)
	g.StoreCode, g.Role = strings.TrimSpace(g.StoreCode), strings.TrimSpace(g.Role)
	if g.Role == "" {
		g.Role = RoleGuide
	}
	switch {
	case !wecomUserIDRe.MatchString(g.UserID):
		return Errorf(EINVALID, "guide userid %q: want the WeCom userid (1-64 letters, digits or _-@.)", g.UserID)
	case utf8.RuneCountInString(g.Name) > 64:
		return Errorf(EINVALID, "guide %s: name longer than 64 characters", g.UserID)
	case g.Role != RoleGuide && g.Role != RoleStoreManager:
		return Errorf(EINVALID, "guide %s: role %q: want %s or %s", g.UserID, g.Role, RoleGuide, RoleStoreManager)
	case g.StoreCode != "" && !storeCodeRe.MatchString(g.StoreCode):
		return Errorf(EINVALID, "guide %s: store code %q: want 1-64 letters, digits or _-.", g.UserID, g.StoreCode)
	}
	return nil
}
