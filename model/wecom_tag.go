package model

import "time"

// WeComTag maps a WeCom corp tag (by id) to the Siyu tag it mirrors, so
// tag events that carry only an id (change_external_tag) can be applied.
// Name is the Siyu tag name ("group:tag", or the bare tag in the default
// group).
type WeComTag struct {
	ID        int64  `gorm:"primaryKey"`
	CorpID    string `gorm:"size:64;not null;uniqueIndex:uk_wecom_tag"`
	TagID     string `gorm:"size:128;not null;uniqueIndex:uk_wecom_tag"`
	GroupID   string `gorm:"size:128;not null;default:'';index"`
	GroupName string `gorm:"size:64;not null;default:''"`
	TagName   string `gorm:"size:64;not null;default:''"`
	Name      string `gorm:"size:64;not null"`
	UpdatedAt time.Time
}
