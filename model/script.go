package model

import (
	"strings"
	"time"
	"unicode/utf8"
)

// ScriptGroup is a shelf of the scripted-reply library (话术库), e.g. 开场白.
type ScriptGroup struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	Name      string    `gorm:"size:64;not null;uniqueIndex" json:"name"`
	SortOrder int       `gorm:"not null;default:0" json:"sort"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Script is one scripted reply a guide can send. Content may hold variables
// such as {{称呼}} that are filled in for the customer. StoreCodes limits it
// to some stores; empty means every store.
type Script struct {
	ID         int64     `gorm:"primaryKey" json:"id"`
	GroupID    int64     `gorm:"not null;index" json:"group_id"`
	Title      string    `gorm:"size:64;not null" json:"title"`
	Content    string    `gorm:"type:text;not null" json:"content"`
	SortOrder  int       `gorm:"not null;default:0" json:"sort"`
	StoreCodes []string  `gorm:"serializer:json;type:text" json:"store_codes"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ScriptUsage counts how often a guide sent a script on a business day.
type ScriptUsage struct {
	ID          int64  `gorm:"primaryKey"`
	ScriptID    int64  `gorm:"not null;uniqueIndex:uk_script_usage"`
	GuideUserID string `gorm:"size:64;not null;uniqueIndex:uk_script_usage"`
	Day         string `gorm:"size:10;not null;uniqueIndex:uk_script_usage"`
	Count       int64  `gorm:"not null;default:0"`
}

// Validate reports the first problem with s as an EINVALID *Error and
// trims its fields.
func (s *Script) Validate() error {
	s.Title, s.Content = strings.TrimSpace(s.Title), strings.TrimSpace(s.Content)
	switch {
	case s.GroupID <= 0:
		return Errorf(EINVALID, "group_id: required")
	case s.Title == "" || utf8.RuneCountInString(s.Title) > 64:
		return Errorf(EINVALID, "title: want 1-64 characters")
	case s.Content == "" || utf8.RuneCountInString(s.Content) > 2000:
		return Errorf(EINVALID, "content: want 1-2000 characters")
	}
	if s.StoreCodes == nil {
		s.StoreCodes = []string{}
	}
	return nil
}

// Validate reports the first problem with g as an EINVALID *Error.
func (g *ScriptGroup) Validate() error {
	g.Name = strings.TrimSpace(g.Name)
	if g.Name == "" || utf8.RuneCountInString(g.Name) > 64 {
		return Errorf(EINVALID, "name: want 1-64 characters")
	}
	return nil
}
