// Package loyalty keeps the points ledger and everything that moves it:
// earning rules and caps, check-ins, orders and refunds, growth and levels,
// the points mall (rewards and redemption), coupons, and expiry. Every
// balance change is a ledger entry with a unique idempotency key, written
// in the same transaction as a guarded update of the member's balance, so
// balance = sum of entries and never goes below zero.
//
// Lock order, to keep MySQL free of deadlocks: a transaction locks the
// member row first (lockMember), then the member's ledger entries, claims
// and caps, and a reward's stock last.
package loyalty

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
)

// Service is the loyalty engine over one database.
type Service struct {
	db    *gorm.DB
	loc   *time.Location
	now   func() time.Time
	rules CheckInRules
	opts  Options

	mu       sync.Mutex
	settings *settings
	// writers queues this process's SQLite write transactions (see
	// transact); MySQL does not need it.
	writers sync.Mutex
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
}

// New returns a Service on db. Call Seed once after migrating.
func New(db *gorm.DB, opts Options) *Service {
	s := &Service{db: db, loc: opts.Location, now: opts.Now, rules: opts.CheckIn, opts: opts}
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
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
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

// transact runs fn in a transaction, running it again (up to 5 times) when
// MySQL reports a deadlock or lock wait timeout: every fn here is written
// to be safe to repeat from the start. On MySQL it runs at READ COMMITTED:
// locking reads then lock the rows they return and no gaps, so inserts of
// ledger entries by other members never queue behind them, and plain reads
// see what committed before them. Correctness never rests on the
// isolation level: every change is a guarded update or a unique insert.
//
// On SQLite, which runs one writer at a time, the process's own writers
// queue on a mutex instead of polling the database lock: under load the
// busy handler's polling lets a waiter starve past the busy timeout, and
// the mutex hands the lock on in order.
func (s *Service) transact(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var opts []*sql.TxOptions
	if model.IsMySQL(s.db) {
		opts = append(opts, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	} else {
		s.writers.Lock()
		defer s.writers.Unlock()
	}
	run := fn
	if a := model.TxAuditFrom(ctx); a != nil { // the HQ request's audit entry commits with its change
		run = func(tx *gorm.DB) error {
			if err := fn(tx); err != nil {
				return err
			}
			return a.AuditTx(tx)
		}
	}
	var err error
	for attempt := range 5 {
		err = s.db.WithContext(ctx).Transaction(run, opts...)
		if !model.IsRetryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
	return err
}

// forUpdate adds a row lock to a query on MySQL; SQLite transactions are
// already serialised (immediate transactions).
func forUpdate(q *gorm.DB) *gorm.DB {
	if model.IsMySQL(q) {
		return q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q
}

// lockMember locks the member's row for the rest of tx and returns it: the
// first step of every transaction that moves a member's points, so
// concurrent ones queue per member instead of deadlocking. Errors:
// ErrMemberNotFound.
func lockMember(tx *gorm.DB, id int64) (model.Member, error) {
	var m model.Member
	err := forUpdate(tx.Select("id, points, growth, level, checkin_streak, last_checkin_day, birthday, store_code, merged_into")).
		Where("id = ?", id).Take(&m).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return m, model.ErrMemberNotFound
	}
	if err == nil && m.MergedInto != nil {
		// A unionid merge retired this member after the caller looked it up:
		// crediting it would strand the points. The caller's retry resolves
		// the identity to the survivor.
		return m, model.Errorf(model.ECONFLICT, "member %d was merged into %d; retry", id, *m.MergedInto)
	}
	return m, err
}

// ReevaluateLevel raises the member to the level their growth reaches, as
// after a unionid merge brought in the other side's growth; it returns the
// upgrade, nil when none. Errors: ErrMemberNotFound.
func (s *Service) ReevaluateLevel(ctx context.Context, memberID int64) (*LevelUp, error) {
	var up *LevelUp
	err := s.transact(ctx, func(tx *gorm.DB) error {
		m, err := lockMember(tx, memberID)
		if err != nil {
			return err
		}
		up, err = s.upgrade(tx, &m)
		return err
	})
	return up, err
}
