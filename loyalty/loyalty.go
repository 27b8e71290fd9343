// Package loyalty keeps the points ledger and everything that moves it:
// earning rules and caps, check-ins, orders and refunds, growth and levels,
// the points mall (rewards and redemption), coupons, and expiry. Every
// balance change is a ledger entry with a unique idempotency key, written
// in the same transaction as a guarded update of the member's balance, so
// balance = sum of entries and never goes below zero.
//
// Lock order, to keep MySQL free of deadlocks: a transaction locks the
// member row first (store.LockMember), then the member's ledger entries, claims
// and caps, and a reward's stock last.
package loyalty

import (
	"context"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// Service is the loyalty engine over one database.
type Service struct {
	db    *gorm.DB
	loc   *time.Location
	now   func() time.Time
	rules CheckInRules
	opts  Options

	// st opens every transaction (see package store for the lock order
	// and the SQLite write lock it shares with the other services).
	st *store.Store

	mu       sync.Mutex
	settings *settings
}

// Options configures a Service.
type Options struct {
	Location *time.Location   // business day; nil = Asia/Shanghai
	Now      func() time.Time // nil = time.Now; tests inject a clock
	CheckIn  CheckInRules
	// Levels are seeded into an empty levels table; nil = model.DefaultLevels.
	Levels []model.Level
	// Rules are seeded for channels that have no rule yet; nil = DefaultRules.
	Rules []model.EarningRule
	// Expiry is the points expiry policy; the zero value never expires.
	Expiry ExpiryPolicy
	// RemindDays: members whose points expire within this many days are
	// reminded (and see them as expiring soon); 0 = 30.
	RemindDays int
	// ReviewMonths is the window of growth the level review looks at; 0 = 12.
	ReviewMonths int
	// SettingsTTL bounds how stale cached levels and rules may be when
	// another instance changed them; 0 = 10s, negative = never cache.
	SettingsTTL time.Duration
	// StockGate, when set, refuses sold-out redemptions before any
	// transaction (stockgate.Gate, in Redis); nil: the database decides
	// every attempt.
	StockGate StockGate
}

// StockGate is a counter per reward in front of the database's stock (see
// package stockgate). Reserve reports false when the reward is sold out
// and an error when it cannot decide; Release gives back a reserved unit
// the transaction did not take; Reconcile sets the counter from the
// database.
type StockGate interface {
	Reserve(ctx context.Context, rewardID int64) (bool, error)
	Release(ctx context.Context, rewardID int64)
	Reconcile(ctx context.Context, rewardID int64) error
}

// New returns a Service on st's database. Call Seed once after migrating.
func New(st *store.Store, opts Options) *Service {
	s := &Service{db: st.DB(), st: st, loc: opts.Location, now: opts.Now, rules: opts.CheckIn, opts: opts}
	if s.loc == nil {
		s.loc, _ = time.LoadLocation("Asia/Shanghai")
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.opts.RemindDays <= 0 {
		s.opts.RemindDays = 30
	}
	if s.opts.ReviewMonths <= 0 {
		s.opts.ReviewMonths = 12
	}
	if s.opts.SettingsTTL == 0 {
		s.opts.SettingsTTL = 10 * time.Second
	}
	return s
}

// stamp is the service clock's now as the database stores it; rows that
// reports and reviews date (ledger entries, level changes, coupons) carry
// it rather than the database's own clock.
func (s *Service) stamp() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// BusinessDay returns t's calendar day in the business time zone as
// YYYY-MM-DD.
func (s *Service) BusinessDay(t time.Time) string { return t.In(s.loc).Format(time.DateOnly) }

// Location returns the business time zone.
func (s *Service) Location() *time.Location { return s.loc }

// RemindDays is how many days ahead points count as expiring soon.
func (s *Service) RemindDays() int { return s.opts.RemindDays }

// Seed puts the configured levels into an empty levels table, a rule for
// every channel that has none, and the base level on members that have no
// level yet. It is idempotent and safe to run from several instances.
// Errors: EINVALID for a configured level or rule that does not validate,
// or the database's.
func (s *Service) Seed(ctx context.Context) error {
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&model.Level{}).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			levels := s.opts.Levels
			if len(levels) == 0 {
				levels = model.DefaultLevels()
			}
			for _, l := range levels {
				if err := l.Validate(); err != nil {
					return err
				}
				if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&l).Error; err != nil {
					return err
				}
			}
		}
		rules := s.opts.Rules
		if len(rules) == 0 {
			rules = DefaultRules()
		}
		for _, r := range rules {
			if err := r.Validate(); err != nil {
				return err
			}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error; err != nil {
				return err
			}
		}
		var base []string
		if err := tx.Model(&model.Level{}).Where("threshold = 0").Pluck("name", &base).Error; err != nil {
			return err
		}
		if len(base) > 0 {
			return tx.Model(&model.Member{}).Where("level = ''").Update("level", base[0]).Error
		}
		return nil
	})
	s.invalidate()
	return err
}

// settings are the levels and rules, cached for SettingsTTL.
type settings struct {
	levels ladder
	rules  map[string]model.EarningRule
	at     time.Time
}

// current returns the cached settings, reloading them through db when
// stale. Inside a transaction pass the transaction: another connection
// could wait forever for a pool the transaction's own callers exhaust.
func (s *Service) current(db *gorm.DB) (*settings, error) {
	s.mu.Lock()
	st := s.settings
	s.mu.Unlock()
	if st != nil && s.opts.SettingsTTL > 0 && time.Since(st.at) < s.opts.SettingsTTL {
		return st, nil
	}
	st = &settings{rules: map[string]model.EarningRule{}, at: time.Now()}
	var levels []model.Level
	if err := db.Find(&levels).Error; err != nil {
		return nil, err
	}
	model.SortLevels(levels)
	st.levels = levels
	var rules []model.EarningRule
	if err := db.Find(&rules).Error; err != nil {
		return nil, err
	}
	for _, r := range rules {
		st.rules[r.Channel] = r
	}
	s.mu.Lock()
	s.settings = st
	s.mu.Unlock()
	return st, nil
}

// invalidate drops the cached settings after a change through this Service.
func (s *Service) invalidate() {
	s.mu.Lock()
	s.settings = nil
	s.mu.Unlock()
}

// ReevaluateLevel raises the member to the level their growth reaches, as
// after a unionid merge brought in the other side's growth; it returns the
// upgrade, nil when none. Errors: ErrMemberNotFound.
func (s *Service) ReevaluateLevel(ctx context.Context, memberID int64) (*LevelUp, error) {
	var up *LevelUp
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		m, err := store.LockMember(tx, memberID)
		if err != nil {
			return err
		}
		up, err = s.upgrade(tx, &m)
		return err
	})
	return up, err
}
