// Package tagging builds member profiles: who a member is across platforms
// (identities joined into one member), which scene brought them and which
// store and guide they belong to, and the tags that scenes, guides and
// segments put on them.
package tagging

import (
	"time"

	"gorm.io/gorm"
)

// Service is the member-profile service over one database.
type Service struct {
	db  *gorm.DB
	now func() time.Time
}

// New returns a Service on db; now may be nil (time.Now).
func New(db *gorm.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}
