package handler_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/handler"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/wx/wxtest"
)

const testSessionSecret = "sidebar-test-secret-0123456789"

// sidebarEnv is a test server whose sidebar talks to the fake WeCom, with
// two stores, their guides and manager, and customers bound to them.
type sidebarEnv struct {
	*testEnv
	upstream *wxtest.Server
	logins   int
}

func newSidebarEnv(t *testing.T) *sidebarEnv {
	t.Helper()
	e := newTestEnv(t)
	for _, st := range []model.Store{{Code: "sh001", Name: "上海一店"}, {Code: "bj001", Name: "北京一店"}} {
		e.db.Create(&st)
	}
	for _, g := range []model.Guide{
		{UserID: "g_sh_1", Name: "小王", StoreCode: "sh001", Role: model.RoleGuide},
		{UserID: "g_sh_2", Name: "小李", StoreCode: "sh001", Role: model.RoleGuide},
		{UserID: "m_sh", Name: "张店长", StoreCode: "sh001", Role: model.RoleStoreManager},
		{UserID: "m_bj", Name: "赵店长", StoreCode: "bj001", Role: model.RoleStoreManager},
	} {
		e.db.Create(&g)
	}
	e.addCustomer("wm_alice", "Alice", "g_sh_1", "sh001", 120)
	e.addCustomer("wm_bob", "Bob", "g_sh_2", "sh001", 0)
	return &sidebarEnv{testEnv: e, upstream: e.up}
}

// addCustomer makes a WeCom customer bound to a guide, with points.
func (e *testEnv) addCustomer(ext, nickname, guide, store string, points int64) int64 {
	e.t.Helper()
	m := model.Member{Nickname: nickname, GuideUserID: guide, StoreCode: store, Level: "银卡"}
	if err := e.db.Create(&m).Error; err != nil {
		e.t.Fatal(err)
	}
	e.db.Create(&model.Identity{MemberID: m.ID, Platform: model.PlatformWeCom, AppID: "wwcorp", ExternalID: ext})
	key := "wwcorp|" + guide + "|" + ext
	added := time.Now()
	e.db.Create(&model.GuideRelation{MemberID: m.ID, CorpID: "wwcorp", GuideUserID: guide, ExternalUserID: ext,
		AddedAt: &added, ActiveKey: &key, EventKey: "test:" + key})
	if points > 0 {
		if _, err := e.loyalty.Post(context.Background(), loyaltyEntry(m.ID, points)); err != nil {
			e.t.Fatal(err)
		}
	}
	return m.ID
}

// guideClient is an HTTP client with a cookie jar, signed in as userID
// through the WeCom OAuth code the fake upstream accepts.
func (e *sidebarEnv) guideClient(userID string) *http.Client {
	e.t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	e.logins++
	resp, err := c.Get(e.srv.URL + "/api/sidebar/login?code=code_" + userID + "~" + itoa(int64(e.logins)) + "&state=" + oauthState(e.t, c, e.srv.URL))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		e.t.Fatalf("login %s = %d %s", userID, resp.StatusCode, b)
	}
	return c
}

func call(t *testing.T, c *http.Client, method, rawURL string, body string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, rawURL, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %q: %v", method, rawURL, b, err)
		}
	}
	return resp.StatusCode
}

func TestSidebarLoginAndSession(t *testing.T) {
	e := newSidebarEnv(t)
	anon := &http.Client{}
	if st := call(t, anon, "GET", e.srv.URL+"/api/sidebar/me", "", nil); st != 401 {
		t.Errorf("me without a session = %d, want 401", st)
	}
	jar, _ := cookiejar.New(nil)
	probe := &http.Client{Jar: jar}
	if st := call(t, probe, "GET", e.srv.URL+"/api/sidebar/login?code=code_stranger&state="+oauthState(t, probe, e.srv.URL), "", nil); st != 403 {
		t.Errorf("login of an unregistered WeCom user = %d, want 403", st)
	}
	if st := call(t, probe, "GET", e.srv.URL+"/api/sidebar/login?code=bogus&state="+oauthState(t, probe, e.srv.URL), "", nil); st != 401 {
		t.Errorf("login with a code WeCom refuses = %d, want 401", st)
	}
	if st := call(t, anon, "GET", e.srv.URL+"/api/sidebar/login", "", nil); st != 400 {
		t.Errorf("login without code = %d, want 400", st)
	}
	c := e.guideClient("g_sh_1")
	var me struct{ UserID, Name, StoreName string }
	if st := call(t, c, "GET", e.srv.URL+"/api/sidebar/me", "", &me); st != 200 || me.Name != "小王" {
		t.Errorf("me = %d %+v", st, me)
	}
	u, _ := url.Parse(e.srv.URL)
	cookie := c.Jar.Cookies(u)[0]
	if cookie.Name != "siyu_guide" {
		t.Fatalf("cookie %q", cookie.Name)
	}
	// A tampered cookie and an expired one are refused.
	for name, value := range map[string]string{
		"tampered": strings.Replace(cookie.Value, cookie.Value[:4], "AAAA", 1),
		"expired":  expiredSession(t),
	} {
		req, _ := http.NewRequest("GET", e.srv.URL+"/api/sidebar/me", nil)
		req.AddCookie(&http.Cookie{Name: "siyu_guide", Value: value})
		resp, _ := http.DefaultClient.Do(req)
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("%s cookie = %d, want 401", name, resp.StatusCode)
		}
	}
}

// expiredSession is a correctly signed session that expired an hour ago.
func expiredSession(t *testing.T) string {
	s := handler.NewSessions(testSessionSecret, time.Hour, func() time.Time { return time.Now().Add(-2 * time.Hour) })
	v, _ := s.Issue("g_sh_1")
	return v
}

func TestSidebarContactAuthorization(t *testing.T) {
	e := newSidebarEnv(t)
	for _, tc := range []struct {
		guide, ext string
		want       int
	}{
		{"g_sh_1", "wm_alice", 200},  // her guide
		{"g_sh_2", "wm_alice", 403},  // a colleague's customer
		{"m_sh", "wm_alice", 200},    // the store's manager
		{"m_bj", "wm_alice", 403},    // another store's manager
		{"g_sh_1", "wm_nobody", 403}, // unknown answers like not yours
	} {
		c := e.guideClient(tc.guide)
		var p struct {
			Points   int64
			Nickname string
			Timeline []struct{ Text string }
		}
		if st := call(t, c, "GET", e.srv.URL+"/api/sidebar/contacts/"+tc.ext, "", &p); st != tc.want {
			t.Errorf("%s reading %s = %d, want %d", tc.guide, tc.ext, st, tc.want)
		} else if st == 200 && (p.Points != 120 || p.Nickname != "Alice" || len(p.Timeline) == 0) {
			t.Errorf("profile = %+v", p)
		}
		if st := call(t, c, "POST", e.srv.URL+"/api/sidebar/contacts/"+tc.ext+"/tags", `{"add":["高意向"]}`, nil); st != tc.want {
			t.Errorf("%s tagging %s = %d, want %d", tc.guide, tc.ext, st, tc.want)
		}
	}
	if n := e.count(&model.MemberTag{}, "source = ?", model.TagSourceManual); n != 1 {
		t.Errorf("manual tags = %d, want 1 (refused requests change nothing)", n)
	}
}

func TestSidebarTags(t *testing.T) {
	e := newSidebarEnv(t)
	c := e.guideClient("g_sh_1")
	var res struct{ Tags []string }
	if st := call(t, c, "POST", e.srv.URL+"/api/sidebar/contacts/wm_alice/tags", `{"add":["高意向","爱运动"]}`, &res); st != 200 || len(res.Tags) != 2 {
		t.Fatalf("add = %d %v", st, res.Tags)
	}
	call(t, c, "POST", e.srv.URL+"/api/sidebar/contacts/wm_alice/tags", `{"remove":["爱运动"]}`, &res)
	if strings.Join(res.Tags, ",") != "高意向" {
		t.Errorf("tags after remove = %v", res.Tags)
	}
	for body, want := range map[string]int{`{}`: 400, `{"add":[""]}`: 400, `{"add":"x"}`: 400, `{"oops":1}`: 400} {
		if st := call(t, c, "POST", e.srv.URL+"/api/sidebar/contacts/wm_alice/tags", body, nil); st != want {
			t.Errorf("tags %s = %d, want %d", body, st, want)
		}
	}
	var p struct {
		TagSources map[string]string `json:"tag_sources"`
		Timeline   []struct{ Text string }
	}
	call(t, c, "GET", e.srv.URL+"/api/sidebar/contacts/wm_alice", "", &p)
	if p.TagSources["高意向"] != "manual" || !strings.Contains(p.Timeline[0].Text, "-爱运动") || !strings.Contains(p.Timeline[1].Text, "+高意向") {
		t.Errorf("profile after tagging = %+v", p)
	}
}

func TestSidebarScripts(t *testing.T) {
	e := newSidebarEnv(t)
	var g model.ScriptGroup
	if st := e.hq("POST", "/api/hq/script-groups", map[string]any{"name": "开场白", "sort": 1}, &g); st != 201 {
		t.Fatalf("create group = %d", st)
	}
	var s1, s2 model.Script
	e.hq("POST", "/api/hq/scripts", map[string]any{"group_id": g.ID, "title": "问候",
		"content": "{{称呼}}您好，我是{{门店}}的{{导购}}，您现在有{{积分}}积分，是{{等级}}会员。"}, &s1)
	e.hq("POST", "/api/hq/scripts", map[string]any{"group_id": g.ID, "title": "北京专属", "content": "北京门店活动", "store_codes": []string{"bj001"}}, &s2)
	if st := e.hq("POST", "/api/hq/scripts", map[string]any{"group_id": 9999, "title": "x", "content": "y"}, nil); st != 400 {
		t.Errorf("script in an unknown group = %d, want 400", st)
	}
	if st := e.hq("DELETE", "/api/hq/script-groups/"+itoa(g.ID), nil, nil); st != 409 {
		t.Errorf("delete a group with scripts = %d, want 409", st)
	}

	c := e.guideClient("g_sh_1")
	var res struct {
		Groups []struct {
			Name    string
			Scripts []model.Script
		}
	}
	if st := call(t, c, "GET", e.srv.URL+"/api/sidebar/scripts?external_userid=wm_alice", "", &res); st != 200 {
		t.Fatalf("scripts = %d", st)
	}
	if len(res.Groups) != 1 || len(res.Groups[0].Scripts) != 1 {
		t.Fatalf("groups = %+v, want one group with the one script visible to sh001", res.Groups)
	}
	if got, want := res.Groups[0].Scripts[0].Content, "Alice您好，我是上海一店的小王，您现在有120积分，是银卡会员。"; got != want {
		t.Errorf("filled = %q, want %q", got, want)
	}
	call(t, c, "GET", e.srv.URL+"/api/sidebar/scripts?q=nothing-matches", "", &res)
	if len(res.Groups) != 0 {
		t.Errorf("search for nothing = %+v", res.Groups)
	}
	if st := call(t, c, "GET", e.srv.URL+"/api/sidebar/scripts?external_userid=wm_bob", "", nil); st != 403 {
		t.Errorf("scripts for another guide's customer = %d, want 403", st)
	}
	for range 2 {
		if st := call(t, c, "POST", e.srv.URL+"/api/sidebar/scripts/"+itoa(s1.ID)+"/sent", "{}", nil); st != 204 {
			t.Errorf("sent = %d", st)
		}
	}
	var usage struct {
		Usage []struct {
			ScriptID    int64  `json:"script_id"`
			GuideUserID string `json:"guide_userid"`
			Count       int64
		}
	}
	e.hq("GET", "/api/hq/scripts/usage", nil, &usage)
	if len(usage.Usage) != 1 || usage.Usage[0].Count != 2 || usage.Usage[0].GuideUserID != "g_sh_1" {
		t.Errorf("usage = %+v, want g_sh_1 sent it twice", usage.Usage)
	}
}

// jsSDKSignature is the JS-SDK signature as WeChat and WeCom document it:
// the hex SHA-1 of jsapi_ticket=…&noncestr=…&timestamp=…&url=… (the page
// URL without its #fragment).
func jsSDKSignature(ticket, nonce string, ts int64, pageURL string) string {
	h := sha1.Sum([]byte(fmt.Sprintf("jsapi_ticket=%s&noncestr=%s&timestamp=%d&url=%s", ticket, nonce, ts, pageURL)))
	return hex.EncodeToString(h[:])
}

func TestJSSDKSignatureKnownVector(t *testing.T) {
	// The worked example of WeChat's JS-SDK documentation (appendix 1).
	got := jsSDKSignature("sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg",
		"Wm3WZYTPz0wzccnW", 1414587457, "http://mp.weixin.qq.com?params=value")
	if want := "0f9de62fce790f9a083d5c99e95740ceb90c27ed"; got != want {
		t.Fatalf("documented example = %s, want %s", got, want)
	}
}

// TestSidebarJSSDK: wx.config is signed with the corp jsapi_ticket and
// wx.agentConfig with the agent ticket, over the page URL without its
// fragment, exactly as the documented algorithm computes them.
func TestSidebarJSSDK(t *testing.T) {
	e := newSidebarEnv(t)
	var sig struct {
		Config struct {
			CorpID, Signature, NonceStr string
			Timestamp                   int64
		}
		AgentConfig struct {
			CorpID, AgentID, Signature, NonceStr string
			Timestamp                            int64
		}
	}
	before := e.clock.Now().Unix()
	if st := call(t, http.DefaultClient, "GET", e.srv.URL+"/api/sidebar/jssdk?url="+url.QueryEscape("https://siyu.example.com/sidebar/?a=1#x"), "", nil); st != 401 {
		t.Errorf("jssdk without a session = %d, want 401", st)
	}
	guide := e.guideClient("g_sh_1")
	if st := call(t, guide, "GET", e.srv.URL+"/api/sidebar/jssdk?url="+url.QueryEscape("https://siyu.example.com/sidebar/?a=1#x"), "", &sig); st != 200 {
		t.Fatalf("jssdk = %d", st)
	}
	after := e.clock.Now().Unix()
	ctx := context.Background()
	corpTicket, err := e.wx.JSAPITicket(ctx) // cached: the ticket the server signed with
	if err != nil {
		t.Fatal(err)
	}
	agentTicket, err := e.wx.AgentJSAPITicket(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if corpTicket == agentTicket {
		t.Fatalf("corp and agent ticket are both %q; the test cannot tell them apart", corpTicket)
	}
	const page = "https://siyu.example.com/sidebar/?a=1"
	if want := jsSDKSignature(corpTicket, sig.Config.NonceStr, sig.Config.Timestamp, page); sig.Config.Signature != want ||
		sig.Config.CorpID != e.wc.CorpID || sig.Config.NonceStr == "" || sig.Config.Timestamp < before || sig.Config.Timestamp > after {
		t.Errorf("config = %+v, want signature %s", sig.Config, want)
	}
	if want := jsSDKSignature(agentTicket, sig.AgentConfig.NonceStr, sig.AgentConfig.Timestamp, page); sig.AgentConfig.Signature != want ||
		sig.AgentConfig.CorpID != e.wc.CorpID || sig.AgentConfig.AgentID != "1000002" {
		t.Errorf("agentConfig = %+v, want signature %s", sig.AgentConfig, want)
	}
	if st := call(t, guide, "GET", e.srv.URL+"/api/sidebar/jssdk?url=javascript:alert(1)", "", nil); st != 400 {
		t.Errorf("jssdk with a bad url = %d, want 400", st)
	}
}

func TestSidebarPageServed(t *testing.T) {
	e := newSidebarEnv(t)
	for path, want := range map[string]string{"/sidebar/": "客户助手", "/sidebar/app.js": "sendChatMessage", "/sidebar/app.css": ".chip"} {
		resp, err := http.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("GET %s = %d, want it to contain %q", path, resp.StatusCode, want)
		}
	}
}

// oauthState asks for the OAuth state as the page does (the client's jar
// keeps its cookie) and returns it.
func oauthState(t testing.TB, c *http.Client, base string) string {
	t.Helper()
	var cfg struct{ State string }
	if st := call(t.(*testing.T), c, "GET", base+"/api/sidebar/config", "", &cfg); st != 200 || cfg.State == "" {
		t.Fatalf("sidebar config = %d %+v", st, cfg)
	}
	return cfg.State
}
