package metrics_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/metrics"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/servicetest"
)

// winbackHistory drives the real segment recompute over a scripted month in
// Asia/Shanghai with a moving clock and returns the metrics service (its
// clock at the last run), the zone and the members by name.
//
//	run 1, Mon 2 Mar 12:00: first states, no moves recorded.
//	  A 活跃 (active 5 Feb), B 沉默 (16 Jan), C 睡眠 (12 Dec), D 活跃 (25 Feb),
//	  E 流失 (unfollowed), F 沉默 (11 Jan), H 活跃 (27 Feb).
//	run 2, Mon 16 Mar 00:30 (still Sun 15 Mar in UTC): B ordered 14 Mar, H unfollowed.
//	  A 活跃→沉默 aged, B 沉默→活跃 interaction, C 睡眠→流失 aged,
//	  F 沉默→睡眠 aged, H 活跃→流失 unreachable.
//	task T dispatched Tue 17 Mar 12:00, 20 % holdout: items A, C; held out B, D, F.
//	run 3, Thu 26 Mar 12:00: A ordered 24 Mar, E followed again and was active 25 Mar.
//	  A 沉默→活跃 interaction, E 流失→活跃 interaction.
//
// Stores: A, B, D, H in s1; C, E, F in s2.
func winbackHistory(t *testing.T) (*servicetest.Env, *metrics.Service, *time.Location, map[string]int64, int64) {
	t.Helper()
	e := servicetest.New(t)
	ctx := context.Background()
	loc, err := time.LoadLocation("Asia/Shanghai")
	e.Must(err)
	at := func(day, clock string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", day+" "+clock, loc)
		e.Must(err)
		return v.UTC()
	}
	var now time.Time
	clock := func() time.Time { return now }
	seg, met := segments.New(e.Store, clock), metrics.New(e.Store, clock)
	ids := map[string]int64{}
	mk := func(name, store string, subscribed bool, active time.Time) {
		m := model.Member{Subscribed: subscribed, StoreCode: store, LastActiveAt: &active, CreatedAt: at("2025-06-01", "12:00")}
		e.Must(e.DB.Create(&m).Error)
		ids[name] = m.ID
	}
	mk("A", "s1", true, at("2026-02-05", "12:00"))
	mk("B", "s1", true, at("2026-01-16", "12:00"))
	mk("C", "s2", true, at("2025-12-12", "12:00"))
	mk("D", "s1", true, at("2026-02-25", "12:00"))
	mk("E", "s2", false, at("2026-03-01", "12:00"))
	mk("F", "s2", true, at("2026-01-11", "12:00"))
	mk("H", "s1", true, at("2026-02-27", "12:00"))
	rules := segments.SegmentRules{Location: loc, BatchSize: 3}
	run := func(when time.Time) {
		now = when
		_, err := seg.RecomputeSegments(ctx, rules, nil)
		e.Must(err)
	}
	order := func(name string, when time.Time) {
		e.Must(e.DB.Create(&model.Order{OrderNo: "o" + name, MemberID: ids[name], AmountFen: 1000, PaidAt: when, Status: model.OrderPaid}).Error)
	}
	run(at("2026-03-02", "12:00"))
	order("B", at("2026-03-14", "12:00"))
	e.Must(e.DB.Model(&model.Member{}).Where("id = ?", ids["H"]).Update("subscribed", false).Error)
	run(at("2026-03-16", "00:30"))

	dispatched := at("2026-03-17", "12:00")
	task := model.HQTask{Title: "召回", Kind: model.TaskKindFollowUp, StoresJSON: "[]", GuidesJSON: "[]", FilterJSON: "{}",
		Deadline: dispatched.AddDate(0, 0, 14), State: model.TaskActive, DispatchedAt: &dispatched, HoldoutPercent: 20}
	e.Must(e.DB.Create(&task).Error)
	for _, n := range []string{"A", "C"} {
		var m model.Member
		e.Must(e.DB.Take(&m, ids[n]).Error)
		e.Must(e.DB.Create(&model.TaskItem{TaskID: task.ID, MemberID: m.ID, GuideUserID: "g", Status: model.ItemOpen, StoreCode: m.StoreCode, CreatedAt: dispatched}).Error)
	}
	for _, n := range []string{"B", "D", "F"} {
		var m model.Member
		e.Must(e.DB.Take(&m, ids[n]).Error)
		e.Must(e.DB.Create(&model.TaskHoldout{TaskID: task.ID, MemberID: m.ID, GuideUserID: "g", StoreCode: m.StoreCode, CreatedAt: dispatched}).Error)
	}

	order("A", at("2026-03-24", "12:00"))
	e.Must(e.DB.Model(&model.Member{}).Where("id = ?", ids["E"]).
		Updates(map[string]any{"subscribed": true, "last_active_at": at("2026-03-25", "12:00")}).Error)
	run(at("2026-03-26", "12:00"))
	return e, met, loc, ids, task.ID
}

func TestLifecycleChangesRecorded(t *testing.T) {
	e, _, _, ids, _ := winbackHistory(t)
	var rows []model.LifecycleChange
	e.Must(e.DB.Order("changed_at, member_id").Find(&rows).Error)
	name := map[int64]string{}
	for n, id := range ids {
		name[id] = n
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s %s %s→%s %s %s", r.Day, name[r.MemberID], r.FromState, r.ToState, r.Cause, r.StoreCode))
	}
	want := []string{
		"2026-03-16 A 活跃→沉默 aged s1",
		"2026-03-16 B 沉默→活跃 interaction s1",
		"2026-03-16 C 睡眠→流失 aged s2",
		"2026-03-16 F 沉默→睡眠 aged s2",
		"2026-03-16 H 活跃→流失 unreachable s1",
		"2026-03-26 A 沉默→活跃 interaction s1",
		"2026-03-26 E 流失→活跃 interaction s2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("lifecycle changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// states formats a state list as "state lapsed/came_back targeted/targeted_came_back".
func states(ss []metrics.WinbackState) string {
	var out []string
	for _, s := range ss {
		out = append(out, fmt.Sprintf("%s %d/%d %d/%d", s.State, s.Lapsed, s.CameBack, s.Targeted, s.TargetedCameBack))
	}
	return strings.Join(out, ", ")
}

func TestWinbackMetrics(t *testing.T) {
	_, met, loc, ids, taskID := winbackHistory(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 26, 4, 0, 0, 0, time.UTC)
	r, err := metrics.NewDayRange("2026-03-01", "2026-03-31", loc, now)
	if err != nil {
		t.Fatal(err)
	}
	w, err := met.WinbackMetrics(ctx, r, "week", 14)
	if err != nil {
		t.Fatal(err)
	}
	// 沉默: A lapsed 16 Mar, got T's item 17 Mar, came back 26 Mar. 睡眠: F
	// (held out). 流失: C (T's item came after the lapse) and H; neither back.
	if got, want := states(w.States), "沉默 1/1 1/1, 睡眠 1/0 0/0, 流失 2/0 1/0"; got != want {
		t.Errorf("states = %s, want %s", got, want)
	}
	if w.States[0].Rate != 1 || w.States[2].Rate != 0 || w.States[0].TargetedRate != 1 {
		t.Errorf("rates = %+v", w.States)
	}
	// Weeks from Monday 23 Feb (1 Mar is a Sunday). B came back on Monday 16
	// Mar in Shanghai (Sunday 15 Mar in UTC); A and E on 26 Mar, A after T.
	var weeks []string
	for _, p := range w.Returns {
		weeks = append(weeks, fmt.Sprintf("%s %d %d/%d/%d %d", p.Period, p.Total, p.ByState["沉默"], p.ByState["睡眠"], p.ByState["流失"], p.AfterTask))
	}
	wantWeeks := "2026-02-23 0 0/0/0 0|2026-03-02 0 0/0/0 0|2026-03-09 0 0/0/0 0|2026-03-16 1 1/0/0 0|2026-03-23 2 1/0/1 1|2026-03-30 0 0/0/0 0"
	if got := strings.Join(weeks, "|"); got != wantWeeks {
		t.Errorf("returns by week = %s\nwant %s", got, wantWeeks)
	}
	if len(w.Stores) != 2 || w.Stores[0].StoreCode != "s1" || w.Stores[0].Returned != 2 || states(w.Stores[0].States) != "沉默 1/1 1/1, 睡眠 0/0 0/0, 流失 1/0 0/0" ||
		w.Stores[1].StoreCode != "s2" || w.Stores[1].Returned != 1 || states(w.Stores[1].States) != "沉默 0/0 0/0, 睡眠 1/0 0/0, 流失 1/0 1/0" {
		t.Errorf("stores = %+v", w.Stores)
	}
	// T: treated A (沉默 at dispatch, back 9 days later) and C (流失, not
	// back); control F (睡眠, not back) — B and D were 活跃 at dispatch.
	if len(w.Tasks) != 1 {
		t.Fatalf("tasks = %+v, want T", w.Tasks)
	}
	tk := w.Tasks[0]
	if tk.TaskID != taskID || !tk.Causal || tk.Treated != (metrics.WinbackGroup{Members: 2, CameBack: 1, Rate: 0.5}) ||
		tk.Control != (metrics.WinbackGroup{Members: 1, CameBack: 0, Rate: 0}) || !tk.TooSmall || !tk.Uplift.TooSmall {
		t.Errorf("task = %+v", tk)
	}

	// By day: the return lands on Shanghai's 16 Mar, not UTC's 15 Mar.
	d, err := met.WinbackMetrics(ctx, r, "day", 14)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range d.Returns {
		want := map[string]int64{"2026-03-16": 1, "2026-03-26": 2}[p.Period]
		if p.Total != want {
			t.Errorf("returns on %s = %d, want %d", p.Period, p.Total, want)
		}
	}

	checkWinbackWindowAndStore(t, met, r)
	checkWinbackReturns(t, met, r, ids, taskID)
	if _, err := met.WinbackMetrics(ctx, r, "month", 14); err == nil {
		t.Error("by=month accepted")
	}
}

// checkWinbackWindowAndStore: a shorter window credits nothing to T; one
// store's view keeps only its members.
func checkWinbackWindowAndStore(t *testing.T, met *metrics.Service, r metrics.DayRange) {
	t.Helper()
	ctx := context.Background()
	// A window of 5 days: A came back 9 days after T, so not after T.
	short, err := met.WinbackMetrics(ctx, r, "week", 5)
	if err != nil {
		t.Fatal(err)
	}
	if short.Returns[4].AfterTask != 0 || short.Tasks[0].Treated.CameBack != 0 {
		t.Errorf("5-day window: after_task %d, treated came back %d; want 0, 0", short.Returns[4].AfterTask, short.Tasks[0].Treated.CameBack)
	}

	// One store: s2 has C and F of T, and E's return.
	r.Store = "s2"
	s2, err := met.WinbackMetrics(ctx, r, "week", 14)
	if err != nil {
		t.Fatal(err)
	}
	if states(s2.States) != "沉默 0/0 0/0, 睡眠 1/0 0/0, 流失 1/0 1/0" || len(s2.Tasks) != 1 ||
		s2.Tasks[0].Treated.Members != 1 || s2.Tasks[0].Control.Members != 1 || s2.Returns[4].Total != 1 {
		t.Errorf("store s2 = %+v", s2)
	}

}

// checkWinbackReturns: the returns listed and as CSV.
func checkWinbackReturns(t *testing.T, met *metrics.Service, r metrics.DayRange, ids map[string]int64, taskID int64) {
	t.Helper()
	ctx := context.Background()
	// The returns listed, oldest first, with the task that came before.
	rets, total, err := met.WinbackReturns(ctx, r, 14, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, x := range rets {
		got = append(got, fmt.Sprintf("%d %s %s %d", x.MemberID, x.From, x.Day, x.TaskID))
	}
	want := []string{fmt.Sprintf("%d 沉默 2026-03-16 0", ids["B"]), fmt.Sprintf("%d 沉默 2026-03-26 %d", ids["A"], taskID), fmt.Sprintf("%d 流失 2026-03-26 0", ids["E"])}
	if total != 3 || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("returns = %d %v, want 3 %v", total, got, want)
	}
	var buf bytes.Buffer
	if err := metrics.WriteWinbackCSV(&buf, rets); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(buf.String()), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[0], "\ufeffmember_id,") ||
		!strings.Contains(lines[2], ",召回") {
		t.Errorf("csv = %q", buf.String())
	}
}
