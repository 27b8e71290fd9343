// Package guides holds the store and guide directory (stores, shop guides,
// who manages whom, sync with WeCom's address book) and the codes that
// bring members in through a scene: WeCom contact-way codes and Official
// Account QR codes.
package guides

import (
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/store"
)

// Service is the guides service over one database.
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
