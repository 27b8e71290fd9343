package handler_test

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks/taskstest"
)

// TestSidebarOAuthState: a code without this browser's state, or with
// another state, does not sign in.
func TestSidebarOAuthState(t *testing.T) {
	e := newSidebarEnv(t)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	if st := call(t, c, "GET", e.srv.URL+"/api/sidebar/login?code=code_g_sh_1~1", "", nil); st != 403 {
		t.Errorf("login without a state = %d, want 403", st)
	}
	oauthState(t, c, e.srv.URL)
	if st := call(t, c, "GET", e.srv.URL+"/api/sidebar/login?code=code_g_sh_1~2&state=forged", "", nil); st != 403 {
		t.Errorf("login with another state = %d, want 403", st)
	}
	state := oauthState(t, c, e.srv.URL)
	if st := call(t, c, "GET", e.srv.URL+"/api/sidebar/login?code=code_g_sh_1~3&state="+state, "", nil); st != 200 {
		t.Errorf("login with the browser's state = %d, want 200", st)
	}
	if st := call(t, &http.Client{}, "GET", e.srv.URL+"/api/sidebar/login?code=code_g_sh_1~4&state="+state, "", nil); st != 403 {
		t.Errorf("the state replayed from another browser = %d, want 403", st)
	}
}

// TestSidebarScopes: a guide without a store sees only scripts open to
// every store and cannot count sends of another store's script; feedback
// only on the guide's own tasks; a coupon request id stays with its first
// customer and template.
func TestSidebarScopes(t *testing.T) {
	e := newSidebarEnv(t)
	e.db.Create(&model.Guide{UserID: "g_free", Name: "无店导购", Role: model.RoleGuide})
	var g model.ScriptGroup
	e.hq("POST", "/api/hq/script-groups", map[string]any{"name": "开场白"}, &g)
	var open, bj model.Script
	e.hq("POST", "/api/hq/scripts", map[string]any{"group_id": g.ID, "title": "问候", "content": "您好"}, &open)
	e.hq("POST", "/api/hq/scripts", map[string]any{"group_id": g.ID, "title": "北京专属", "content": "北京活动", "store_codes": []string{"bj001"}}, &bj)
	free := e.guideClient("g_free")
	var list struct {
		Groups []struct{ Scripts []model.Script }
	}
	call(t, free, "GET", e.srv.URL+"/api/sidebar/scripts", "", &list)
	var titles []string
	for _, gr := range list.Groups {
		for _, s := range gr.Scripts {
			titles = append(titles, s.Title)
		}
	}
	if strings.Join(titles, ",") != "问候" {
		t.Errorf("scripts of a guide without a store = %v, want only 问候", titles)
	}
	sh := e.guideClient("g_sh_1")
	if st := call(t, sh, "POST", fmt.Sprintf("%s/api/sidebar/scripts/%d/sent", e.srv.URL, bj.ID), "", nil); st != 404 {
		t.Errorf("sent of another store's script = %d, want 404", st)
	}
	if st := call(t, sh, "POST", fmt.Sprintf("%s/api/sidebar/scripts/%d/sent", e.srv.URL, open.ID), "", nil); st != 204 {
		t.Errorf("sent of an open script = %d, want 204", st)
	}

	// Feedback only on a task the guide was given.
	task := e.storeTask("bj001")
	if st := call(t, sh, "POST", e.srv.URL+"/api/sidebar/feedback", fmt.Sprintf(`{"task_id":%d,"text":"完成"}`, task), nil); st != 404 {
		t.Errorf("feedback on another store's task = %d, want 404", st)
	}
	e.db.Create(&model.GuideTask{TaskID: task, GuideUserID: "g_sh_1", StoreCode: "sh001"})
	if st := call(t, sh, "POST", e.srv.URL+"/api/sidebar/feedback", fmt.Sprintf(`{"task_id":%d,"text":"完成"}`, task), nil); st != 201 {
		t.Errorf("feedback on the guide's own task = %d, want 201", st)
	}

	// A coupon request id is bound to its first customer and template.
	var tpl model.CouponTemplate
	e.hq("POST", "/api/hq/coupon-templates", map[string]any{"name": "到店礼", "kind": "gift", "gift": "咖啡一杯", "valid_days": 7, "guide_daily_quota": 5}, &tpl)
	e.addCustomer("wm_carol", "Carol", "g_sh_1", "sh001", 0)
	body := fmt.Sprintf(`{"template_id":%d,"request_id":"same-1"}`, tpl.ID)
	var first model.Coupon
	if st := call(t, sh, "POST", e.srv.URL+"/api/sidebar/contacts/wm_alice/coupons", body, &first); st != 201 {
		t.Fatalf("issue = %d", st)
	}
	var out struct{ Code string }
	if st := call(t, sh, "POST", e.srv.URL+"/api/sidebar/contacts/wm_carol/coupons", body, &out); st != 409 || out.Code == first.Code {
		t.Errorf("the request id for another customer = %d %q, want 409 without Alice's coupon", st, out.Code)
	}
}

// TestClientRequestIDNeverNamesATask: two tag edits sent with the same
// X-Request-Id queue two mirrors; a client cannot suppress the second.
func TestClientRequestIDNeverNamesATask(t *testing.T) {
	e := newTestEnv(t)
	m := e.addCustomer("wm_tags", "Tag", "g1", "sh001", 0)
	for _, tag := range []string{"高意向", "已到店"} {
		req, _ := http.NewRequest("POST", fmt.Sprintf("%s/api/hq/members/%d/tags", e.srv.URL, m), strings.NewReader(`{"add":["`+tag+`"]}`))
		req.Header.Set("Authorization", "Bearer "+testHQ)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Request-Id", "fixed-id")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("edit tags = %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
	}
	if c := taskstest.QueueCounts(t, e.rdb, e.prefix); c.Pending != 2 {
		t.Errorf("queued mirrors = %+v, want 2", c)
	}
}
