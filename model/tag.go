package model

import "time"

// Tag sources: who put the tag on the member.
const (
	TagSourceScene   = "scene"
	TagSourceManual  = "manual"
	TagSourceSegment = "segment"
	TagSourceWeCom   = "wecom"
)

// Tag is a named label, shared by all members who carry it.
type Tag struct {
	ID        int64  `gorm:"primaryKey"`
	Name      string `gorm:"size:64;not null;uniqueIndex"`
	CreatedAt time.Time
}

// MemberTag puts a Tag on a Member, once per source, so removing a segment
// tag never removes the same tag set by hand.
type MemberTag struct {
	ID        int64  `gorm:"primaryKey"`
	MemberID  int64  `gorm:"not null;uniqueIndex:uk_member_tag"`
	TagID     int64  `gorm:"not null;uniqueIndex:uk_member_tag;index"`
	Source    string `gorm:"size:16;not null;uniqueIndex:uk_member_tag"`
	CreatedAt time.Time
}
