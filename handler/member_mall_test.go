package handler_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/siyu/siyu/model"
)

// TestMemberRedeemLastOne: two sessions redeem a reward with stock 1 at
// once; one gets the coupon, the other "sold out", and nothing is lost.
func TestMemberRedeemLastOne(t *testing.T) {
	e := newMemberEnv(t)
	tpl := e.template(map[string]any{"name": "咖啡券", "kind": "gift", "gift": "美式咖啡", "valid_days": 7, "description": "限门店使用"})
	last := e.reward(map[string]any{"name": "咖啡", "points_cost": 100, "kind": "coupon", "coupon_template_id": tpl.ID, "stock": 1})
	var cs []*memberClient
	for _, o := range []string{"o_r1", "o_r2"} {
		e.credit(e.follower(o), 150)
		cs = append(cs, e.signIn(t, o))
	}
	var wg sync.WaitGroup
	status := make([]int, len(cs))
	bodies := make([]map[string]any, len(cs))
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status[i] = c.do("POST", fmt.Sprintf("/api/m/rewards/%d/redeem", last.ID), map[string]any{"request_id": "tap-1"}, &bodies[i])
		}()
	}
	wg.Wait()
	ok, sold := 0, 0
	for i, st := range status {
		switch st {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
			sold++
			if msg := fmt.Sprint(bodies[i]["error"]); !strings.Contains(msg, "已兑完") {
				t.Errorf("the loser reads %s, want 已兑完", msg)
			}
		}
	}
	if ok != 1 || sold != 1 {
		t.Fatalf("statuses %v, want one 200 and one 409", status)
	}
	if n := e.count(&model.Coupon{}); n != 1 {
		t.Errorf("coupons = %d, want 1", n)
	}
	if n := e.count(&model.Reward{}, "id = ? AND stock = 0", last.ID); n != 1 {
		t.Errorf("stock not 0")
	}
	if n := e.count(&model.PointsEntry{}, "kind = ?", model.PointsRedeem); n != 1 {
		t.Errorf("redeem debits = %d, want 1", n)
	}
}

// TestMemberCouponsOwnOnly: a member sees their coupon with its code, and
// another member's coupon id answers 404.
func TestMemberCouponsOwnOnly(t *testing.T) {
	e := newMemberEnv(t)
	tpl := e.template(map[string]any{"name": "20元券", "kind": "cash", "value_fen": 2000, "threshold_fen": 10000, "valid_days": 30, "description": "满100元可用"})
	owner := e.follower("o_own")
	e.follower("o_other")
	e.hq("POST", "/api/hq/coupons/issue", map[string]any{"template_id": tpl.ID, "member_ids": []int64{owner}, "request_id": "issue-1"}, nil)
	var cp model.Coupon
	if err := e.db.Where("member_id = ?", owner).Take(&cp).Error; err != nil {
		t.Fatal(err)
	}
	mine, theirs := e.signIn(t, "o_own"), e.signIn(t, "o_other")
	var got struct {
		Code, State, Terms string
	}
	if st := mine.do("GET", fmt.Sprintf("/api/m/coupons/%d", cp.ID), nil, &got); st != http.StatusOK || got.Code != cp.Code || got.State != "valid" || got.Terms != "满100元可用" {
		t.Errorf("own coupon = %d %+v", st, got)
	}
	var miss map[string]any
	if st := theirs.do("GET", fmt.Sprintf("/api/m/coupons/%d", cp.ID), nil, &miss); st != http.StatusNotFound || strings.Contains(fmt.Sprint(miss), cp.Code) {
		t.Errorf("another member's coupon = %d %v, want 404 without the code", st, miss)
	}
	// HQ's 核销 takes the code the QR carries; the list then files it as used.
	if st := e.hq("POST", "/api/hq/coupons/redeem", map[string]any{"code": cp.Code, "store_code": "sh001"}, nil); st != http.StatusOK {
		t.Fatalf("HQ redeem = %d", st)
	}
	var used struct{ Coupons []map[string]any }
	if mine.do("GET", "/api/m/coupons?status=used", nil, &used); len(used.Coupons) != 1 {
		t.Errorf("used coupons = %v", used.Coupons)
	}
	if theirs.do("GET", "/api/m/coupons?status=used", nil, &used); len(used.Coupons) != 0 {
		t.Errorf("the other member lists %v", used.Coupons)
	}
}

// TestSidebarScanRedeem: the guide's scan redeems a member's coupon code
// for the guide's store, once; an unknown code is 404.
func TestSidebarScanRedeem(t *testing.T) {
	e := newSidebarEnv(t)
	tpl := e.template(map[string]any{"name": "到店礼", "kind": "gift", "gift": "咖啡一杯", "valid_days": 7})
	owner := e.follower("o_scan")
	e.hq("POST", "/api/hq/coupons/issue", map[string]any{"template_id": tpl.ID, "member_ids": []int64{owner}, "request_id": "scan-1"}, nil)
	var cp model.Coupon
	e.db.Where("member_id = ?", owner).Take(&cp)
	guide := e.guideClient("g_sh_1")
	redeem := func(code string) (int, string) {
		var out map[string]any
		st := call(t, guide, "POST", e.srv.URL+"/api/sidebar/coupons/redeem", fmt.Sprintf(`{"code":%q}`, code), &out)
		return st, fmt.Sprint(out)
	}
	if st, body := redeem(strings.ToLower(cp.Code)); st != http.StatusOK {
		t.Fatalf("scan = %d %s", st, body)
	}
	if st, body := redeem(cp.Code); st != http.StatusConflict || !strings.Contains(body, "核销过") {
		t.Errorf("second scan = %d %s, want 409 核销过", st, body)
	}
	if st, _ := redeem("NOSUCHCODE"); st != http.StatusNotFound {
		t.Errorf("unknown code = %d, want 404", st)
	}
	if n := e.count(&model.Coupon{}, "id = ? AND status = ? AND redeemed_store = ?", cp.ID, model.CouponRedeemed, "sh001"); n != 1 {
		t.Errorf("coupon redeemed at sh001: %d", n)
	}
}
