package model

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Feedback is a guide's message to HQ, about a task or on its own, and
// HQ's reply.
type Feedback struct {
	ID          int64      `gorm:"primaryKey" json:"id"`
	GuideUserID string     `gorm:"size:64;not null;index" json:"guide_userid"`
	StoreCode   string     `gorm:"size:64;not null;default:''" json:"store_code"`
	TaskID      *int64     `gorm:"index" json:"task_id,omitempty"`
	Text        string     `gorm:"type:text;not null" json:"text"`
	Reply       string     `gorm:"type:text" json:"reply,omitempty"`
	RepliedBy   string     `gorm:"size:64;not null;default:''" json:"replied_by,omitempty"`
	RepliedAt   *time.Time `json:"replied_at,omitempty"`
	CreatedAt   time.Time  `gorm:"index" json:"created_at"`
}

// ErrFeedbackNotFound: no feedback with that id.
var ErrFeedbackNotFound = &Error{Code: ENOTFOUND, Message: "feedback not found"}

// Validate trims f and reports the first problem as an EINVALID *Error.
func (f *Feedback) Validate() error {
	f.Text = strings.TrimSpace(f.Text)
	if n := utf8.RuneCountInString(f.Text); n == 0 || n > 1000 {
		return Errorf(EINVALID, "text: want 1-1000 characters")
	}
	return nil
}
