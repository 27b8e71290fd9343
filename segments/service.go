// Package segments computes the segments members fall into — RFM cell,
// lifecycle stage, activity score — puts them on as segment tags, records
// the behaviour they are computed from, and filters members for targeting.
package segments

import (
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/store"
)

// Service is the segments service over one database.
type Service struct {
	st  *store.Store
	db  *gorm.DB
	now func() time.Time
}

// New returns a Service on st's database; now may be nil (time.Now).
func New(st *store.Store, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, db: st.DB(), now: now}
}
