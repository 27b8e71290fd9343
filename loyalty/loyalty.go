// Package loyalty keeps the points ledger and everything that moves it:
// check-ins and their streaks, growth, and (later) levels, rewards, coupons
// and expiry. Every balance change is a ledger entry with a unique
// idempotency key, written in the same transaction as a guarded update of the
// member's balance, so balance = sum of entries and never goes below zero.
package loyalty

import (
	"time"

	"gorm.io/gorm"
)

// Service is the loyalty engine over one database.
type Service struct {
	db    *gorm.DB
	loc   *time.Location
	now   func() time.Time
	rules CheckInRules
}

// Options configures a Service.
type Options struct {
	Location *time.Location   // business day; nil = Asia/Shanghai
	Now      func() time.Time // nil = time.Now; tests inject a clock
	CheckIn  CheckInRules
}

// New returns a Service on db.
func New(db *gorm.DB, opts Options) *Service {
	s := &Service{db: db, loc: opts.Location, now: opts.Now, rules: opts.CheckIn}
	if s.loc == nil {
		s.loc, _ = time.LoadLocation("Asia/Shanghai")
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// BusinessDay returns t's calendar day in the business time zone as
// YYYY-MM-DD.
func (s *Service) BusinessDay(t time.Time) string { return t.In(s.loc).Format(time.DateOnly) }

// Location returns the business time zone.
func (s *Service) Location() *time.Location { return s.loc }
