package model

import "time"

// Expiry reminder states.
const (
	ReminderQueued = "queued"
	ReminderSent   = "sent"
)

// ExpiryReminder is one "your points expire soon" message to a member:
// at most one per member and batch (the business month in which the
// points expire), so a member is not reminded every day.
type ExpiryReminder struct {
	ID        int64      `gorm:"primaryKey" json:"id"`
	MemberID  int64      `gorm:"not null;uniqueIndex:uk_expiry_reminder" json:"member_id"`
	Batch     string     `gorm:"size:10;not null;uniqueIndex:uk_expiry_reminder" json:"batch"`
	Points    int64      `gorm:"not null" json:"points"`
	Deadline  time.Time  `json:"deadline"` // when the last of them expire
	Status    string     `gorm:"size:16;not null;index" json:"status"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}
