package handler_test

import (
	"bytes"
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

	"github.com/siyu/siyu/handler"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/wx"
)

// lateWX lets the member centre use the env's wx client, which the harness
// creates after the options run.
type lateWX struct{ *wx.Client }

// newMemberEnv is a test env whose member centre signs in through the fake
// upstream.
func newMemberEnv(t *testing.T, opts ...envOption) *testEnv {
	t.Helper()
	late := &lateWX{}
	e := newTestEnv(t, append([]envOption{func(d *handler.Deps) { d.Member.WeChat = late }}, opts...)...)
	late.Client = e.wx
	return e
}

// memberClient is a member's browser: a cookie jar and the CSRF token.
type memberClient struct {
	t    *testing.T
	e    *testEnv
	http *http.Client
	csrf string
	me   map[string]any
}

// signIn opens the member centre as openid: start → the fake's authorize
// page → callback → /m/, following redirects with cookies, then reads /me.
func (e *testEnv) signIn(t *testing.T, openid string) *memberClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &memberClient{t: t, e: e, http: &http.Client{Jar: jar}}
	e.up.SetBrowserOpenID(openid)
	resp, err := c.http.Get(e.srv.URL + "/api/m/oauth/start?next=" + url.QueryEscape("/m/#/mall"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/m/" {
		t.Fatalf("sign-in ended at %s with %d", resp.Request.URL, resp.StatusCode)
	}
	var me struct {
		Member map[string]any `json:"member"`
		CSRF   string         `json:"csrf_token"`
	}
	if st := c.do("GET", "/api/m/me", nil, &me); st != http.StatusOK || me.CSRF == "" {
		t.Fatalf("GET /api/m/me = %d %v", st, me)
	}
	c.csrf, c.me = me.CSRF, me.Member
	return c
}

func (c *memberClient) id() int64 { return int64(c.me["id"].(float64)) }

// do calls the member API with the session (and CSRF token on writes).
func (c *memberClient) do(method, path string, in, out any) int {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.e.srv.URL+path, body)
	req.Header.Set("Content-Type", "application/json")
	if method != "GET" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

func TestMemberSignIn(t *testing.T) {
	e := newMemberEnv(t)
	t.Run("no session is 401", func(t *testing.T) { signInNoSession(t, e) })
	t.Run("base scope signs in the openid's member", func(t *testing.T) { signInBaseScope(t, e) })
	t.Run("userinfo scope stores nickname and avatar", func(t *testing.T) { signInUserinfoScope(t, e) })
	t.Run("someone who does not follow is asked to follow", func(t *testing.T) { signInNonFollower(t, e) })
	t.Run("a follower from before Siyu becomes a member", func(t *testing.T) { signInOldFollower(t, e) })
	t.Run("a wrong state is refused", func(t *testing.T) { signInForgedState(t, e) })
	t.Run("writes need the CSRF token", func(t *testing.T) { signInWritesNeedCSRF(t, e) })
}

// signInNoSession: a request without a session cookie is refused with 401.
func signInNoSession(t *testing.T, e *testEnv) {
	resp, err := http.Get(e.srv.URL + "/api/m/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/m/me without a session = %d, want 401", resp.StatusCode)
	}
}

// signInBaseScope: the silent snsapi_base flow signs the follower in as the member of its
// openid, without a userinfo call.
func signInBaseScope(t *testing.T, e *testEnv) {
	id := e.follower("o_anna")
	c := e.signIn(t, "o_anna")
	if c.id() != id {
		t.Errorf("signed in as member %d, want %d (the follower o_anna)", c.id(), id)
	}
	calls := e.up.Calls("/sns/oauth2/access_token")
	if len(calls) == 0 || e.up.CallCount("/sns/userinfo") != 0 {
		t.Errorf("code exchanges %d, userinfo calls %d: want the base scope only", len(calls), e.up.CallCount("/sns/userinfo"))
	}
}

// signInUserinfoScope: the snsapi_userinfo flow stores the nickname and avatar on the member.
func signInUserinfoScope(t *testing.T, e *testEnv) {
	c := e.signIn(t, "o_bella")
	resp, err := c.http.Get(e.srv.URL + "/api/m/oauth/start?scope=userinfo&next=" + url.QueryEscape("/m/#/profile"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	m := e.member(c.id())
	if m.Nickname != "Member o_bella" || !strings.HasSuffix(m.Avatar, "/o_bella") {
		t.Errorf("after snsapi_userinfo: nickname %q avatar %q", m.Nickname, m.Avatar)
	}
}

// signInNonFollower: an openid that does not follow the account ends on the follow page,
// with no identity and no session.
func signInNonFollower(t *testing.T, e *testEnv) {
	e.up.SetOAUser(wx.OAUser{OpenID: "o_stranger", Subscribed: false})
	e.up.SetBrowserOpenID("o_stranger")
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(e.srv.URL + "/api/m/oauth/start")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/m/" || resp.Request.URL.Fragment != "/follow" {
		t.Errorf("a non-follower ended at %s, want /m/#/follow", resp.Request.URL)
	}
	if n := e.count(&model.Identity{}, "external_id = ?", "o_stranger"); n != 0 {
		t.Errorf("a non-follower got %d identities, want none", n)
	}
	if resp, _ := browser.Get(e.srv.URL + "/api/m/me"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a non-follower's /api/m/me = %d, want 401", resp.StatusCode)
	}
}

// signInOldFollower: someone who followed before Siyu existed becomes a
// subscribed member on first sign-in.
func signInOldFollower(t *testing.T, e *testEnv) {
	c := e.signIn(t, "o_old_follower")
	if m := e.member(c.id()); !m.Subscribed {
		t.Errorf("the old follower's member: %+v", m)
	}
}

// signInForgedState: a callback whose state is not the session's is refused with 401 and
// creates no identity.
func signInForgedState(t *testing.T, e *testEnv) {
	jar, _ := cookiejar.New(nil)
	noFollow := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(e.srv.URL + "/api/m/oauth/start")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	code := e.up.OAuthCode("o_eve", wx.ScopeBase)
	resp, err = noFollow.Get(e.srv.URL + "/api/m/oauth/callback?state=forged&code=" + code)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || e.count(&model.Identity{}, "external_id = ?", "o_eve") != 0 {
		t.Errorf("callback with a forged state = %d", resp.StatusCode)
	}
}

// signInWritesNeedCSRF: a write with the wrong CSRF token is refused with 403 and changes
// nothing.
func signInWritesNeedCSRF(t *testing.T, e *testEnv) {
	c := e.signIn(t, "o_anna")
	c.csrf = "wrong"
	if st := c.do("POST", "/api/m/checkins", nil, nil); st != http.StatusForbidden {
		t.Errorf("check-in without the CSRF token = %d, want 403", st)
	}
	if n := e.count(&model.CheckIn{}, "member_id = ?", c.id()); n != 0 {
		t.Errorf("check-ins = %d after a refused write", n)
	}
}

// TestMemberCheckInSharedWithChat: the page and the chat are one check-in.
func TestMemberCheckInSharedWithChat(t *testing.T) {
	e := newMemberEnv(t)
	e.follower("o_page")
	e.follower("o_chat")

	page := e.signIn(t, "o_page")
	var r struct {
		Already  bool  `json:"already"`
		Credited int64 `json:"credited"`
	}
	if st := page.do("POST", "/api/m/checkins", nil, &r); st != http.StatusOK || r.Already || r.Credited != 5 {
		t.Fatalf("check-in on the page = %d %+v, want 5 points", st, r)
	}
	if got := e.chat("o_page", "签到"); !strings.Contains(got, "今天已经签到过了") {
		t.Errorf("签到 in the chat after the page = %q, want already done", got)
	}

	if got := e.chat("o_chat", "签到"); !strings.Contains(got, "签到成功") {
		t.Fatalf("签到 in the chat = %q", got)
	}
	chat := e.signIn(t, "o_chat")
	var month struct {
		CheckedIn bool `json:"checked_in"`
		Days      []struct {
			Day string `json:"day"`
		} `json:"days"`
		TomorrowPoints int64 `json:"tomorrow_points"`
	}
	if st := chat.do("GET", "/api/m/checkins", nil, &month); st != http.StatusOK || !month.CheckedIn || len(month.Days) != 1 || month.TomorrowPoints != 6 {
		t.Errorf("calendar after the chat's check-in = %d %+v", st, month)
	}
	if st := chat.do("POST", "/api/m/checkins", nil, &r); st != http.StatusOK || !r.Already || r.Credited != 0 {
		t.Errorf("check-in on the page after the chat = %d %+v, want already", st, r)
	}
	for _, id := range []int64{page.id(), chat.id()} {
		if n := e.count(&model.PointsEntry{}, "member_id = ? AND kind = ?", id, model.PointsCheckIn); n != 1 {
			t.Errorf("member %d: %d check-in credits, want 1", id, n)
		}
	}
}

// TestMemberRateLimit: past the per-minute write budget a member gets 429;
// another member is not affected.
func TestMemberRateLimit(t *testing.T) {
	e := newMemberEnv(t, func(d *handler.Deps) { d.Member.WritesPerMinute = 3 })
	e.follower("o_busy")
	e.follower("o_calm")
	busy, calm := e.signIn(t, "o_busy"), e.signIn(t, "o_calm")
	var codes []int
	for range 5 {
		codes = append(codes, busy.do("POST", "/api/m/checkins", nil, nil))
	}
	if fmt.Sprint(codes) != "[200 200 200 429 429]" {
		t.Errorf("five check-ins in a minute = %v, want three then 429", codes)
	}
	if st := calm.do("POST", "/api/m/checkins", nil, nil); st != http.StatusOK {
		t.Errorf("another member's check-in = %d", st)
	}
}

// TestMemberJSSDK: the page gets a wx.config signature over the Official
// Account's jsapi_ticket and its URL without the fragment.
func TestMemberJSSDK(t *testing.T) {
	e := newMemberEnv(t)
	e.follower("o_js")
	c := e.signIn(t, "o_js")
	var sig struct {
		AppID     string `json:"appId"`
		Timestamp int64  `json:"timestamp"`
		NonceStr  string `json:"nonceStr"`
		Signature string `json:"signature"`
	}
	page := "https://siyu.example.com/m/?from=menu"
	if st := c.do("GET", "/api/m/jssdk?url="+url.QueryEscape(page+"#/invite"), nil, &sig); st != http.StatusOK {
		t.Fatalf("jssdk = %d", st)
	}
	ticket, err := e.wx.OAJSAPITicket(context.Background()) // the one cached for all instances
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum([]byte(fmt.Sprintf("jsapi_ticket=%s&noncestr=%s&timestamp=%d&url=%s", ticket, sig.NonceStr, sig.Timestamp, page)))
	if sig.AppID != testAppID || sig.Signature != hex.EncodeToString(sum[:]) {
		t.Errorf("signature %+v does not sign %s with the OA ticket", sig, page)
	}
	if n := e.up.CallCount("/cgi-bin/ticket/getticket"); n != 1 {
		t.Errorf("getticket calls = %d, want 1", n)
	}
	if st := c.do("GET", "/api/m/jssdk?url=javascript:alert(1)", nil, nil); st != http.StatusBadRequest {
		t.Errorf("a non-http URL = %d, want 400", st)
	}
}
