package loyalty_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/store"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// clock is a settable clock shared with the service.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a seeded loyalty service on a fresh database. When the test ends
// it checks, for every member, balance = ledger sum = open credits and
// balance ≥ 0.
type env struct {
	t   *testing.T
	ctx context.Context
	db  *gorm.DB
	st  *store.Store
	s   *loyalty.Service
	clk *clock
}

func newEnv(t *testing.T, opts ...func(*loyalty.Options)) *env {
	t.Helper()
	db := modeltest.NewDB(t)
	clk := &clock{t: time.Date(2025, 3, 10, 10, 0, 0, 0, shanghai)}
	o := loyalty.Options{Location: shanghai, Now: clk.Now, CheckIn: loyalty.DefaultCheckInRules,
		Expiry: loyalty.ExpiryPolicy{Kind: loyalty.ExpiryRolling, Days: 365}, SettingsTTL: -1}
	for _, f := range opts {
		f(&o)
	}
	st := store.New(db)
	s := loyalty.New(st, o)
	e := &env{t: t, ctx: context.Background(), db: db, st: st, s: s, clk: clk}
	if err := s.Seed(e.ctx); err != nil {
		t.Fatalf("seed: %v", err)
	}
	t.Cleanup(e.checkLedger) // runs before the database closes
	return e
}

// checkLedger fails the test for any member whose balance differs from the
// ledger or the open credits, or is negative.
func (e *env) checkLedger() {
	e.t.Helper()
	bad, err := e.s.CheckLedger(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range bad {
		e.t.Errorf("member %d: points %d, ledger %d, open credits %d; growth %d, ledger %d",
			m.MemberID, m.Points, m.LedgerPoints, m.LedgerRemaining, m.Growth, m.LedgerGrowth)
	}
}

// member creates a member at the base level with the given points,
// credited through the ledger.
func (e *env) member(points int64) int64 {
	e.t.Helper()
	m := model.Member{Level: "普通"}
	if err := e.db.Create(&m).Error; err != nil {
		e.t.Fatal(err)
	}
	if points > 0 {
		e.adjust(m.ID, points)
	}
	return m.ID
}

var adjustSeq int

func (e *env) adjust(memberID, delta int64) {
	e.t.Helper()
	adjustSeq++
	if _, err := e.s.AdjustPoints(e.ctx, loyalty.Adjustment{MemberID: memberID, Delta: delta, Reason: "test",
		RequestID: fmt.Sprintf("t%d-%d", memberID, adjustSeq)}); err != nil {
		e.t.Fatalf("adjust member %d by %d: %v", memberID, delta, err)
	}
}

func (e *env) get(memberID int64) model.Member {
	e.t.Helper()
	var m model.Member
	if err := e.db.Take(&m, memberID).Error; err != nil {
		e.t.Fatal(err)
	}
	return m
}

func (e *env) count(table any, where ...any) int64 {
	e.t.Helper()
	return modeltest.Count(e.t, e.db, table, where...)
}

func (e *env) template(t model.CouponTemplate) model.CouponTemplate {
	e.t.Helper()
	if t.Name == "" {
		t = model.CouponTemplate{Name: "新品券", Kind: model.CouponCash, ValueFen: 2000, ThresholdFen: 10000, ValidDays: 30, Active: true}
	}
	out, err := e.s.CreateCouponTemplate(e.ctx, t)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

func (e *env) reward(r model.Reward) model.Reward {
	e.t.Helper()
	r.Active = true
	out, err := e.s.CreateReward(e.ctx, r)
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// parallel runs fn(i) for i in [0, n) at once and returns the errors.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}
