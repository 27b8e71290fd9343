package loyalty_test

import (
	"testing"
	"time"

	"github.com/siyu/siyu/config"
	"github.com/siyu/siyu/loyalty"
)

// TestYearEndExpiryAtTheEdges: under year_end, points belong to the
// business year (SIYU_TIMEZONE) they were earned in. A credit at 23:59:59
// Shanghai on 31 December is valid through the end of the next year; one a
// second later, at 00:00:00 on 1 January — and so one made on the UTC
// evening of 31 December, already 1 January in Shanghai — a year longer.
// Each is expiring soon in the last month of its validity, not expired at
// its last second, and expired by the run at its first.
func TestYearEndExpiryAtTheEdges(t *testing.T) {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	loc := cfg.Location
	if loc == nil || loc.String() != "Asia/Shanghai" {
		t.Fatalf("default SIYU_TIMEZONE = %s, want Asia/Shanghai", loc)
	}
	for _, tc := range []struct {
		name       string
		earned     time.Time
		validUntil int // last business year the points are valid in
	}{
		{"23:59:59 Shanghai on 31 December", time.Date(2025, 12, 31, 23, 59, 59, 0, loc), 2026},
		{"00:00:00 Shanghai on 1 January", time.Date(2026, 1, 1, 0, 0, 0, 0, loc), 2027},
		{"the UTC evening of 31 December", time.Date(2025, 12, 31, 20, 0, 0, 0, time.UTC), 2027},
		{"15:59:59 UTC on 31 December", time.Date(2025, 12, 31, 15, 59, 59, 0, time.UTC), 2026},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *loyalty.Options) {
				o.Location = loc
				o.Expiry = loyalty.ExpiryPolicy{Kind: loyalty.ExpiryYearEnd}
			})
			e.clk.Set(tc.earned)
			m := e.member(100)
			lastSecond := time.Date(tc.validUntil, 12, 31, 23, 59, 59, 0, loc)

			e.clk.Set(time.Date(tc.validUntil, 11, 15, 12, 0, 0, 0, loc))
			if soon, err := e.s.ExpiringSoon(e.ctx, m); err != nil || soon.Points != 0 {
				t.Errorf("six weeks before: expiring soon = %+v, %v; want none", soon, err)
			}
			e.clk.Set(time.Date(tc.validUntil, 12, 15, 12, 0, 0, 0, loc))
			soon, err := e.s.ExpiringSoon(e.ctx, m)
			if err != nil || soon.Points != 100 || soon.First == nil {
				t.Fatalf("on 15 December %d: expiring soon = %+v, %v; want 100", tc.validUntil, soon, err)
			}
			if got, want := e.s.ValidThrough(*soon.First), time.Date(tc.validUntil, 12, 31, 0, 0, 0, 0, time.UTC).Format(time.DateOnly); got != want {
				t.Errorf("valid through %s, want %s", got, want)
			}

			e.clk.Set(lastSecond)
			if run, err := e.s.ExpireDue(e.ctx); err != nil || run.Points != 0 {
				t.Errorf("run at %s: expired %+v, %v; want nothing", lastSecond, run, err)
			}
			if got := e.get(m).Points; got != 100 {
				t.Errorf("balance at the last second = %d, want 100", got)
			}
			e.clk.Set(lastSecond.Add(time.Second))
			if run, err := e.s.ExpireDue(e.ctx); err != nil || run.Points != 100 {
				t.Errorf("run at %s: expired %+v, %v; want 100", lastSecond.Add(time.Second), run, err)
			}
			if got := e.get(m).Points; got != 0 {
				t.Errorf("balance after expiry = %d, want 0", got)
			}
		})
	}
}
