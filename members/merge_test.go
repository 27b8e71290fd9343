package members_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/servicetest"
)

// twoSides makes the same person twice: an Official Account follower with
// scene tags, a check-in and a bonus, and a WeCom contact with other tags, a
// check-in the same day and points of its own.
func twoSides(e *servicetest.Env) (oa, wc int64) {
	e.T.Helper()
	ctx := context.Background()
	e.Scene("poster", []string{"渠道:海报"}, "sh001", "")
	e.Scene("store_bj", []string{"门店:北京一店"}, "bj001", "")
	f, err := e.Members.FollowOA(ctx, "wx_app", "o_alice", "poster")
	if err != nil {
		e.T.Fatal(err)
	}
	oa = f.Member.ID
	w := e.Add("g01", "wm_alice", "store_bj", e.Now)
	wc = w.Member.ID
	for _, id := range []int64{oa, wc} {
		if _, err := e.Loy.CheckIn(ctx, id); err != nil {
			e.T.Fatal(err)
		}
	}
	if _, err := e.Loy.Post(ctx, loyalty.Entry{MemberID: oa, Delta: 10, Kind: model.PointsSceneBonus, IdemKey: "bonus:oa"}); err != nil {
		e.T.Fatal(err)
	}
	if _, err := e.Loy.Post(ctx, loyalty.Entry{MemberID: wc, Delta: 100, Growth: 7, Kind: model.PointsAdjust, IdemKey: "adj:wc"}); err != nil {
		e.T.Fatal(err)
	}
	return oa, wc
}

// checkMerged checks that exactly one member holds the unionid and has
// everything of both sides.
func checkMerged(e *servicetest.Env, oa, wc int64) {
	e.T.Helper()
	ctx := context.Background()
	survivor := min(oa, wc)
	var live []model.Member
	e.DB.Where("union_id = ?", "u_alice").Find(&live)
	if len(live) != 1 || live[0].ID != survivor || live[0].MergedInto != nil {
		e.T.Fatalf("holders of the unionid = %+v, want member %d only", live, survivor)
	}
	m, err := e.Members.GetMember(ctx, max(oa, wc)) // the merged one leads to the survivor
	if err != nil {
		e.T.Fatal(err)
	}
	// 5 + 5 (two check-ins the same day) + 10 + 100; growth 1 + 1 + 7.
	if m.ID != survivor || m.Points != 120 || m.Growth != 9 || m.OpenID != "o_alice" || m.ExternalUserID != "wm_alice" ||
		m.UnionIDValue != "u_alice" || strings.Join(m.Tags, ",") != "渠道:海报,门店:北京一店" || !m.Subscribed {
		e.T.Errorf("survivor = %+v; want both identities, 120 points, growth 9, both tags", m)
	}
	if n := e.Count(&model.CheckIn{}); n != 1 {
		e.T.Errorf("check-ins = %d, want 1 (the same day kept once)", n)
	}
	for table, where := range map[any]string{&model.Identity{}: "member_id <> ?", &model.MemberTag{}: "member_id <> ?",
		&model.PointsEntry{}: "member_id <> ?", &model.GuideRelation{}: "member_id <> ?", &model.MemberEvent{}: "member_id <> ?"} {
		if n := e.Count(table, where, survivor); n != 0 {
			e.T.Errorf("%T rows left on the merged member: %d", table, n)
		}
	}
	if n := e.Count(&model.MemberEvent{}, "kind = ?", model.EventMerge); n != 1 {
		e.T.Errorf("merge events = %d, want 1", n)
	}
	var loser model.Member
	e.DB.Take(&loser, max(oa, wc))
	if loser.MergedInto == nil || *loser.MergedInto != survivor || loser.Points != 0 || loser.UnionID != nil {
		e.T.Errorf("merged member = %+v, want merged_into %d, no points, no unionid", loser, survivor)
	}
}

func TestMergeByUnionID(t *testing.T) {
	for _, tc := range []struct {
		name  string
		order func(oa, wc int64) []int64
	}{
		{"follower first", func(oa, wc int64) []int64 { return []int64{oa, wc} }},
		{"contact first", func(oa, wc int64) []int64 { return []int64{wc, oa} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := servicetest.New(t)
			ctx := context.Background()
			oa, wc := twoSides(e)
			order := tc.order(oa, wc)
			first, err := e.Members.MergeByUnionID(ctx, order[0], "u_alice")
			if err != nil || first.MergedID != 0 || first.SurvivorID != order[0] {
				t.Fatalf("first = %+v, %v; want the unionid recorded, no merge", first, err)
			}
			second, err := e.Members.MergeByUnionID(ctx, order[1], "u_alice")
			if err != nil || second.SurvivorID != min(oa, wc) || second.MergedID != max(oa, wc) {
				t.Fatalf("second = %+v, %v; want %d merged into %d", second, err, max(oa, wc), min(oa, wc))
			}
			for _, id := range []int64{oa, wc} { // idempotent from either side
				again, err := e.Members.MergeByUnionID(ctx, id, "u_alice")
				if err != nil || again.MergedID != 0 || again.SurvivorID != min(oa, wc) {
					t.Errorf("again from %d = %+v, %v; want nothing to do", id, again, err)
				}
			}
			checkMerged(e, oa, wc)
		})
	}
}

// TestConcurrentMerge: both sides learn the unionid at once, several times.
func TestConcurrentMerge(t *testing.T) {
	e := servicetest.New(t)
	oa, wc := twoSides(e)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := oa
			if i%2 == 1 {
				id = wc
			}
			if _, err := e.Members.MergeByUnionID(context.Background(), id, "u_alice"); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	checkMerged(e, oa, wc)
}

func TestMergeConflict(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	oa, _ := twoSides(e)
	if _, err := e.Members.MergeByUnionID(ctx, oa, "u_other"); err != nil {
		t.Fatal(err)
	}
	res, err := e.Members.MergeByUnionID(ctx, oa, "u_alice")
	if err != nil || !res.Conflict || res.MergedID != 0 {
		t.Errorf("merge with a second unionid = %+v, %v; want a conflict and nothing done", res, err)
	}
	if _, err := e.Members.MergeByUnionID(ctx, 999999, "u_x"); !errors.Is(err, model.ErrMemberNotFound) {
		t.Errorf("unknown member = %v, want ErrMemberNotFound", err)
	}
	if _, err := e.Members.MergeByUnionID(ctx, oa, " "); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("empty unionid = %v, want EINVALID", err)
	}
}

// TestMergeFoldsLoyaltyCounters: per-member counters add up across a merge,
// so a redemption limit or an earning cap cannot be reset by merging, and
// orders follow their member (coupons: TestMergeCouponsFollowTheirMember).
func TestMergeFoldsLoyaltyCounters(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	oa, wc := twoSides(e)
	for _, c := range []model.RewardClaim{{MemberID: oa, RewardID: 1, Count: 2}, {MemberID: wc, RewardID: 1, Count: 1}, {MemberID: wc, RewardID: 2, Count: 1}} {
		if err := e.DB.Create(&c).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, row := range []any{&model.PointsCap{MemberID: oa, Channel: "order", Period: "2026-11", Used: 100},
		&model.PointsCap{MemberID: wc, Channel: "order", Period: "2026-11", Used: 50},
		&model.Order{OrderNo: "o-merge-1", MemberID: wc, AmountFen: 100, PaidAt: e.Now}} {
		if err := e.DB.Create(row).Error; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Members.MergeByUnionID(ctx, oa, "u_alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Members.MergeByUnionID(ctx, wc, "u_alice"); err != nil {
		t.Fatal(err)
	}
	survivor := min(oa, wc)
	var claims []model.RewardClaim
	if err := e.DB.Order("reward_id").Find(&claims).Error; err != nil {
		t.Fatal(err)
	}
	if len(claims) != 2 || claims[0].MemberID != survivor || claims[0].Count != 3 || claims[1].MemberID != survivor || claims[1].Count != 1 {
		t.Errorf("reward claims after merge = %+v, want reward 1: 3 and reward 2: 1 on member %d", claims, survivor)
	}
	var caps []model.PointsCap
	if err := e.DB.Find(&caps).Error; err != nil {
		t.Fatal(err)
	}
	if len(caps) != 1 || caps[0].Used != 150 || caps[0].MemberID != survivor {
		t.Errorf("caps after merge = %+v, want one row with 150 used", caps)
	}
	var o model.Order
	if err := e.DB.Where("order_no = ?", "o-merge-1").Take(&o).Error; err != nil {
		t.Fatal(err)
	}
	if o.MemberID != survivor {
		t.Errorf("order member = %d, want %d", o.MemberID, survivor)
	}
}
