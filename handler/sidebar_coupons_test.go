package handler_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/siyu/siyu/model"
)

func TestSidebarIssueCoupons(t *testing.T) {
	e := newSidebarEnv(t)
	var open, hqOnly model.CouponTemplate
	if st := e.hq("POST", "/api/hq/coupon-templates", map[string]any{"name": "到店礼", "kind": "gift", "gift": "咖啡一杯",
		"valid_days": 7, "guide_daily_quota": 3}, &open); st != 201 {
		t.Fatalf("create template = %d", st)
	}
	e.hq("POST", "/api/hq/coupon-templates", map[string]any{"name": "总部券", "kind": "cash", "value_fen": 1000, "valid_days": 7}, &hqOnly)
	c := e.guideClient("g_sh_1")
	base := e.srv.URL + "/api/sidebar/contacts/wm_alice/coupons"

	var list struct {
		Templates []struct {
			ID        int64
			LeftToday int64 `json:"left_today"`
		}
	}
	call(t, c, "GET", e.srv.URL+"/api/sidebar/coupon-templates", "", &list)
	if len(list.Templates) != 1 || list.Templates[0].ID != open.ID || list.Templates[0].LeftToday != 3 {
		t.Fatalf("templates for guides = %+v, want only 到店礼 with 3 left", list.Templates)
	}
	var cp model.Coupon
	if st := call(t, c, "POST", base, fmt.Sprintf(`{"template_id":%d,"request_id":"r1"}`, open.ID), &cp); st != 201 || cp.Code == "" {
		t.Fatalf("issue = %d %+v", st, cp)
	}
	var again model.Coupon
	if st := call(t, c, "POST", base, fmt.Sprintf(`{"template_id":%d,"request_id":"r1"}`, open.ID), &again); st != 200 || again.Code != cp.Code {
		t.Errorf("retried request = %d %q, want 200 with the same coupon %q", st, again.Code, cp.Code)
	}
	for body, want := range map[string]int{
		fmt.Sprintf(`{"template_id":%d,"request_id":"r9"}`, hqOnly.ID): http.StatusForbidden,
		`{"template_id":999999,"request_id":"r9"}`:                     http.StatusNotFound,
		`{"request_id":"r9"}`:                                          http.StatusBadRequest,
		fmt.Sprintf(`{"template_id":%d}`, open.ID):                     http.StatusBadRequest,
	} {
		if st := call(t, c, "POST", base, body, nil); st != want {
			t.Errorf("issue %s = %d, want %d", body, st, want)
		}
	}
	other := e.guideClient("g_sh_2")
	if st := call(t, other, "POST", base, fmt.Sprintf(`{"template_id":%d,"request_id":"x1"}`, open.ID), nil); st != http.StatusForbidden {
		t.Errorf("a colleague issuing to Alice = %d, want 403", st)
	}

	// The quota holds under concurrency: 2 left, 10 taps at once → 2 coupons.
	var wg sync.WaitGroup
	statuses := make(chan int, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- call(t, c, "POST", base, fmt.Sprintf(`{"template_id":%d,"request_id":"c%d"}`, open.ID, i), nil)
		}()
	}
	wg.Wait()
	close(statuses)
	got := map[int]int{}
	for st := range statuses {
		got[st]++
	}
	if got[201] != 2 || got[409] != 8 {
		t.Errorf("10 concurrent issues with 2 left = %v, want 2×201 and 8×409", got)
	}
	if n := e.count(&model.Coupon{}, "template_id = ?", open.ID); n != 3 {
		t.Errorf("coupons issued = %d, want 3 (the daily quota)", n)
	}
	var p struct{ Coupons []model.Coupon }
	call(t, c, "GET", e.srv.URL+"/api/sidebar/contacts/wm_alice", "", &p)
	if len(p.Coupons) != 3 {
		t.Errorf("profile coupons = %d, want 3", len(p.Coupons))
	}
}

// TestSidebarTagsReachWeCom: a tag a guide adds in the sidebar is mirrored
// to the customer in WeCom through the queue.
func TestSidebarTagsReachWeCom(t *testing.T) {
	e := newSidebarEnv(t)
	e.startWorker()
	c := e.guideClient("g_sh_1")
	if st := call(t, c, "POST", e.srv.URL+"/api/sidebar/contacts/wm_alice/tags", `{"add":["高意向"]}`, nil); st != 200 {
		t.Fatalf("add tag = %d", st)
	}
	e.idle()
	calls := e.up.Calls("/cgi-bin/externalcontact/mark_tag")
	if len(calls) != 1 {
		t.Fatalf("mark_tag calls = %d, want 1", len(calls))
	}
	if body := string(calls[0].Body); !containsAll(body, `"userid":"g_sh_1"`, `"external_userid":"wm_alice"`) {
		t.Errorf("mark_tag body = %s", body)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !contains(s, sub) {
			return false
		}
	}
	return true
}
