package handler_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/guides"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/wx"
)

const (
	pathAddWay = "/cgi-bin/externalcontact/add_contact_way"
	pathDelWay = "/cgi-bin/externalcontact/del_contact_way"
	pathQR     = "/cgi-bin/qrcode/create"
)

// withChannelsSetup records a scene and two guides.
func withChannelsSetup(e *testEnv) {
	e.t.Helper()
	e.hq("POST", "/api/hq/scenes", map[string]any{"scene": "store_sh001", "tags": []string{"门店:上海一店"}}, nil)
	e.hq("POST", "/api/hq/guides/import", []map[string]any{{"userid": "g01"}, {"userid": "g02"}}, nil)
}

func TestHQContactWays(t *testing.T) {
	e := newTestEnv(t)
	withChannelsSetup(e)
	var cw model.ContactWay
	if code := e.hq("POST", "/api/hq/contact-ways", map[string]any{"scene": "store_sh001", "guides": []string{"g01"}}, &cw); code != 201 {
		t.Fatalf("create = %d %+v", code, cw)
	}
	if cw.ConfigID == "" || !strings.HasPrefix(cw.QRCodeURL, "https://") || !cw.SkipVerify || cw.Scene != "store_sh001" {
		t.Errorf("contact way = %+v, want config id, QR URL, skip_verify default", cw)
	}
	calls := e.up.Calls(pathAddWay)
	var sent struct {
		Type, Scene int
		State       string
		User        []string
	}
	if len(calls) > 0 {
		mustUnmarshal(t, calls[0].Body, &sent)
	}
	if len(calls) != 1 || sent.State != "store_sh001" || sent.Type != 1 || sent.Scene != 2 || fmt.Sprint(sent.User) != "[g01]" {
		t.Errorf("add_contact_way = %+v, want a single-guide QR code with state = scene", sent)
	}
	var multi model.ContactWay
	e.hq("POST", "/api/hq/contact-ways", map[string]any{"scene": "store_sh001", "guides": []string{"g01", "g02", "g01"}, "skip_verify": false}, &multi)
	mustUnmarshal(t, e.up.Calls(pathAddWay)[1].Body, &sent)
	if sent.Type != 2 || len(multi.Guides) != 2 || multi.SkipVerify {
		t.Errorf("multi-guide way = %+v (sent type %d), want type 2, guides deduped, verify on", multi, sent.Type)
	}
	var list struct {
		ContactWays []model.ContactWay `json:"contact_ways"`
	}
	if e.hq("GET", "/api/hq/contact-ways?scene=store_sh001", nil, &list); len(list.ContactWays) != 2 {
		t.Errorf("list = %d, want 2", len(list.ContactWays))
	}

	for _, tc := range []struct {
		body map[string]any
		code int
		want string
	}{
		{map[string]any{"scene": "no_such_scene", "guides": []string{"g01"}}, 404, "scene not found"},
		{map[string]any{"scene": strings.Repeat("s", 31), "guides": []string{"g01"}}, 400, "1-30 characters"},
		{map[string]any{"scene": "store_sh001", "guides": []string{"ghost"}}, 400, "ghost are not recorded"},
		{map[string]any{"scene": "store_sh001"}, 400, "guides"},
	} {
		var out struct{ Error struct{ Message string } }
		if code := e.hq("POST", "/api/hq/contact-ways", tc.body, &out); code != tc.code || !strings.Contains(out.Error.Message, tc.want) {
			t.Errorf("POST %v = %d %q, want %d mentioning %q", tc.body, code, out.Error.Message, tc.code, tc.want)
		}
	}
	e.up.FailNext(pathAddWay, 1, 40098) // the guide has not activated WeCom
	if code := e.hq("POST", "/api/hq/contact-ways", map[string]any{"scene": "store_sh001", "guides": []string{"g01"}}, nil); code != http.StatusBadGateway {
		t.Errorf("refused by WeCom = %d, want 502", code)
	}

	if code := e.hq("DELETE", fmt.Sprintf("/api/hq/contact-ways/%d", cw.ID), nil, nil); code != http.StatusNoContent {
		t.Errorf("delete = %d, want 204", code)
	}
	if del := e.up.Calls(pathDelWay); len(del) != 1 || !strings.Contains(string(del[0].Body), cw.ConfigID) {
		t.Errorf("del_contact_way calls = %v, want one for %s", del, cw.ConfigID)
	}
	if code := e.hq("DELETE", fmt.Sprintf("/api/hq/contact-ways/%d", cw.ID), nil, nil); code != http.StatusNotFound {
		t.Errorf("second delete = %d, want 404", code)
	}
	if n := e.count(&model.ContactWay{}); n != 1 {
		t.Errorf("contact ways = %d, want 1 left", n)
	}
}

func TestHQContactWaysNotConfigured(t *testing.T) {
	e := newTestEnv(t, func(d *handlerDeps) {
		none, _ := wx.New(wx.Config{})
		d.Codes = guides.NewCodes(d.Guides, d.Tagging, none, none)
	})
	withChannelsSetup(e)
	var out struct{ Error struct{ Message string } }
	code := e.hq("POST", "/api/hq/contact-ways", map[string]any{"scene": "store_sh001", "guides": []string{"g01"}}, &out)
	if code != http.StatusServiceUnavailable || !strings.Contains(out.Error.Message, "SIYU_WECOM_CONTACT_SECRET") {
		t.Errorf("without WeCom = %d %q, want 503 naming the variable", code, out.Error.Message)
	}
	code = e.hq("POST", "/api/hq/qrcodes", map[string]any{"scene": "store_sh001", "permanent": true}, &out)
	if code != http.StatusServiceUnavailable || !strings.Contains(out.Error.Message, "SIYU_WECHAT_SECRET") {
		t.Errorf("without the OA = %d %q, want 503 naming the variable", code, out.Error.Message)
	}
}

func TestHQQRCodes(t *testing.T) {
	e := newTestEnv(t)
	withChannelsSetup(e)
	var perm, temp, def model.QRCode
	if code := e.hq("POST", "/api/hq/qrcodes", map[string]any{"scene": "store_sh001", "permanent": true}, &perm); code != 201 {
		t.Fatalf("permanent = %d %+v", code, perm)
	}
	if perm.Ticket == "" || !strings.Contains(perm.ImageURL, "showqrcode?ticket=") || perm.ExpiresAt != nil || !perm.Permanent {
		t.Errorf("permanent code = %+v", perm)
	}
	e.hq("POST", "/api/hq/qrcodes", map[string]any{"scene": "store_sh001", "expire_seconds": 3600}, &temp)
	if temp.ExpiresAt == nil || temp.ExpiresAt.Sub(e.clock.Now()) < 59*time.Minute || temp.ExpiresAt.Sub(e.clock.Now()) > 61*time.Minute {
		t.Errorf("temporary code = %+v, want expiry in an hour", temp)
	}
	e.hq("POST", "/api/hq/qrcodes", map[string]any{"scene": "store_sh001"}, &def)
	if def.ExpiresAt == nil || def.ExpiresAt.Sub(e.clock.Now()) < 29*24*time.Hour {
		t.Errorf("default code = %+v, want a 30-day temporary code", def)
	}
	bodies := []string{}
	for _, c := range e.up.Calls(pathQR) {
		bodies = append(bodies, string(c.Body))
	}
	if len(bodies) != 3 || !strings.Contains(bodies[0], `"QR_LIMIT_STR_SCENE"`) || !strings.Contains(bodies[1], `"QR_STR_SCENE"`) ||
		!strings.Contains(bodies[1], `"scene_str":"store_sh001"`) || !strings.Contains(bodies[1], `"expire_seconds":3600`) {
		t.Errorf("qrcode/create bodies = %v", bodies)
	}
	for _, tc := range []struct {
		body map[string]any
		code int
	}{
		{map[string]any{"scene": "store_sh001", "permanent": true, "expire_seconds": 60}, 400},
		{map[string]any{"scene": "store_sh001", "expire_seconds": 10}, 400},
		{map[string]any{"scene": "store_sh001", "expire_seconds": 31 * 24 * 3600}, 400},
		{map[string]any{"scene": "nope", "permanent": true}, 404},
	} {
		if code := e.hq("POST", "/api/hq/qrcodes", tc.body, nil); code != tc.code {
			t.Errorf("POST %v = %d, want %d", tc.body, code, tc.code)
		}
	}
	var list struct{ QRCodes []model.QRCode }
	if e.hq("GET", "/api/hq/qrcodes?scene=store_sh001", nil, &list); len(list.QRCodes) != 3 {
		t.Errorf("list = %d, want 3", len(list.QRCodes))
	}
}

// TestHQMemberTags: manual tags set through the HQ API are mirrored to
// WeCom, removals included.
func TestHQMemberTags(t *testing.T) {
	e := newTestEnv(t)
	e.up.SetExternalContact(wx.ExternalContact{ExternalUserID: "wm_t", Type: 1, FollowUsers: []wx.FollowUser{{UserID: "g01"}}})
	e.startWorker()
	e.sendWeCom(e.wc.AddExternalContact("g01", "wm_t", "", "", e.clock.Now()))
	e.idle()
	var res struct{ Members []model.MemberView }
	e.hq("GET", "/api/hq/members?external_userid=wm_t", nil, &res)
	id := res.Members[0].ID
	var m model.MemberView
	if code := e.hq("POST", fmt.Sprintf("/api/hq/members/%d/tags", id), map[string]any{"add": []string{"VIP", "活动:双11"}}, &m); code != 200 || len(m.Tags) != 2 {
		t.Fatalf("add tags = %d %+v", code, m)
	}
	e.idle()
	e.hq("POST", fmt.Sprintf("/api/hq/members/%d/tags", id), map[string]any{"remove": []string{"VIP"}}, &m)
	e.idle()
	ec, err := e.wx.GetExternalContact(context.Background(), "wm_t")
	if err != nil {
		t.Fatal(err)
	}
	if tags := ec.FollowUsers[0].Tags; len(tags) != 1 || tags[0].GroupName != "活动" || tags[0].Name != "双11" {
		t.Errorf("WeCom tags = %+v, want only 活动:双11", tags)
	}
	if code := e.hq("POST", fmt.Sprintf("/api/hq/members/%d/tags", id), map[string]any{}, nil); code != 400 {
		t.Errorf("empty edit = %d, want 400", code)
	}
	if code := e.hq("POST", "/api/hq/members/999999/tags", map[string]any{"add": []string{"x"}}, nil); code != 404 {
		t.Errorf("unknown member = %d, want 404", code)
	}
}
