// Package metrics answers the HQ dashboards (/api/hq/metrics/*): members,
// retention, check-ins, points, coupons, segments and HQ tasks per
// business day.
package metrics

import (
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/store"
)

// Service is the metrics service over one database.
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
