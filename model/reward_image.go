package model

import "time"

// RewardImage is a reward's picture for the points mall, kept in the
// database so every instance serves it without shared files.
type RewardImage struct {
	RewardID    int64     `gorm:"primaryKey;autoIncrement:false" json:"reward_id"`
	ContentType string    `gorm:"size:32;not null" json:"content_type"`
	Data        []byte    `gorm:"type:mediumblob;not null" json:"-"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// MaxRewardImageBytes bounds a reward image.
const MaxRewardImageBytes = 512 << 10

// RewardImageTypes are the image types a reward picture may have.
var RewardImageTypes = []string{"image/png", "image/jpeg", "image/webp", "image/gif"}
