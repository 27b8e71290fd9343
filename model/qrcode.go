package model

import "time"

// QRCode is an Official Account parametric QR code for a scene, created
// through the HQ API. ExpiresAt is nil for a permanent code.
type QRCode struct {
	ID        int64      `gorm:"primaryKey" json:"id"`
	Scene     string     `gorm:"size:64;not null;index" json:"scene"`
	Ticket    string     `gorm:"size:191;not null;uniqueIndex" json:"ticket"`
	URL       string     `gorm:"size:512;not null;default:''" json:"url"`
	ImageURL  string     `gorm:"size:512;not null;default:''" json:"image_url"`
	Permanent bool       `gorm:"not null;default:false" json:"permanent"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}
