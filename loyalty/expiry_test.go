package loyalty_test

import (
	"testing"
	"time"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

func TestExpiryPolicy(t *testing.T) {
	earned := time.Date(2025, 5, 1, 23, 30, 0, 0, shanghai)
	for _, tc := range []struct {
		p    loyalty.ExpiryPolicy
		want string // first instant they are expired, in Shanghai; "" never
	}{
		{loyalty.ExpiryPolicy{Kind: loyalty.ExpiryNone}, ""},
		{loyalty.ExpiryPolicy{}, ""},
		{loyalty.ExpiryPolicy{Kind: loyalty.ExpiryRolling, Days: 365}, "2026-05-02 00:00"},
		{loyalty.ExpiryPolicy{Kind: loyalty.ExpiryRolling, Days: 30}, "2025-06-01 00:00"},
		{loyalty.ExpiryPolicy{Kind: loyalty.ExpiryYearEnd}, "2027-01-01 00:00"},
	} {
		got := ""
		if at := tc.p.ExpiresAt(earned, shanghai); at != nil {
			got = at.In(shanghai).Format("2006-01-02 15:04")
		}
		if got != tc.want {
			t.Errorf("%s: ExpiresAt = %q, want %q", tc.p, got, tc.want)
		}
	}
}

// TestExpiryFIFO: spending takes the oldest credits first; the job expires
// what is left of due credits, and run twice expires once.
func TestExpiryFIFO(t *testing.T) {
	e := newEnv(t, func(o *loyalty.Options) { o.Expiry = loyalty.ExpiryPolicy{Kind: loyalty.ExpiryRolling, Days: 30} })
	m := e.member(0)
	start := e.clk.Now()
	for i, pts := range []int64{100, 50, 30} { // credits on day 0, 10, 20
		e.clk.Set(start.AddDate(0, 0, 10*i))
		e.adjust(m, pts)
	}
	r := e.reward(model.Reward{Name: "券", PointsCost: 120, Kind: model.RewardVirtual, Stock: 5})
	if _, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: m, RewardID: r.ID, RequestID: "fifo"}); err != nil {
		t.Fatal(err)
	}
	var credits []model.PointsEntry
	e.db.Where("member_id = ? AND delta > 0", m).Order("id").Find(&credits)
	if got := [3]int64{credits[0].Remaining, credits[1].Remaining, credits[2].Remaining}; got != [3]int64{0, 30, 30} {
		t.Errorf("remaining = %v, want [0 30 30] (oldest spent first)", got)
	}
	// Day 42: the first two credits are due (valid 30 days); 30 of the
	// second are left to expire.
	e.clk.Set(start.AddDate(0, 0, 42))
	if soon, _ := e.s.ExpiringSoon(e.ctx, m); soon.Points != 30 {
		t.Errorf("expiring soon = %+v, want the last 30", soon)
	}
	for run := range 2 {
		res, err := e.s.ExpireDue(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := []int64{30, 0}[run]; res.Points != want {
			t.Errorf("run %d expired %d points, want %d", run, res.Points, want)
		}
	}
	if n := e.count(&model.PointsEntry{}, "kind = ?", model.PointsExpire); n != 1 {
		t.Errorf("expire entries = %d, want 1 (the first credit had been spent)", n)
	}
	if got := e.get(m).Points; got != 30 {
		t.Errorf("balance = %d, want 30", got)
	}
}

// TestSpendExpiresDueFirst: points past their expiry cannot be spent even
// before the daily job ran.
func TestSpendExpiresDueFirst(t *testing.T) {
	e := newEnv(t, func(o *loyalty.Options) { o.Expiry = loyalty.ExpiryPolicy{Kind: loyalty.ExpiryRolling, Days: 7} })
	m := e.member(100)
	e.clk.Add(9 * 24 * time.Hour)
	e.adjust(m, 20)
	r := e.reward(model.Reward{Name: "券", PointsCost: 50, Kind: model.RewardVirtual, Stock: 5})
	if _, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: m, RewardID: r.ID, RequestID: "late"}); err == nil {
		t.Fatal("spent expired points")
	}
	if got := e.get(m).Points; got != 120 {
		t.Errorf("balance = %d, want 120 until the job runs (the failed spend rolled back)", got)
	}
	res, _ := e.s.ExpireDue(e.ctx)
	if res.Points != 100 || e.get(m).Points != 20 {
		t.Errorf("expired %d, balance %d; want 100 and 20", res.Points, e.get(m).Points)
	}
}

// TestExpiryReminders: one reminder per member and batch, however often the
// job runs.
func TestExpiryReminders(t *testing.T) {
	e := newEnv(t, func(o *loyalty.Options) {
		o.Expiry = loyalty.ExpiryPolicy{Kind: loyalty.ExpiryRolling, Days: 60}
		o.RemindDays = 30
	})
	a, b := e.member(80), e.member(0)
	e.clk.Add(40 * 24 * time.Hour) // a's points expire in 21 days
	e.adjust(b, 10)                // b's in 61
	for range 3 {
		queued, err := e.s.QueueExpiryReminders(e.ctx)
		if err != nil || len(queued) != 1 || queued[0].MemberID != a {
			t.Fatalf("QueueExpiryReminders = %+v, %v; want one reminder for member %d", queued, err, a)
		}
	}
	var rs []model.ExpiryReminder
	e.db.Find(&rs)
	if len(rs) != 1 || rs[0].MemberID != a || rs[0].Points != 80 || rs[0].Batch != "2025-05" {
		t.Fatalf("reminders = %+v, want one for member %d, 80 points, batch 2025-05", rs, a)
	}
	r, left, err := e.s.Reminder(e.ctx, rs[0].ID)
	if err != nil || left != 80 || e.s.ValidThrough(r.Deadline) != "2025-05-09" {
		t.Errorf("Reminder = %+v %d %v; want 80 left, valid through 2025-05-09", r, left, err)
	}
	if err := e.s.MarkReminderSent(e.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if queued, _ := e.s.QueueExpiryReminders(e.ctx); len(queued) != 0 {
		t.Errorf("after sending: %+v still queued", queued)
	}
}
