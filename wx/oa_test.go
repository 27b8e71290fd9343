package wx_test

import (
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/siyu/siyu/wx"
)

const qrPath = "/cgi-bin/qrcode/create"

func TestCreateQRCode(t *testing.T) {
	tests := []struct {
		name     string
		expire   time.Duration
		wantBody string
		wantExp  int
	}{
		{"temporary", 10 * time.Minute,
			`{"expire_seconds":600,"action_name":"QR_STR_SCENE","action_info":{"scene":{"scene_str":"store:42"}}}`, 600},
		{"rounded up", 1500 * time.Millisecond,
			`{"expire_seconds":2,"action_name":"QR_STR_SCENE","action_info":{"scene":{"scene_str":"store:42"}}}`, 2},
		{"capped at 30 days", 60 * 24 * time.Hour,
			`{"expire_seconds":2592000,"action_name":"QR_STR_SCENE","action_info":{"scene":{"scene_str":"store:42"}}}`, 2592000},
		{"permanent", 0,
			`{"action_name":"QR_LIMIT_STR_SCENE","action_info":{"scene":{"scene_str":"store:42"}}}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv := newClient(t)
			qr, err := c.CreateQRCode(ctxT(t), "store:42", tt.expire)
			if err != nil {
				t.Fatalf("CreateQRCode: %v", err)
			}
			wantBody(t, srv, qrPath, tt.wantBody)
			if qr.Ticket == "" || qr.URL == "" {
				t.Errorf("QRCode = %+v, want ticket and url", qr)
			}
			if want := "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=" + url.QueryEscape(qr.Ticket); qr.ImageURL != want {
				t.Errorf("ImageURL = %q, want %q", qr.ImageURL, want)
			}
			if qr.ExpireSeconds != tt.wantExp {
				t.Errorf("ExpireSeconds = %d, want %d", qr.ExpireSeconds, tt.wantExp)
			}
		})
	}
}

func TestCreateQRCodeRejectsBadArguments(t *testing.T) {
	c, srv := newClient(t)
	for _, tc := range []struct {
		scene  string
		expire time.Duration
	}{{"", 0}, {strings.Repeat("x", 65), 0}, {"ok", -time.Second}} {
		if _, err := c.CreateQRCode(ctxT(t), tc.scene, tc.expire); err == nil {
			t.Errorf("CreateQRCode(%q, %v) succeeded", tc.scene, tc.expire)
		}
	}
	wantCalls(t, srv, map[string]int{qrPath: 0})
}

func TestSendCustomText(t *testing.T) {
	c, srv := newClient(t)
	if err := c.SendCustomText(ctxT(t), "o1", "积分 +10 & <签到>"); err != nil {
		t.Fatal(err)
	}
	wantBody(t, srv, "/cgi-bin/message/custom/send",
		`{"touser":"o1","msgtype":"text","text":{"content":"积分 +10 & <签到>"}}`)
	// WeChat shows escaped HTML literally, so the body must not escape it.
	if body := string(srv.Calls("/cgi-bin/message/custom/send")[0].Body); !strings.Contains(body, "& <签到>") {
		t.Errorf("body escapes HTML: %s", body)
	}
}

func TestSendCustomTextOutsideWindow(t *testing.T) {
	c, srv := newClient(t)
	srv.FailNext("/cgi-bin/message/custom/send", 1, 45015)
	err := c.SendCustomText(ctxT(t), "o1", "hi")
	wantErrCode(t, err, 45015)
	if wx.Retryable(err) {
		t.Error("Retryable(45015) = true")
	}
}

func TestSendTemplate(t *testing.T) {
	c, srv := newClient(t)
	err := c.SendTemplate(ctxT(t), wx.TemplateMessage{
		ToUser: "o1", TemplateID: "tpl1", URL: "https://siyu.example/points",
		Data: map[string]string{"first": "签到成功", "keyword1": "10"},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantBody(t, srv, "/cgi-bin/message/template/send", `{"touser":"o1","template_id":"tpl1",
		"url":"https://siyu.example/points",
		"data":{"first":{"value":"签到成功"},"keyword1":{"value":"10"}}}`)
}

func TestGetUser(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	got, err := c.GetUser(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	want := wx.OAUser{OpenID: "o1", UnionID: "union-o1", Nickname: "Member o1", Subscribed: true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetUser (-want +got):\n%s", diff)
	}
	q := srv.Calls("/cgi-bin/user/info")[0].Query
	if q.Get("openid") != "o1" || q.Get("lang") != "zh_CN" {
		t.Errorf("query = %v", q)
	}

	srv.SetOAUser(wx.OAUser{OpenID: "o2", UnionID: "u2"})
	got, err = c.GetUser(ctx, "o2")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wx.OAUser{OpenID: "o2", UnionID: "u2"}, got); diff != "" {
		t.Errorf("unsubscribed GetUser (-want +got):\n%s", diff)
	}
}

func TestEnsureUserTag(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	id, err := c.EnsureUserTag(ctx, "金卡会员")
	if err != nil {
		t.Fatal(err)
	}
	wantBody(t, srv, "/cgi-bin/tags/create", `{"tag":{"name":"金卡会员"}}`)
	again, err := c.EnsureUserTag(ctx, "金卡会员")
	if err != nil || again != id {
		t.Fatalf("second EnsureUserTag = %d, %v; want %d", again, err, id)
	}
	wantCalls(t, srv, map[string]int{"/cgi-bin/tags/get": 1, "/cgi-bin/tags/create": 1})

	// A tag made in the console is found by listing, not created.
	existing := srv.AddUserTag("银卡会员")
	got, err := c.EnsureUserTag(ctx, "银卡会员")
	if err != nil || got != existing {
		t.Fatalf("EnsureUserTag(existing) = %d, %v; want %d", got, err, existing)
	}
	wantCalls(t, srv, map[string]int{"/cgi-bin/tags/get": 2, "/cgi-bin/tags/create": 1})

	if _, err := c.EnsureUserTag(ctx, strings.Repeat("长", 31)); err == nil {
		t.Error("EnsureUserTag accepted a 31-character name")
	}
}

func TestEnsureUserTagCreatedConcurrentlyElsewhere(t *testing.T) {
	c, srv := newClient(t)
	srv.FailNext("/cgi-bin/tags/create", 1, wx.CodeUserTagExists)
	if _, err := c.EnsureUserTag(ctxT(t), "vip"); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, srv, map[string]int{"/cgi-bin/tags/get": 2, "/cgi-bin/tags/create": 2})
}

// Concurrent callers, on this instance and another sharing Redis, create the
// tag once and agree on its id.
func TestEnsureUserTagSharedThroughRedis(t *testing.T) {
	rdb := newRedis(t)
	c1, srv := newClient(t, func(cfg *wx.Config) { cfg.Redis = rdb })
	ctx := ctxT(t)
	var wg sync.WaitGroup
	ids := make([]int64, 8)
	for i := range ids {
		wg.Go(func() {
			id, err := c1.EnsureUserTag(ctx, "vip")
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("ids differ: %v", ids)
		}
	}
	wantCalls(t, srv, map[string]int{"/cgi-bin/tags/get": 1, "/cgi-bin/tags/create": 1})

	cfg := testConfig(t, srv)
	cfg.Redis = rdb
	c2, err := wx.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	id, err := c2.EnsureUserTag(ctx, "vip")
	if err != nil || id != ids[0] {
		t.Fatalf("other instance: EnsureUserTag = %d, %v; want %d", id, err, ids[0])
	}
	wantCalls(t, srv, map[string]int{"/cgi-bin/tags/get": 1, "/cgi-bin/tags/create": 1, oaTokenPath: 1})
}

func TestTagAndUntagUsers(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	id := srv.AddUserTag("vip")
	openIDs := make([]string, 120)
	for i := range openIDs {
		openIDs[i] = "o" + string(rune('A'+i/26)) + string(rune('a'+i%26))
	}
	if err := c.TagUsers(ctx, id, openIDs); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, srv, map[string]int{"/cgi-bin/tags/members/batchtagging": 3})
	if got := len(srv.TagMembers(id)); got != 120 {
		t.Errorf("%d tagged, want 120", got)
	}
	body := lastBody(t, srv, "/cgi-bin/tags/members/batchtagging")
	if body["tagid"] != float64(id) || len(body["openid_list"].([]any)) != 20 {
		t.Errorf("last batch = %v", body)
	}
	if err := c.UntagUsers(ctx, id, openIDs[:50]); err != nil {
		t.Fatal(err)
	}
	if got := len(srv.TagMembers(id)); got != 70 {
		t.Errorf("%d tagged after untag, want 70", got)
	}
	if err := c.TagUsers(ctx, id, nil); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, srv, map[string]int{"/cgi-bin/tags/members/batchtagging": 3, "/cgi-bin/tags/members/batchuntagging": 1})
}
