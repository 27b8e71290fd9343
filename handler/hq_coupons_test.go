package handler_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/siyu/siyu/model"
)

func TestCouponsAPI(t *testing.T) {
	e := newTestEnv(t)
	a, b := e.follower("o_cp_a"), e.follower("o_cp_b")
	tpl := e.template(map[string]any{"name": "满减券", "kind": "cash", "value_fen": 1000, "threshold_fen": 5000, "valid_days": 30})
	checkCouponTemplates(t, e, tpl.ID)

	push := map[string]any{"template_id": tpl.ID, "member_ids": []int64{a, b, 9999}, "request_id": "push-1"}
	var res struct {
		Results []struct {
			MemberID int64 `json:"member_id"`
			Coupon   *model.Coupon
			Error    *struct{ Code string }
		}
		Issued int
	}
	for range 2 {
		if st := e.hq("POST", "/api/hq/coupons/issue", push, &res); st != 200 || res.Issued != 2 || res.Results[2].Error.Code != "not_found" {
			t.Fatalf("issue = %d %+v", st, res)
		}
	}
	if n := e.count(&model.Coupon{}); n != 2 {
		t.Errorf("coupons = %d, want 2 after the same push twice", n)
	}
	if st := e.hq("POST", "/api/hq/coupons/issue", map[string]any{"template_id": 999, "member_ids": []int64{a}, "request_id": "p"}, nil); st != http.StatusNotFound {
		t.Errorf("push of an unknown template = %d, want 404", st)
	}
	code := res.Results[0].Coupon.Code

	redeemFromManyTills(t, e, code)
	code2 := res.Results[1].Coupon.Code
	redeem := map[string]any{"code": code2, "store_code": "sh001", "request_id": "pos-9"}
	var rr struct {
		Coupon    model.Coupon
		Duplicate bool
	}
	if st := e.hq("POST", "/api/hq/coupons/redeem", redeem, &rr); st != 200 || rr.Duplicate || rr.Coupon.Status != model.CouponRedeemed {
		t.Errorf("redeem = %d %+v", st, rr)
	}
	if st := e.hq("POST", "/api/hq/coupons/redeem", redeem, &rr); st != 200 || !rr.Duplicate {
		t.Errorf("till retry = %d %+v, want 200 duplicate", st, rr)
	}
	for _, tc := range []struct {
		body map[string]any
		want int
	}{
		{map[string]any{"code": "AAAAAAAAAAAAAAAA", "store_code": "sh001"}, http.StatusNotFound},
		{map[string]any{"code": code2}, http.StatusBadRequest},
		{map[string]any{"store_code": "sh001"}, http.StatusBadRequest},
	} {
		if st := e.hq("POST", "/api/hq/coupons/redeem", tc.body, nil); st != tc.want {
			t.Errorf("redeem %v = %d, want %d", tc.body, st, tc.want)
		}
	}
	var c model.Coupon
	if st := e.hq("GET", "/api/hq/coupons/"+code2, nil, &c); st != 200 || c.RedeemedStore != "sh001" {
		t.Errorf("get coupon = %d %+v", st, c)
	}
	if st := e.hq("GET", "/api/hq/coupons/NOPE", nil, nil); st != http.StatusNotFound {
		t.Errorf("unknown coupon = %d, want 404", st)
	}
	var mc struct{ Coupons []model.Coupon }
	if st := e.hq("GET", fmt.Sprintf("/api/hq/members/%d/coupons", a), nil, &mc); st != 200 || len(mc.Coupons) != 1 {
		t.Errorf("member coupons = %d %d", st, len(mc.Coupons))
	}
	if st := e.hq("GET", fmt.Sprintf("/api/hq/members/%d/coupons?valid=1", a), nil, &mc); st != 200 || len(mc.Coupons) != 0 {
		t.Errorf("valid member coupons = %d %d, want 0 (redeemed)", st, len(mc.Coupons))
	}
}

// redeemFromManyTills: 核销 of code from 20 tills at once; exactly one succeeds.
func redeemFromManyTills(t *testing.T, e *testEnv, code string) {
	t.Helper()
	// 核销 from 20 tills at once: exactly one succeeds.
	statuses := make([]int, 20)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = e.hq("POST", "/api/hq/coupons/redeem", map[string]any{"code": code, "store_code": fmt.Sprintf("s%02d", i)}, nil)
		}()
	}
	wg.Wait()
	n := map[int]int{}
	for _, s := range statuses {
		n[s]++
	}
	if n[200] != 1 || n[409] != 19 {
		t.Errorf("核销 statuses = %v, want one 200 and 19×409", n)
	}
}

// checkCouponTemplates lists, updates and reads the template tplID, and
// refuses a template without a value and an unknown id.
func checkCouponTemplates(t *testing.T, e *testEnv, tplID int64) {
	t.Helper()
	if st := e.hq("POST", "/api/hq/coupon-templates", map[string]any{"name": "坏券", "kind": "cash", "valid_days": 30}, nil); st != http.StatusBadRequest {
		t.Errorf("template without value = %d, want 400", st)
	}
	var tl struct{ Templates []model.CouponTemplate }
	if st := e.hq("GET", "/api/hq/coupon-templates", nil, &tl); st != 200 || len(tl.Templates) != 1 {
		t.Errorf("templates = %d %d", st, len(tl.Templates))
	}
	tplPath := fmt.Sprintf("/api/hq/coupon-templates/%d", tplID)
	var got model.CouponTemplate
	if st := e.hq("PUT", tplPath, map[string]any{"name": "满减券", "kind": "cash", "value_fen": 1500, "threshold_fen": 5000, "valid_days": 30}, &got); st != 200 || got.ValueFen != 1500 {
		t.Errorf("update template = %d %+v", st, got)
	}
	if st := e.hq("GET", tplPath, nil, &got); st != 200 || got.Title() != "满减券（满50元减15元）" {
		t.Errorf("get template = %d %q", st, got.Title())
	}
	if st := e.hq("GET", "/api/hq/coupon-templates/999", nil, nil); st != http.StatusNotFound {
		t.Errorf("unknown template = %d, want 404", st)
	}
}
