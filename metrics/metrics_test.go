package metrics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/siyu/siyu/metrics"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/servicetest"
)

// seedAcrossMidnight writes members, an order, an unfollow, check-ins,
// points and a coupon either side of midnight between 1 and 2 March in
// Shanghai.
func seedAcrossMidnight(e *servicetest.Env) {
	late := time.Date(2026, 3, 1, 15, 59, 0, 0, time.UTC) // 23:59 on 1 March in Shanghai
	early := time.Date(2026, 3, 1, 16, 1, 0, 0, time.UTC) // 00:01 on 2 March
	a := model.Member{Subscribed: true, FirstScene: "poster", StoreCode: "sh001", CreatedAt: late}
	b := model.Member{Subscribed: false, FirstScene: "poster", StoreCode: "sh002", CreatedAt: early}
	c := model.Member{Subscribed: false, FirstScene: "store", StoreCode: "sh002", CreatedAt: early}
	for _, m := range []*model.Member{&a, &b, &c} {
		e.Must(e.DB.Create(m).Error)
	}
	e.Must(e.DB.Create(&model.Order{OrderNo: "m1", MemberID: c.ID, AmountFen: 100, PaidAt: early, Status: model.OrderPaid}).Error)
	e.Must(e.DB.Create(&model.MemberEvent{MemberID: b.ID, Kind: model.EventUnfollow, CreatedAt: early.Add(time.Hour)}).Error)
	e.Must(e.DB.Create(&model.CheckIn{MemberID: a.ID, Day: "2026-03-01", Streak: 1, CreatedAt: late}).Error)
	e.Must(e.DB.Create(&model.CheckIn{MemberID: a.ID, Day: "2026-03-02", Streak: 2, CreatedAt: early}).Error)
	e.Must(e.DB.Create(&model.PointsEntry{MemberID: a.ID, Delta: 10, Kind: model.PointsCheckIn, IdemKey: "k1", CreatedAt: late}).Error)
	e.Must(e.DB.Create(&model.PointsEntry{MemberID: a.ID, Delta: -4, Kind: model.PointsRedeem, IdemKey: "k2", CreatedAt: early}).Error)
	e.Must(e.DB.Create(&model.PointsEntry{MemberID: a.ID, Delta: -6, Kind: model.PointsExpire, IdemKey: "k3", CreatedAt: early}).Error)
	e.Must(e.DB.Model(&model.Member{}).Where("id = ?", a.ID).Update("points", 0).Error)
	e.Must(e.DB.Create(&model.Coupon{Code: "C1", MemberID: a.ID, Title: "x", Status: model.CouponRedeemed, Source: model.SourceHQ,
		IssueKey: "i1", CreatedAt: late, RedeemedAt: &early}).Error)
}

func TestMetricsAcrossMidnight(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	seedAcrossMidnight(e)

	r, err := metrics.NewDayRange("2026-03-01", "2026-03-02", loc, e.Now)
	e.Must(err)
	tests := []struct {
		name   string
		metric func(context.Context, metrics.DayRange) (metrics.Chart, error)
		want   map[string][]float64
	}{
		{"members", e.Metrics.MemberMetrics, map[string][]float64{"new": {1, 2}, "effective": {1, 1}, "churned": {0, 1}}},
		{"retention", e.Metrics.RetentionMetrics, map[string][]float64{"new": {1, 2}, "retained": {1, 0}, "retention_rate": {1, 0}, "churned": {0, 1}, "churn_rate": {0, 1}}},
		{"checkins", e.Metrics.CheckInMetrics, map[string][]float64{"dau": {1, 1}}},
		{"points", e.Metrics.PointsMetrics, map[string][]float64{"issued": {10, 0}, "redeemed": {0, 4}, "expired": {0, 6}}},
		{"coupons", e.Metrics.CouponMetrics, map[string][]float64{"issued": {1, 0}, "redeemed": {0, 1}}},
	}
	for _, tt := range tests {
		ch, err := tt.metric(ctx, r)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		for name, want := range tt.want {
			if fmt.Sprint(ch.Series[name]) != fmt.Sprint(want) {
				t.Errorf("%s %s = %v, want %v", tt.name, name, ch.Series[name], want)
			}
		}
	}
	m, err := e.Metrics.MemberMetrics(ctx, r)
	e.Must(err)
	if got := fmt.Sprint(m.Breakdown["scene"]); got != "[{poster map[churned:1 effective:1 new:2]} {store map[effective:1 new:1]}]" {
		t.Errorf("by scene = %s", got)
	}
	ci, err := e.Metrics.CheckInMetrics(ctx, r)
	e.Must(err)
	if ci.Extra["streaks"]["2-3"] != 1 {
		t.Errorf("streaks = %v, want one member in 2-3", ci.Extra["streaks"])
	}

	if _, err := e.Segments.RecomputeSegments(ctx, segments.SegmentRules{}, nil); err != nil {
		t.Fatal(err)
	}
	lc, err := e.Metrics.LifecycleMetrics(ctx, r)
	e.Must(err)
	if lc.Series[segments.LifecycleNew][1] != 1 || lc.Current[segments.LifecycleChurned] != 2 || lc.Change[segments.LifecycleNew] != 1 {
		t.Errorf("lifecycle = %+v", lc)
	}
	// RFM over the default rules (30-day window, recent within 15 days,
	// frequent from 8 orders, valuable from the window's average order):
	// c's one order is recent, rare and at the average (重点突破); a and b
	// never ordered.
	rfm, err := e.Metrics.RFMMetrics(ctx, r)
	e.Must(err)
	wantNow := map[string]int64{segments.RFMDevelop: 1, segments.RFMNone: 2}
	if fmt.Sprint(rfm.Current) != fmt.Sprint(wantNow) {
		t.Errorf("RFM now = %v, want %v", rfm.Current, wantNow)
	}
	for _, seg := range segments.RFMSegments {
		want := []float64{0, float64(wantNow[seg])} // the recompute snapshotted 2 March
		if got := rfm.Series[seg]; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("RFM series %s = %v, want %v", seg, got, want)
		}
	}
}

func TestNewDayRange(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 3, 2, 4, 0, 0, 0, time.UTC)
	tests := []struct {
		from, to string
		days     int
		ok       bool
	}{
		{"", "", 30, true},
		{"2026-01-01", "2026-01-01", 1, true},
		{"2025-01-01", "2025-12-31", 365, true},
		{"2024-01-01", "2024-12-31", 366, true},
		{"2024-01-01", "2025-01-01", 0, false},
		{"2026-01-02", "2026-01-01", 0, false},
		{"2026-1-2", "", 0, false},
	}
	for _, tt := range tests {
		r, err := metrics.NewDayRange(tt.from, tt.to, loc, now)
		if (err == nil) != tt.ok || (err == nil && len(r.Days()) != tt.days) {
			t.Errorf("NewDayRange(%q, %q) = %d days, %v; want %d, ok %v", tt.from, tt.to, len(r.Days()), err, tt.days, tt.ok)
		}
	}
}

// TestTaskMetrics: items dispatched, done and skipped bucket by business
// day across Shanghai midnight, and the store breakdown adds up with its
// completion rate and overdue count.
func TestTaskMetrics(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	late := time.Date(2026, 3, 1, 15, 59, 0, 0, time.UTC) // 23:59 on 1 March in Shanghai
	early := time.Date(2026, 3, 1, 16, 1, 0, 0, time.UTC) // 00:01 on 2 March
	items := []model.TaskItem{
		{TaskID: 1, MemberID: 1, GuideUserID: "g1", StoreCode: "sh001", Status: model.ItemDone, DoneAt: &early, CreatedAt: late},
		{TaskID: 1, MemberID: 2, GuideUserID: "g1", StoreCode: "sh001", Status: model.ItemSkipped, DoneAt: &early, CreatedAt: late},
		{TaskID: 1, MemberID: 3, GuideUserID: "g1", StoreCode: "sh001", Status: model.ItemOpen, Overdue: true, CreatedAt: late},
		{TaskID: 1, MemberID: 4, GuideUserID: "g2", StoreCode: "sh002", Status: model.ItemDone, DoneAt: &early, CreatedAt: early},
	}
	e.Must(e.DB.Create(&items).Error)
	r, err := metrics.NewDayRange("2026-03-01", "2026-03-02", loc, e.Now)
	e.Must(err)
	ch, err := e.Metrics.TaskMetrics(ctx, r)
	e.Must(err)
	for name, want := range map[string][]float64{"assigned": {3, 1}, "done": {0, 2}, "skipped": {0, 1}} {
		if fmt.Sprint(ch.Series[name]) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", name, ch.Series[name], want)
		}
	}
	if got := fmt.Sprint(ch.Breakdown["store"]); got != "[{sh001 map[assigned:3 done:1 open:1 overdue:1 rate_permille:333 skipped:1]} {sh002 map[assigned:1 done:1 rate_permille:1000]}]" {
		t.Errorf("by store = %s", got)
	}
}
