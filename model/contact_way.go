package model

import "time"

// ContactWay is a WeCom "contact me" (联系我) QR code created through the HQ
// API. Its State is a scene: whoever adds a guide through it arrives through
// that scene, as with an Official Account parametric QR code.
type ContactWay struct {
	ID         int64     `gorm:"primaryKey" json:"id"`
	ConfigID   string    `gorm:"size:128;not null;uniqueIndex" json:"config_id"`
	Scene      string    `gorm:"size:64;not null;index" json:"scene"`
	Guides     []string  `gorm:"serializer:json;type:text" json:"guides"`
	Remark     string    `gorm:"size:128;not null;default:''" json:"remark,omitempty"`
	SkipVerify bool      `gorm:"not null;default:false" json:"skip_verify"`
	QRCodeURL  string    `gorm:"size:512;not null;default:''" json:"qr_code"`
	CreatedAt  time.Time `json:"created_at"`
}
