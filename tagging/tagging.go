// Package tagging holds tags and the scene → tag rules: which tags a scene
// puts on the members it brings in, the tags guides put on by hand, and
// the WeCom corp tags mirrored both ways.
package tagging

import (
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/store"
)

// Service is the member-profile service over one database.
type Service struct {
	st  *store.Store
	db  *gorm.DB
	now func() time.Time
}

// New returns a Service on db; now may be nil (time.Now).
func New(st *store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, db: st.DB(), now: now}
}
