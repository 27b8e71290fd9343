package segments_test

import (
	"context"
	"fmt"
	"math"
	"sort"
	"testing"
	"time"

	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/servicetest"
)

// segMember is a hand-built member with what the recompute must make of it.
type segMember struct {
	name       string
	createdAgo time.Duration // before now; 0 = 200 days
	subscribed bool
	relation   bool            // an active WeCom guide relation
	activeAgo  time.Duration   // last_active_at before now; 0 = never
	orders     []time.Duration // paid this long before now
	orderFen   int64
	redeemAgo  time.Duration
	behaviors  map[string]time.Duration // kind → age before now

	lifecycle, rfm string
}

const day = 24 * time.Hour

func repeat(n int, d time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d + time.Duration(i)*time.Minute
	}
	return out
}

// segmentFixtures cover every RFM cell and every lifecycle rule. The
// window's average order value is (16×20000 + 2×20000 + 16×1000 + 2×1000)
// / 36 = 10500 fen, so 20000-fen orders are valuable and 1000-fen ones not.
func segmentFixtures() []segMember {
	return []segMember{
		{name: "best", subscribed: true, orders: repeat(8, 2*day), orderFen: 20000, lifecycle: segments.LifecycleActive, rfm: segments.RFMBest},
		{name: "winback", subscribed: true, orders: repeat(8, 20*day), orderFen: 20000, lifecycle: segments.LifecycleActive, rfm: segments.RFMWinBack},
		{name: "develop-recent", subscribed: true, orders: repeat(1, 2*day), orderFen: 20000, lifecycle: segments.LifecycleActive, rfm: segments.RFMDevelop},
		{name: "develop-lapsed", subscribed: true, orders: repeat(1, 20*day), orderFen: 20000, lifecycle: segments.LifecycleActive, rfm: segments.RFMDevelop},
		{name: "maintain-recent", subscribed: true, orders: repeat(8, 2*day), orderFen: 1000, lifecycle: segments.LifecycleActive, rfm: segments.RFMMaintain},
		{name: "maintain-lapsed", subscribed: true, orders: repeat(8, 20*day), orderFen: 1000, lifecycle: segments.LifecycleActive, rfm: segments.RFMMaintain},
		{name: "potential", subscribed: true, orders: repeat(1, 2*day), orderFen: 1000, lifecycle: segments.LifecycleActive, rfm: segments.RFMPotential},
		{name: "general", subscribed: true, orders: repeat(1, 20*day), orderFen: 1000, lifecycle: segments.LifecycleActive, rfm: segments.RFMGeneral},
		{name: "old-order", subscribed: true, orders: repeat(1, 45*day), orderFen: 1000, lifecycle: segments.LifecycleSilent, rfm: segments.RFMNone},
		{name: "new", createdAgo: 3 * day, subscribed: true, lifecycle: segments.LifecycleNew, rfm: segments.RFMNone},
		{name: "new-boundary", createdAgo: 7 * day, subscribed: true, lifecycle: segments.LifecycleNew, rfm: segments.RFMNone},
		{name: "active-30", subscribed: true, activeAgo: 30 * day, lifecycle: segments.LifecycleActive, rfm: segments.RFMNone},
		{name: "silent-31", subscribed: true, activeAgo: 31 * day, lifecycle: segments.LifecycleSilent, rfm: segments.RFMNone},
		{name: "sleeping", subscribed: true, activeAgo: 75 * day, lifecycle: segments.LifecycleSleeping, rfm: segments.RFMNone},
		{name: "churned-time", subscribed: true, activeAgo: 100 * day, lifecycle: segments.LifecycleChurned, rfm: segments.RFMNone},
		{name: "never-active", subscribed: true, lifecycle: segments.LifecycleChurned, rfm: segments.RFMNone},
		{name: "unfollowed", activeAgo: day, lifecycle: segments.LifecycleChurned, rfm: segments.RFMNone},
		{name: "wecom-only", relation: true, activeAgo: day, lifecycle: segments.LifecycleActive, rfm: segments.RFMNone},
		{name: "redeemed", subscribed: true, activeAgo: 100 * day, redeemAgo: 40 * day, lifecycle: segments.LifecycleSilent, rfm: segments.RFMNone},
		{name: "behaviour", subscribed: true, behaviors: map[string]time.Duration{"read": 5 * day}, lifecycle: segments.LifecycleActive, rfm: segments.RFMNone},
	}
}

// build inserts the fixtures and returns their ids by name.
func buildSegments(e *servicetest.Env, ms []segMember) map[string]int64 {
	e.T.Helper()
	ids := map[string]int64{}
	n := 0
	for _, f := range ms {
		created := e.Now.Add(-200 * day)
		if f.createdAgo > 0 {
			created = e.Now.Add(-f.createdAgo)
		}
		m := model.Member{Subscribed: f.subscribed, CreatedAt: created, UpdatedAt: created}
		if f.activeAgo > 0 {
			t := e.Now.Add(-f.activeAgo)
			m.LastActiveAt = &t
		}
		e.Must(e.DB.Create(&m).Error)
		ids[f.name] = m.ID
		for _, ago := range f.orders {
			n++
			e.Must(e.DB.Create(&model.Order{OrderNo: fmt.Sprintf("S%d", n), MemberID: m.ID, AmountFen: f.orderFen,
				PaidAt: e.Now.Add(-ago), Status: model.OrderPaid}).Error)
		}
		if f.relation {
			key := fmt.Sprintf("c|g|%d", m.ID)
			e.Must(e.DB.Create(&model.GuideRelation{MemberID: m.ID, CorpID: "c", GuideUserID: "g", ExternalUserID: fmt.Sprint(m.ID),
				ActiveKey: &key, EventKey: key}).Error)
		}
		if f.redeemAgo > 0 {
			e.Must(e.DB.Create(&model.Redemption{RequestID: fmt.Sprintf("r%d", m.ID), MemberID: m.ID, RewardName: "x", Kind: "gift",
				Status: "done", CreatedAt: e.Now.Add(-f.redeemAgo)}).Error)
		}
		for kind, ago := range f.behaviors {
			e.Must(e.DB.Create(&model.BehaviorEvent{EventID: fmt.Sprintf("b%d%s", m.ID, kind), MemberID: m.ID, Kind: kind,
				Class: model.BehaviorKinds[kind], OccurredAt: e.Now.Add(-ago)}).Error)
		}
	}
	return ids
}

func TestRFMCellTotal(t *testing.T) {
	tests := []struct {
		r, f, m bool
		want    string
	}{
		{true, true, true, segments.RFMBest},
		{false, true, true, segments.RFMWinBack},
		{true, false, true, segments.RFMDevelop},
		{false, false, true, segments.RFMDevelop},
		{true, true, false, segments.RFMMaintain},
		{false, true, false, segments.RFMMaintain},
		{true, false, false, segments.RFMPotential},
		{false, false, false, segments.RFMGeneral},
	}
	for _, tt := range tests {
		if got := segments.RFMCell(tt.r, tt.f, tt.m); got != tt.want {
			t.Errorf("RFMCell(%v, %v, %v) = %s, want %s", tt.r, tt.f, tt.m, got, tt.want)
		}
	}
}

func TestRecomputeSegments(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	fx := segmentFixtures()
	ids := buildSegments(e, fx)
	var calls []segments.SegmentChange
	onChange := func(_ context.Context, c []segments.SegmentChange) error { calls = append(calls, c...); return nil }
	rules := segments.SegmentRules{BatchSize: 7} // several batches
	res, err := e.Segments.RecomputeSegments(ctx, rules, onChange)
	if err != nil {
		t.Fatal(err)
	}
	if res.Members != int64(len(fx)) || res.Changed != int64(len(fx)) || res.TagChanged != int64(len(fx)) || len(calls) != len(fx) {
		t.Fatalf("first run = %+v with %d changes, want %d members all changed", res, len(calls), len(fx))
	}
	for _, f := range fx {
		var m model.Member
		e.Must(e.DB.Take(&m, ids[f.name]).Error)
		if m.Lifecycle != f.lifecycle || m.RFMSegment != f.rfm {
			t.Errorf("%s: lifecycle %s, rfm %s; want %s, %s", f.name, m.Lifecycle, m.RFMSegment, f.lifecycle, f.rfm)
		}
		tags, err := e.Segments.SegmentTags(ctx, m.ID)
		e.Must(err)
		want := []string{segments.LifecycleTag(f.lifecycle), segments.RFMTag(f.rfm)}
		sort.Strings(want)
		if fmt.Sprint(tags) != fmt.Sprint(want) {
			t.Errorf("%s: segment tags %v, want %v", f.name, tags, want)
		}
	}
	var snaps int64
	e.DB.Model(&model.SegmentSnapshot{}).Where("day = ?", "2026-03-02").Count(&snaps)
	if snaps == 0 {
		t.Error("no snapshot written for 2026-03-02")
	}

	// The same day over the same data: nothing changes, nothing to sync.
	calls = nil
	res2, err := e.Segments.RecomputeSegments(ctx, rules, onChange)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Changed != 0 || res2.TagChanged != 0 || len(calls) != 0 {
		t.Errorf("second run = %+v with %d changes, want none", res2, len(calls))
	}

	// One member orders enough to move cells: only that member changes.
	for i := range 8 {
		e.Must(e.DB.Create(&model.Order{OrderNo: fmt.Sprintf("G%d", i), MemberID: ids["potential"], AmountFen: 1000,
			PaidAt: e.Now.Add(-time.Hour), Status: model.OrderPaid}).Error)
	}
	calls = nil
	if _, err := e.Segments.RecomputeSegments(ctx, rules, onChange); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 || calls[0].MemberID != ids["potential"] || fmt.Sprint(calls[0].Remove) != fmt.Sprint([]string{segments.RFMTag(segments.RFMPotential)}) {
		t.Errorf("changes after new orders = %+v, want only potential, dropping its RFM tag", calls)
	}
	var staged int64
	e.DB.Model(&model.SegmentStaging{}).Count(&staged)
	if staged != 0 {
		t.Errorf("%d staging rows left", staged)
	}
}

func TestActivityScore(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	ref := time.Date(2026, 3, 3, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)) // end of the business day
	m := model.Member{Subscribed: true, CreatedAt: e.Now.Add(-100 * day)}
	e.Must(e.DB.Create(&m).Error)
	e.Must(e.DB.Create(&model.BehaviorEvent{EventID: "b1", MemberID: m.ID, Kind: "share", Class: model.WeightMedium, OccurredAt: ref.Add(-14 * day)}).Error)
	e.Must(e.DB.Create(&model.BehaviorEvent{EventID: "b2", MemberID: m.ID, Kind: "read", Class: model.WeightLight, OccurredAt: ref.Add(-28 * day)}).Error)
	e.Must(e.DB.Create(&model.BehaviorEvent{EventID: "b3", MemberID: m.ID, Kind: "feedback", Class: model.WeightCore, OccurredAt: ref.Add(-100 * day)}).Error) // outside the window
	e.Must(e.DB.Create(&model.Order{OrderNo: "o1", MemberID: m.ID, AmountFen: 100, PaidAt: ref.Add(-7 * day), Status: model.OrderPaid}).Error)
	e.Must(e.DB.Create(&model.CheckIn{MemberID: m.ID, Day: "2026-02-17", Streak: 1, CreatedAt: ref.Add(-14 * day)}).Error)
	e.Must(e.DB.Create(&model.MemberEvent{MemberID: m.ID, Kind: model.EventClick, CreatedAt: ref.Add(-14 * day)}).Error)
	e.Must(e.DB.Create(&model.MemberEvent{MemberID: m.ID, Kind: model.EventMessage, CreatedAt: ref.Add(-14 * day)}).Error)
	if _, err := e.Segments.RecomputeSegments(ctx, segments.SegmentRules{}, nil); err != nil {
		t.Fatal(err)
	}
	page, err := e.Members.SearchMembers(ctx, members.MemberFilter{}, segments.TargetFilter{})
	e.Must(err)
	// share 3×½ + read 1×¼ + order 5×2^-½ + check-in 1×½ + click 1×½ + message 5×½
	want := 1.5 + 0.25 + 5*math.Pow(0.5, 0.5) + 0.5 + 0.5 + 2.5
	if len(page.Members) != 1 || math.Abs(page.Members[0].ActivityScore-want) > 0.006 {
		t.Errorf("activity score = %+v, want %.2f", page.Members, want)
	}
}
