package handler_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/siyu/siyu/model"
)

// template creates a coupon template through the API.
func (e *testEnv) template(body map[string]any) model.CouponTemplate {
	e.t.Helper()
	var t model.CouponTemplate
	if st := e.hq("POST", "/api/hq/coupon-templates", body, &t); st != http.StatusCreated {
		e.t.Fatalf("create template = %d", st)
	}
	return t
}

func (e *testEnv) reward(body map[string]any) model.Reward {
	e.t.Helper()
	var r model.Reward
	if st := e.hq("POST", "/api/hq/rewards", body, &r); st != http.StatusCreated {
		e.t.Fatalf("create reward %v = %d", body, st)
	}
	return r
}

// credit gives a member points through the adjustment API.
func (e *testEnv) credit(member, points int64) {
	e.t.Helper()
	body := map[string]any{"delta": points, "reason": "测试", "request_id": fmt.Sprintf("credit-%d-%d", member, e.count(&model.PointsEntry{}))}
	if st := e.hq("POST", fmt.Sprintf("/api/hq/members/%d/points", member), body, nil); st != http.StatusCreated {
		e.t.Fatalf("credit = %d", st)
	}
}

func TestRewardsAPI(t *testing.T) {
	e := newTestEnv(t)
	tpl := e.template(map[string]any{"name": "20元券", "kind": "cash", "value_fen": 2000, "threshold_fen": 10000, "valid_days": 30})
	coupon := e.reward(map[string]any{"name": "20元代金券", "points_cost": 200, "kind": "coupon", "coupon_template_id": tpl.ID, "stock": 10})
	if !coupon.Active || coupon.Stock != 10 {
		t.Errorf("reward = %+v, want active with stock 10", coupon)
	}
	for _, tc := range []struct {
		name string
		body map[string]any
	}{
		{"no cost", map[string]any{"name": "x", "kind": "virtual", "stock": 1}},
		{"unknown kind", map[string]any{"name": "x", "kind": "cash", "points_cost": 1}},
		{"coupon without template", map[string]any{"name": "x", "kind": "coupon", "points_cost": 1}},
		{"unknown template", map[string]any{"name": "x", "kind": "coupon", "points_cost": 1, "coupon_template_id": 999}},
		{"unknown level", map[string]any{"name": "x", "kind": "virtual", "points_cost": 1, "min_level": "黑卡"}},
		{"physical without store", map[string]any{"name": "x", "kind": "physical", "points_cost": 1}},
		{"negative stock", map[string]any{"name": "x", "kind": "virtual", "points_cost": 1, "stock": -1}},
		{"unknown field", map[string]any{"name": "x", "kind": "virtual", "points_cost": 1, "price": 1}},
	} {
		if st := e.hq("POST", "/api/hq/rewards", tc.body, nil); st != http.StatusBadRequest {
			t.Errorf("%s = %d, want 400", tc.name, st)
		}
	}
	path := fmt.Sprintf("/api/hq/rewards/%d", coupon.ID)
	upd := map[string]any{"name": "20元代金券（新）", "points_cost": 180, "kind": "coupon", "coupon_template_id": tpl.ID}
	var got model.Reward
	if st := e.hq("PUT", path, upd, &got); st != 200 || got.PointsCost != 180 || got.Stock != 10 {
		t.Errorf("update = %d %+v, want cost 180 and stock kept at 10", st, got)
	}
	upd["stock"] = 99
	if st := e.hq("PUT", path, upd, nil); st != http.StatusBadRequest {
		t.Errorf("update with stock = %d, want 400", st)
	}
	if st := e.hq("PUT", "/api/hq/rewards/999", map[string]any{"name": "x", "kind": "virtual", "points_cost": 1}, nil); st != http.StatusNotFound {
		t.Errorf("update unknown = %d, want 404", st)
	}
	if st := e.hq("POST", path+"/stock", map[string]any{"delta": 5}, &got); st != 200 || got.Stock != 15 {
		t.Errorf("restock = %d %+v, want 15", st, got)
	}
	if st := e.hq("POST", path+"/stock", map[string]any{"delta": -16}, nil); st != http.StatusConflict {
		t.Errorf("take more than the stock = %d, want 409", st)
	}
	var list struct{ Rewards []model.Reward }
	if st := e.hq("GET", "/api/hq/rewards?active=1", nil, &list); st != 200 || len(list.Rewards) != 1 {
		t.Errorf("list = %d %d", st, len(list.Rewards))
	}
	if st := e.hq("GET", path, nil, &got); st != 200 || got.ID != coupon.ID {
		t.Errorf("get = %d", st)
	}
	if st := e.hq("GET", "/api/hq/rewards/999", nil, nil); st != http.StatusNotFound {
		t.Errorf("get unknown = %d, want 404", st)
	}
}

type redemptionOut struct {
	Redemption model.Redemption
	Coupon     *model.Coupon
	Duplicate  bool
}

func TestRedemptionsAPI(t *testing.T) {
	e := newTestEnv(t)
	m := e.follower("o_red")
	e.credit(m, 500)
	tpl := e.template(map[string]any{"name": "咖啡券", "kind": "gift", "gift": "美式咖啡", "valid_days": 7})
	coupon := e.reward(map[string]any{"name": "咖啡", "points_cost": 100, "kind": "coupon", "coupon_template_id": tpl.ID, "stock": 5})
	gold := e.reward(map[string]any{"name": "金卡礼", "points_cost": 10, "kind": "virtual", "stock": 5, "min_level": "金卡"})
	bag := e.reward(map[string]any{"name": "帆布袋", "points_cost": 300, "kind": "physical", "stock": 1, "pickup_stores": []string{"sh001"}})
	path := fmt.Sprintf("/api/hq/members/%d/redemptions", m)
	var out redemptionOut
	if st := e.hq("POST", path, map[string]any{"reward_id": coupon.ID, "request_id": "r1"}, &out); st != 201 || out.Coupon == nil || out.Redemption.BalanceAfter != 400 {
		t.Fatalf("redeem = %d %+v", st, out)
	}
	code := out.Coupon.Code
	if st := e.hq("POST", path, map[string]any{"reward_id": coupon.ID, "request_id": "r1"}, &out); st != 200 || !out.Duplicate || out.Coupon.Code != code {
		t.Errorf("same request again = %d %+v, want 200 with the same coupon", st, out)
	}
	for _, tc := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"level too low", map[string]any{"reward_id": gold.ID, "request_id": "r2"}, http.StatusForbidden},
		{"no request id", map[string]any{"reward_id": coupon.ID}, http.StatusBadRequest},
		{"unknown reward", map[string]any{"reward_id": 999, "request_id": "r3"}, http.StatusNotFound},
		{"wrong store", map[string]any{"reward_id": bag.ID, "request_id": "r4", "pickup_store": "bj001"}, http.StatusBadRequest},
	} {
		if st := e.hq("POST", path, tc.body, nil); st != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, st, tc.want)
		}
	}
	if st := e.hq("POST", "/api/hq/members/9999/redemptions", map[string]any{"reward_id": coupon.ID, "request_id": "r5"}, nil); st != http.StatusNotFound {
		t.Errorf("unknown member = %d, want 404", st)
	}
	if st := e.hq("POST", path, map[string]any{"reward_id": bag.ID, "request_id": "r6"}, &out); st != 201 || out.Redemption.PickupCode == nil {
		t.Fatalf("physical = %d %+v", st, out)
	}
	if st := e.hq("POST", path, map[string]any{"reward_id": bag.ID, "request_id": "r7"}, nil); st != http.StatusConflict {
		t.Errorf("out of stock (and of points) = %d, want 409", st)
	}
	pick := map[string]any{"pickup_code": *out.Redemption.PickupCode, "store_code": "sh001"}
	if st := e.hq("POST", "/api/hq/redemptions/pickup", pick, nil); st != 200 {
		t.Errorf("pickup = %d", st)
	}
	if st := e.hq("POST", "/api/hq/redemptions/pickup", pick, nil); st != http.StatusConflict {
		t.Errorf("second pickup = %d, want 409", st)
	}
	var list struct{ Redemptions []model.Redemption }
	if st := e.hq("GET", path, nil, &list); st != 200 || len(list.Redemptions) != 2 {
		t.Errorf("list = %d %d, want 2", st, len(list.Redemptions))
	}
	if got := e.member(m).Points; got != 100 {
		t.Errorf("points = %d, want 500-100-300", got)
	}
}

// TestRedemptionsAPIUnderContention: 50 members redeem 5 in stock at once
// over HTTP: five 201s, the rest 409.
func TestRedemptionsAPIUnderContention(t *testing.T) {
	e := newTestEnv(t)
	r := e.reward(map[string]any{"name": "限量", "points_cost": 10, "kind": "virtual", "stock": 5})
	members := make([]int64, 50)
	for i := range members {
		members[i] = e.follower(fmt.Sprintf("o_c%02d", i))
		e.credit(members[i], 10)
	}
	codes := make([]int, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.hq("POST", fmt.Sprintf("/api/hq/members/%d/redemptions", m), map[string]any{"reward_id": r.ID, "request_id": "x"}, nil)
		}()
	}
	wg.Wait()
	n := map[int]int{}
	for _, c := range codes {
		n[c]++
	}
	if n[201] != 5 || n[409] != 45 {
		t.Errorf("statuses = %v, want 5×201 and 45×409", n)
	}
	var got model.Reward
	e.hq("GET", fmt.Sprintf("/api/hq/rewards/%d", r.ID), nil, &got)
	if got.Stock != 0 {
		t.Errorf("stock = %d, want 0", got.Stock)
	}
}

// TestRedemptionsList: HQ's list shows every member's redemptions, newest
// first, with the total, and one reward's when asked.
func TestRedemptionsList(t *testing.T) {
	e := newTestEnv(t)
	a, b := e.follower("o_list_a"), e.follower("o_list_b")
	e.credit(a, 100)
	e.credit(b, 100)
	pen := e.reward(map[string]any{"name": "笔", "points_cost": 10, "kind": "virtual", "stock": 5})
	cup := e.reward(map[string]any{"name": "杯", "points_cost": 20, "kind": "virtual", "stock": 5})
	for i, r := range []struct{ member, reward int64 }{{a, pen.ID}, {b, cup.ID}, {b, pen.ID}} {
		if st := e.hq("POST", fmt.Sprintf("/api/hq/members/%d/redemptions", r.member), map[string]any{"reward_id": r.reward, "request_id": fmt.Sprint("l", i)}, nil); st != 201 {
			t.Fatalf("redeem %d = %d", i, st)
		}
	}
	var out struct {
		Redemptions []model.Redemption
		Total       int64
	}
	if st := e.hq("GET", "/api/hq/redemptions?limit=2", nil, &out); st != 200 || out.Total != 3 || len(out.Redemptions) != 2 ||
		out.Redemptions[0].MemberID != b || out.Redemptions[0].RewardName != "笔" {
		t.Errorf("list = %d %+v, want 3 in all, the newest (b's 笔) first", st, out)
	}
	if st := e.hq("GET", fmt.Sprintf("/api/hq/redemptions?reward_id=%d", cup.ID), nil, &out); st != 200 || out.Total != 1 || out.Redemptions[0].RewardName != "杯" {
		t.Errorf("one reward's = %d %+v", st, out)
	}
}
