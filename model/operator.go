package model

import (
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Operator roles. What each may do is decided in one place, the HQ route
// policy of the handler package.
const (
	OpAdmin        = "admin"         // everything, including operators, keys and the queue dashboard
	OpOperator     = "operator"      // the HQ API except operators and keys
	OpAnalyst      = "analyst"       // reads only
	OpStoreManager = "store_manager" // reads of their own store; answers its guides' feedback
)

// OpRoles lists the valid operator roles.
var OpRoles = []string{OpAdmin, OpOperator, OpAnalyst, OpStoreManager}

// Operator is an HQ account: a person who signs in to the console or calls
// the HQ API with a key.
type Operator struct {
	ID           int64  `gorm:"primaryKey" json:"id"`
	Username     string `gorm:"size:64;not null;uniqueIndex" json:"username"`
	Name         string `gorm:"size:64;not null;default:''" json:"name"`
	Role         string `gorm:"size:16;not null" json:"role"`
	StoreCode    string `gorm:"size:64;not null;default:''" json:"store_code,omitempty"`
	PasswordHash string `gorm:"size:100;not null;default:''" json:"-"`
	// WeComUserID lets the operator sign in by scanning the WeCom login QR
	// code (企业微信扫码登录); nil: password and keys only.
	WeComUserID *string    `gorm:"column:wecom_user_id;size:64;uniqueIndex" json:"wecom_userid,omitempty"`
	Disabled    bool       `gorm:"not null;default:false" json:"disabled"`
	LastLoginAt *time.Time `json:"last_login_at,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// APIKey is an operator's bearer key. Only a SHA-256 of the key is kept;
// Prefix (the key's public part) names it in lists and for revocation.
type APIKey struct {
	ID         int64      `gorm:"primaryKey" json:"id"`
	OperatorID int64      `gorm:"not null;index" json:"operator_id"`
	Prefix     string     `gorm:"size:32;not null;uniqueIndex" json:"prefix"`
	Hash       string     `gorm:"size:64;not null" json:"-"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

var usernameRE = regexp.MustCompile(`^[a-zA-Z0-9_.@-]{2,64}$`)

// ValidRole reports whether role is one of OpRoles.
func ValidRole(role string) bool {
	for _, r := range OpRoles {
		if r == role {
			return true
		}
	}
	return false
}

// Validate trims o and reports the first problem as an EINVALID *Error.
func (o *Operator) Validate() error {
	o.Username, o.Name, o.StoreCode = strings.TrimSpace(o.Username), strings.TrimSpace(o.Name), strings.TrimSpace(o.StoreCode)
	switch {
	case !usernameRE.MatchString(o.Username):
		return Errorf(EINVALID, "username %q: want 2-64 letters, digits or _ . @ -", o.Username)
	case utf8.RuneCountInString(o.Name) > 64:
		return Errorf(EINVALID, "name: at most 64 characters")
	case !ValidRole(o.Role):
		return Errorf(EINVALID, "role %q: want one of %s", o.Role, strings.Join(OpRoles, ", "))
	case o.Role == OpStoreManager && o.StoreCode == "":
		return Errorf(EINVALID, "store_code: required for the store_manager role")
	case o.Role != OpStoreManager && o.StoreCode != "":
		return Errorf(EINVALID, "store_code: only a store_manager has a store")
	}
	return nil
}

// Named errors of operator accounts.
var (
	ErrOperatorNotFound = &Error{Code: ENOTFOUND, Message: "operator not found"}
	ErrBadCredentials   = &Error{Code: EUNAUTHORIZED, Message: "用户名或密码错误"}
	ErrTooManyLogins    = &Error{Code: ETOOMANY, Message: "登录失败次数过多，请 15 分钟后再试"}
	ErrWeakPassword     = &Error{Code: EINVALID, Message: "password: want at least 8 characters"}
	ErrAPIKeyNotFound   = &Error{Code: ENOTFOUND, Message: "API key not found"}
)

// ETOOMANY is the code of a refusal for too many attempts (HTTP 429).
const ETOOMANY = "too_many_requests"
