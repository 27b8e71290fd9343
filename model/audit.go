package model

import "time"

// AuditEntry records one write made through the HQ API, a login or a failed
// login: who (operator and role), what (action and target), the change
// (JSON: the request with secrets removed, and before/after for the updates
// that matter), the result (HTTP status), from where and when.
type AuditEntry struct {
	ID         int64     `gorm:"primaryKey" json:"id"`
	OperatorID int64     `gorm:"not null;default:0;index" json:"operator_id"`
	Operator   string    `gorm:"size:64;not null;default:'';index" json:"operator"`
	Role       string    `gorm:"size:16;not null;default:''" json:"role"`
	Action     string    `gorm:"size:128;not null;index" json:"action"`
	Target     string    `gorm:"size:191;not null;default:'';index" json:"target"`
	Change     string    `gorm:"column:change_json;type:text" json:"change,omitempty"`
	Result     int       `gorm:"not null;default:0" json:"result"`
	Address    string    `gorm:"size:64;not null;default:''" json:"address"`
	UserAgent  string    `gorm:"size:255;not null;default:''" json:"user_agent"`
	CreatedAt  time.Time `gorm:"index" json:"created_at"`
}
