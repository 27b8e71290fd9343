package model

import "time"

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
