package metrics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/siyu/siyu/metrics"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/servicetest"
	"github.com/siyu/siyu/store"
)

// cohortHistory scripts six members around the business-day edges of
// Asia/Shanghai and returns a metrics service whose clock reads
// 2026-04-20 12:00 there (a Monday).
//
//	A joins Mon 2 Mar 00:30 (Sun 1 Mar in UTC), poster, OA: checks in 3 Mar,
//	  orders 20 and 25 Mar, earns a referral 10 Mar.
//	B joins Sun 1 Mar 23:30, poster, WeCom: orders 5 Mar.
//	C joins Wed 4 Mar 10:00, store, OA: checks in exactly 7 days later.
//	D joins Mon 9 Mar 09:00, store, WeCom: nothing.
//	E joins Tue 10 Mar 00:10 (still 9 Mar in UTC): outside the range.
//	F joined Sat 28 Feb 23:59: outside the range, orders 5 Mar.
func cohortHistory(t *testing.T) (*servicetest.Env, *metrics.Service, *time.Location) {
	t.Helper()
	e := servicetest.New(t)
	loc, err := time.LoadLocation("Asia/Shanghai")
	e.Must(err)
	at := func(day, clock string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", day+" "+clock, loc)
		e.Must(err)
		return v.UTC() // stored in UTC, as the services store times
	}
	mk := func(name, scene, platform string, joined time.Time) int64 {
		m := model.Member{FirstScene: scene, Subscribed: true, CreatedAt: joined}
		e.Must(e.DB.Create(&m).Error)
		e.Must(e.DB.Create(&model.Identity{MemberID: m.ID, Platform: platform, AppID: "app", ExternalID: name}).Error)
		return m.ID
	}
	a := mk("a", "poster", model.PlatformOA, at("2026-03-02", "00:30"))
	b := mk("b", "poster", model.PlatformWeCom, at("2026-03-01", "23:30"))
	c := mk("c", "store", model.PlatformOA, at("2026-03-04", "10:00"))
	mk("d", "store", model.PlatformWeCom, at("2026-03-09", "09:00"))
	mk("e", "store", model.PlatformOA, at("2026-03-10", "00:10"))
	f := mk("f", "poster", model.PlatformOA, at("2026-02-28", "23:59"))
	checkin := func(id int64, when time.Time) {
		e.Must(e.DB.Create(&model.CheckIn{MemberID: id, Day: when.In(loc).Format(time.DateOnly), Streak: 1, CreatedAt: when}).Error)
	}
	n := 0
	order := func(id int64, when time.Time) {
		n++
		e.Must(e.DB.Create(&model.Order{OrderNo: fmt.Sprintf("o%d", n), MemberID: id, AmountFen: 1000, PaidAt: when, Status: model.OrderPaid}).Error)
	}
	checkin(a, at("2026-03-03", "09:00"))
	order(a, at("2026-03-20", "12:00"))
	order(a, at("2026-03-25", "12:00"))
	e.Must(e.DB.Create(&model.PointsEntry{MemberID: a, Delta: 0, Kind: model.PointsReferral, IdemKey: "referral:99", CreatedAt: at("2026-03-10", "12:00")}).Error)
	order(b, at("2026-03-05", "12:00"))
	checkin(c, at("2026-03-11", "10:00")) // exactly 7 days: not activation
	order(f, at("2026-03-05", "12:00"))
	now := at("2026-04-20", "12:00")
	return e, metrics.New(store.New(e.DB), func() time.Time { return now }), loc
}

func steps(s []metrics.FunnelStep) string {
	out := ""
	for _, x := range s {
		out += fmt.Sprintf("%s=%d/%.2f ", x.Step, x.Count, x.Rate)
	}
	return out
}

func TestFunnelCellByCell(t *testing.T) {
	e, svc, loc := cohortHistory(t)
	r, err := metrics.NewDayRange("2026-03-01", "2026-03-09", loc, e.Now)
	e.Must(err)
	f, err := svc.FunnelMetrics(context.Background(), r, metrics.CohortFilter{})
	e.Must(err)
	// A, B, C, D joined; A and B activated; A retained; A and B ordered,
	// A twice; A brought a new member.
	want := "acquisition=4/1.00 activation=2/0.50 retention=1/0.50 revenue_first=2/0.50 revenue_repeat=1/0.50 referral=1/0.25 "
	if got := steps(f.Steps); got != want {
		t.Errorf("funnel = %s\nwant      %s", got, want)
	}
	wantScene := map[string]string{
		"poster": "acquisition=2/1.00 activation=2/1.00 retention=1/0.50 revenue_first=2/1.00 revenue_repeat=1/0.50 referral=1/0.50 ",
		"store":  "acquisition=2/1.00 activation=0/0.00 retention=0/0.00 revenue_first=0/0.00 revenue_repeat=0/0.00 referral=0/0.00 ",
	}
	if len(f.ByScene) != 2 {
		t.Fatalf("by scene = %+v, want poster and store", f.ByScene)
	}
	for _, row := range f.ByScene {
		if got := steps(row.Steps); got != wantScene[row.Key] {
			t.Errorf("scene %s = %s\nwant %s", row.Key, got, wantScene[row.Key])
		}
	}
	wantChannel := map[string]string{model.PlatformOA: "acquisition=2/1.00 activation=1/0.50 ", model.PlatformWeCom: "acquisition=2/1.00 activation=1/0.50 "}
	for _, row := range f.ByChannel {
		if got := steps(row.Steps[:2]); got != wantChannel[row.Key] {
			t.Errorf("channel %s = %s, want %s", row.Key, got, wantChannel[row.Key])
		}
	}
	f, err = svc.FunnelMetrics(context.Background(), r, metrics.CohortFilter{Scene: "store"})
	e.Must(err)
	if f.Steps[0].Count != 2 || f.Steps[1].Count != 0 {
		t.Errorf("scene=store funnel = %s, want 2 acquired, 0 activated", steps(f.Steps))
	}
}

func TestCohortsTriangleCellByCell(t *testing.T) {
	e, svc, loc := cohortHistory(t)
	r, err := metrics.NewDayRange("2026-03-01", "2026-03-09", loc, e.Now)
	e.Must(err)
	c, err := svc.CohortMetrics(context.Background(), r, metrics.ByWeek, metrics.CohortFilter{})
	e.Must(err)
	wantPeriods := "[2026-02-23 2026-03-02 2026-03-09 2026-03-16 2026-03-23 2026-03-30 2026-04-06 2026-04-13 2026-04-20]"
	if got := fmt.Sprint(c.Periods); got != wantPeriods {
		t.Errorf("periods = %s, want %s", got, wantPeriods)
	}
	// The range widens to whole weeks. B (Sunday 1 Mar 23:30) and F are the
	// week of 23 Feb, both ordering on 5 Mar; A (Monday 00:30, still Sunday
	// in UTC) and C the week of 2 Mar; D and E the week of 9 Mar.
	want := []string{
		"2026-02-23 size 2 active [0 2 0 0 0 0 0 0 0] ordering [0 2 0 0 0 0 0 0 0] rate [0 1 0 0 0 0 0 0 0]",
		"2026-03-02 size 2 active [1 1 1 1 0 0 0 0] ordering [0 0 1 1 0 0 0 0] rate [0.5 0.5 0.5 0.5 0 0 0 0]",
		"2026-03-09 size 2 active [0 0 0 0 0 0 0] ordering [0 0 0 0 0 0 0] rate [0 0 0 0 0 0 0]",
	}
	if len(c.Cohorts) != len(want) {
		t.Fatalf("cohorts = %+v, want %d rows", c.Cohorts, len(want))
	}
	for i, row := range c.Cohorts {
		got := fmt.Sprintf("%s size %d active %v ordering %v rate %v", row.Period, row.Size, row.Active, row.Ordering, row.ActiveRate)
		if got != want[i] {
			t.Errorf("row %d = %s\nwant   %s", i, got, want[i])
		}
	}
	m, err := svc.CohortMetrics(context.Background(), r, metrics.ByMonth, metrics.CohortFilter{Channel: model.PlatformOA})
	e.Must(err)
	// By month the range widens to whole months: the OA joiners of March
	// are A, C and E; A and C were active in March, A ordered.
	got := fmt.Sprintf("%v %d %v %v", m.Periods, m.Cohorts[0].Size, m.Cohorts[0].Active, m.Cohorts[0].Ordering)
	if want := "[2026-03-01 2026-04-01] 3 [2 0] [1 0]"; got != want {
		t.Errorf("monthly OA cohorts = %s, want %s", got, want)
	}
	if _, err := svc.CohortMetrics(context.Background(), r, "day", metrics.CohortFilter{}); err == nil {
		t.Error("by=day: want an invalid error")
	}
}
