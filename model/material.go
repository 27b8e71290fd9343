package model

import "time"

// Material types: uploaded content (image, video, file) and cards (link,
// miniprogram).
const (
	MaterialImage       = "image"
	MaterialVideo       = "video"
	MaterialFile        = "file"
	MaterialLink        = "link"
	MaterialMiniProgram = "miniprogram"
)

// Material is one item of the material library (素材库) that guides send
// from the sidebar. Content of uploaded types lives in MaterialContent (the
// database, so every instance reads it); StoreCodes empty means every store.
type Material struct {
	ID          int64     `gorm:"primaryKey" json:"id"`
	Type        string    `gorm:"size:16;not null;index" json:"type"`
	Title       string    `gorm:"size:128;not null" json:"title"`
	Description string    `gorm:"size:512;not null;default:''" json:"description,omitempty"`
	GroupName   string    `gorm:"size:64;not null;default:'';index" json:"group,omitempty"`
	Tags        string    `gorm:"size:512;not null;default:''" json:"-"`  // comma-joined
	StoreCodes  string    `gorm:"size:1024;not null;default:''" json:"-"` // comma-joined; "" = every store
	Enabled     bool      `gorm:"not null;default:true" json:"enabled"`
	FileName    string    `gorm:"size:255;not null;default:''" json:"file_name,omitempty"`
	ContentType string    `gorm:"size:128;not null;default:''" json:"content_type,omitempty"`
	Size        int64     `gorm:"not null;default:0" json:"size,omitempty"`
	SHA256      string    `gorm:"size:64;not null;default:''" json:"sha256,omitempty"`
	URL         string    `gorm:"size:1024;not null;default:''" json:"url,omitempty"`       // link
	CoverURL    string    `gorm:"size:1024;not null;default:''" json:"cover_url,omitempty"` // link, miniprogram
	AppID       string    `gorm:"size:64;not null;default:''" json:"appid,omitempty"`       // miniprogram
	Page        string    `gorm:"size:512;not null;default:''" json:"page,omitempty"`       // miniprogram
	CoverID     int64     `gorm:"not null;default:0" json:"cover_material_id,omitempty"`    // miniprogram: an image material
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`

	TagList   []string `gorm:"-" json:"tags"`
	StoreList []string `gorm:"-" json:"store_codes"`
}

// MaterialContent is the bytes of an uploaded material, one row per
// material, kept apart so lists never load them.
type MaterialContent struct {
	MaterialID int64  `gorm:"primaryKey;autoIncrement:false"`
	Data       []byte `gorm:"type:longblob;not null"`
}

// MaterialUsage is one send of a material by a guide (to a customer), for
// HQ's usage report per material, guide and store.
type MaterialUsage struct {
	ID             int64     `gorm:"primaryKey" json:"id"`
	MaterialID     int64     `gorm:"not null;index" json:"material_id"`
	GuideUserID    string    `gorm:"size:64;not null;index" json:"guide_userid"`
	StoreCode      string    `gorm:"size:64;not null;default:'';index" json:"store_code"`
	ExternalUserID string    `gorm:"size:128;not null;default:''" json:"external_userid,omitempty"`
	CreatedAt      time.Time `gorm:"index" json:"created_at"`
}

// ErrMaterialNotFound is returned for an unknown (or, to guides, a
// disabled or out-of-scope) material.
var ErrMaterialNotFound = &Error{Code: ENOTFOUND, Message: "material not found"}
