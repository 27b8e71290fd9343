package loyalty_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/store"
)

func TestCheckInPoints(t *testing.T) {
	r := loyalty.DefaultCheckInRules
	for _, tc := range []struct {
		streak int
		want   int64
	}{{1, 5}, {2, 6}, {3, 7}, {6, 10}, {7, 30}, {8, 10}, {14, 30}, {30, 10}} {
		if got := r.Points(tc.streak); got != tc.want {
			t.Errorf("Points(%d) = %d, want %d", tc.streak, got, tc.want)
		}
	}
}

func newService(t *testing.T, c *clock) (*loyalty.Service, int64) {
	t.Helper()
	db := modeltest.NewDB(t)
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	m := model.Member{}
	if err := db.Create(&m).Error; err != nil {
		t.Fatal(err)
	}
	s := loyalty.New(store.New(db), loyalty.Options{Location: loc, Now: c.Now, CheckIn: loyalty.DefaultCheckInRules})
	t.Cleanup(func() {
		bad, err := s.CheckLedger(context.Background())
		if err != nil || len(bad) > 0 {
			t.Errorf("ledger check: %v %+v", err, bad)
		}
	})
	return s, m.ID
}

// TestCheckInBusinessDay: the business day is the calendar day in
// Asia/Shanghai (UTC+8), so 15:59 and 16:00 UTC fall on different days.
func TestCheckInBusinessDay(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 1, 15, 59, 0, 0, time.UTC)} // 23:59 in Shanghai
	s, id := newService(t, c)
	ctx := context.Background()

	r1, err := s.CheckIn(ctx, id)
	if err != nil || r1.Already || r1.Day != "2026-03-01" || r1.Credited != 5 {
		t.Fatalf("23:59 check-in = %+v, %v; want day 2026-03-01, 5 credited", r1, err)
	}
	c.Set(time.Date(2026, 3, 1, 15, 59, 59, 0, time.UTC))
	if r, err := s.CheckIn(ctx, id); err != nil || !r.Already || r.Credited != 0 {
		t.Errorf("second check-in before midnight = %+v, %v; want Already", r, err)
	}
	c.Set(time.Date(2026, 3, 1, 16, 0, 0, 0, time.UTC)) // 00:00 next day in Shanghai
	r2, err := s.CheckIn(ctx, id)
	if err != nil || r2.Already || r2.Day != "2026-03-02" || r2.Streak != 2 || r2.Credited != 6 || r2.Balance != 11 {
		t.Fatalf("00:00 check-in = %+v, %v; want day 2026-03-02, streak 2, 6 credited, balance 11", r2, err)
	}
}

func TestCheckInStreak(t *testing.T) {
	start := time.Date(2026, 5, 1, 2, 0, 0, 0, time.UTC)
	c := &clock{t: start}
	s, id := newService(t, c)
	ctx := context.Background()
	var total int64
	for day := 0; day < 7; day++ {
		c.Set(start.AddDate(0, 0, day))
		r, err := s.CheckIn(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if r.Streak != day+1 {
			t.Errorf("day %d streak = %d, want %d", day, r.Streak, day+1)
		}
		total += r.Credited
	}
	if total != 75 { // 5+6+7+8+9+10+30
		t.Errorf("a week in a row earned %d, want 75", total)
	}
	// Miss a day: the streak starts again at 1.
	c.Set(start.AddDate(0, 0, 8))
	r, err := s.CheckIn(ctx, id)
	if err != nil || r.Streak != 1 || r.Credited != 5 {
		t.Errorf("after a missed day = %+v, %v; want streak 1, 5 credited", r, err)
	}
	if bal, err := s.Balance(ctx, id); err != nil || bal != 80 {
		t.Errorf("balance = %d, %v; want 80", bal, err)
	}
}

// TestConcurrentCheckInSameMember: many check-ins of one member at once
// credit exactly one.
func TestConcurrentCheckInSameMember(t *testing.T) {
	c := &clock{t: time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)}
	s, id := newService(t, c)
	var wg sync.WaitGroup
	credited := make(chan int64, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.CheckIn(context.Background(), id)
			if err != nil {
				t.Error(err)
				return
			}
			credited <- r.Credited
		}()
	}
	wg.Wait()
	close(credited)
	var n, sum int64
	for c := range credited {
		if c > 0 {
			n++
		}
		sum += c
	}
	if n != 1 || sum != 5 {
		t.Errorf("%d check-ins credited %d points, want 1 crediting 5", n, sum)
	}
}

func TestCheckInUnknownMember(t *testing.T) {
	c := &clock{t: time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)}
	s, _ := newService(t, c)
	if _, err := s.CheckIn(context.Background(), 999999); !errors.Is(err, model.ErrMemberNotFound) {
		t.Errorf("CheckIn(unknown) = %v, want ErrMemberNotFound", err)
	}
}

// TestPostIsIdempotentAndGuarded: a key credits once; spending more than
// the balance fails and changes nothing; spending consumes oldest first.
func TestPostIsIdempotentAndGuarded(t *testing.T) {
	c := &clock{t: time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)}
	s, id := newService(t, c)
	ctx := context.Background()
	for range 3 {
		if _, err := s.Post(ctx, loyalty.Entry{MemberID: id, Delta: 30, Kind: model.PointsAdjust, IdemKey: "adj:1"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Post(ctx, loyalty.Entry{MemberID: id, Delta: 20, Kind: model.PointsAdjust, IdemKey: "adj:2"}); err != nil {
		t.Fatal(err)
	}
	if bal, err := s.Balance(ctx, id); err != nil || bal != 50 {
		t.Fatalf("balance = %d, want 50 (adj:1 once, adj:2 once)", bal)
	}
	if _, err := s.Post(ctx, loyalty.Entry{MemberID: id, Delta: -51, Kind: model.PointsRedeem, IdemKey: "spend:big"}); !errors.Is(err, model.ErrInsufficientPoints) {
		t.Errorf("overspend = %v, want ErrInsufficientPoints", err)
	}
	if _, err := s.Post(ctx, loyalty.Entry{MemberID: id, Delta: -40, Kind: model.PointsRedeem, IdemKey: "spend:1"}); err != nil {
		t.Fatal(err)
	}
	entries, err := s.Ledger(ctx, id, 10)
	if err != nil {
		t.Fatal(err)
	}
	remaining := map[string]int64{}
	for _, e := range entries {
		remaining[e.IdemKey] = e.Remaining
	}
	if remaining["adj:1"] != 0 || remaining["adj:2"] != 10 {
		t.Errorf("remaining = %v, want adj:1 spent first (0) and adj:2 left with 10", remaining)
	}
	if _, ok := remaining["spend:big"]; ok {
		t.Errorf("the refused overspend left a ledger entry")
	}
}
