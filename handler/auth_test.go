package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/siyu/siyu/handler"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/operators"
)

const testPassword = "correct horse 9"

// ops is the operators service on the env's database and Redis (a cheap
// bcrypt cost: tests create many accounts).
func (e *testEnv) ops() *operators.Service {
	return operators.New(e.db, operators.Options{Redis: e.rdb.Client, Prefix: e.prefix, Now: e.clock.Now, BcryptCost: 4})
}

// operator creates an account and returns a fresh API key for it.
func (e *testEnv) operator(username, role, store string) string {
	e.t.Helper()
	ctx := context.Background()
	op, err := e.ops().CreateOperator(ctx, operators.NewOperator{Username: username, Role: role, StoreCode: store, Password: testPassword}, operators.Actor{Username: "test"})
	if err != nil {
		e.t.Fatalf("create operator %s: %v", username, err)
	}
	key, _, err := e.ops().CreateKey(ctx, op.ID, operators.Actor{Username: "test"})
	if err != nil {
		e.t.Fatal(err)
	}
	return key
}

// console is a browser-like client with a cookie jar.
type console struct {
	t    testing.TB
	base string
	c    *http.Client
	csrf string
}

func newConsole(t testing.TB, base string) *console {
	jar, _ := cookiejar.New(nil)
	return &console{t: t, base: base, c: &http.Client{Jar: jar}}
}

// do sends a JSON request; withCSRF adds the session's CSRF header.
func (cs *console) do(method, path string, in any, withCSRF bool, out any) (int, http.Header) {
	cs.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, cs.base+path, body)
	req.Header.Set("Content-Type", "application/json")
	if withCSRF && cs.csrf != "" {
		req.Header.Set("X-CSRF-Token", cs.csrf)
	}
	resp, err := cs.c.Do(req)
	if err != nil {
		cs.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			cs.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, resp.Header
}

type loginOut struct {
	Operator  model.Operator `json:"operator"`
	CSRFToken string         `json:"csrf_token"`
	Error     *struct{ Code, Message string }
}

func (cs *console) login(user, pw string) (int, loginOut) {
	cs.t.Helper()
	var out loginOut
	st, _ := cs.do("POST", "/api/auth/login", map[string]string{"username": user, "password": pw}, false, &out)
	cs.csrf = out.CSRFToken
	return st, out
}

func TestConsoleLoginSessionAndCSRF(t *testing.T) {
	e := newTestEnv(t)
	e.operator("alice", model.OpOperator, "")
	cs := newConsole(t, e.srv.URL)

	st1, unknown := cs.login("nobody", testPassword)
	st2, wrong := cs.login("alice", "wrong password")
	if st1 != 401 || st2 != 401 || unknown.Error == nil || wrong.Error == nil || *unknown.Error != *wrong.Error {
		t.Errorf("unknown user = %d %+v, wrong password = %d %+v; want the same 401", st1, unknown.Error, st2, wrong.Error)
	}
	var out loginOut
	st, hdr := cs.do("POST", "/api/auth/login", map[string]string{"username": "alice", "password": testPassword}, false, &out)
	if st != 200 || out.Operator.Username != "alice" || out.Operator.Role != model.OpOperator || out.CSRFToken == "" {
		t.Fatalf("login = %d %+v", st, out)
	}
	cs.csrf = out.CSRFToken
	ck := hdr.Get("Set-Cookie")
	for _, want := range []string{"siyu_hq=", "HttpOnly", "SameSite=Strict", "Path=/"} {
		if !strings.Contains(ck, want) {
			t.Errorf("Set-Cookie %q lacks %s", ck, want)
		}
	}
	if strings.Contains(ck, "Secure") {
		t.Errorf("Set-Cookie %q: Secure over plain http without an https public URL", ck)
	}
	var me loginOut
	if st, _ := cs.do("GET", "/api/auth/me", nil, false, &me); st != 200 || me.Operator.Username != "alice" || me.CSRFToken != out.CSRFToken {
		t.Errorf("me = %d %+v", st, me)
	}
	scene := map[string]any{"scene": "csrf_test"}
	if st, _ := cs.do("POST", "/api/hq/scenes", scene, false, nil); st != 403 {
		t.Errorf("write with the cookie but no X-CSRF-Token = %d, want 403", st)
	}
	if n := e.count(&model.Scene{}, "scene = ?", "csrf_test"); n != 0 {
		t.Errorf("refused write created %d scenes", n)
	}
	if st, _ := cs.do("POST", "/api/hq/scenes", scene, true, nil); st != 201 {
		t.Errorf("write with X-CSRF-Token = %d, want 201", st)
	}
	if st, _ := cs.do("GET", "/api/hq/scenes", nil, false, nil); st != 200 {
		t.Errorf("read with the cookie = %d, want 200", st)
	}
	// Logout ends the session on the server: the old cookie no longer works.
	old := cs.c.Jar.Cookies(mustURL(e.srv.URL))
	if st, _ := cs.do("POST", "/api/auth/logout", nil, true, nil); st != 200 {
		t.Fatalf("logout = %d", st)
	}
	replay := newConsole(t, e.srv.URL)
	replay.c.Jar.SetCookies(mustURL(e.srv.URL), old)
	if st, _ := replay.do("GET", "/api/auth/me", nil, false, nil); st != 401 {
		t.Errorf("me with the cookie of an ended session = %d, want 401", st)
	}

	// An https public URL makes the cookie Secure.
	sec := newTestEnv(t, func(d *handlerDeps) { d.Auth.PublicURL = "https://siyu.example.com" })
	sec.operator("bob", model.OpAdmin, "")
	_, hdr = newConsole(t, sec.srv.URL).do("POST", "/api/auth/login", map[string]string{"username": "bob", "password": testPassword}, false, nil)
	if !strings.Contains(hdr.Get("Set-Cookie"), "Secure") {
		t.Errorf("Set-Cookie %q with an https public URL: want Secure", hdr.Get("Set-Cookie"))
	}
}

// TestLoginThrottleAcrossInstances: two servers share one Redis; five
// failures on one lock the username out on the other, for the right
// password too, while another username from the same address still works.
func TestLoginThrottleAcrossInstances(t *testing.T) {
	var deps handler.Deps
	e := newTestEnv(t, func(d *handlerDeps) { deps = *d })
	second := httptest.NewServer(handler.New(deps))
	t.Cleanup(second.Close)
	e.operator("carol", model.OpAnalyst, "")
	e.operator("dave", model.OpAnalyst, "")
	one, two := newConsole(t, e.srv.URL), newConsole(t, second.URL)
	for i := 0; i < 5; i++ {
		c := one
		if i%2 == 1 {
			c = two
		}
		if st, _ := c.login("carol", "wrong"); st != 401 {
			t.Fatalf("failure %d = %d, want 401", i+1, st)
		}
	}
	st, out := two.login("carol", testPassword)
	if st != 429 || out.Error == nil || out.Error.Code != model.ETOOMANY {
		t.Errorf("6th attempt (right password, other instance) = %d %+v, want 429", st, out.Error)
	}
	if st, _ := one.login("carol", testPassword); st != 429 {
		t.Errorf("6th attempt on the first instance = %d, want 429", st)
	}
	if st, _ := one.login("dave", testPassword); st != 200 {
		t.Errorf("another username from the same address = %d, want 200", st)
	}
	var n int64
	e.db.Model(&model.AuditEntry{}).Where("action = ? AND operator = ?", "auth.login_failed", "carol").Count(&n)
	if n != 5 {
		t.Errorf("%d failed-login audit rows for carol, want 5", n)
	}
	if code, body := getWith(t, e.srv.URL+"/metrics", testHQ); code != 200 || !strings.Contains(body, `siyu_limited_total{kind="login"}`) {
		t.Errorf("metrics = %d, want siyu_limited_total{kind=\"login\"}", code)
	}
}

func getWith(t testing.TB, url, bearer string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestMetricsNeedAuth(t *testing.T) {
	e := newTestEnv(t, func(d *handlerDeps) { d.Auth.MetricsToken = "metrics-secret" })
	analyst := e.operator("erin", model.OpAnalyst, "")
	admin := e.operator("frank", model.OpAdmin, "")
	for _, tc := range []struct {
		name, bearer string
		want         int
	}{
		{"no auth", "", 401}, {"wrong token", "nope", 401}, {"metrics token", "metrics-secret", 200},
		{"bootstrap admin token", testHQ, 200}, {"admin key", admin, 200}, {"analyst key", analyst, 403},
	} {
		if code, _ := getWith(t, e.srv.URL+"/metrics", tc.bearer); code != tc.want {
			t.Errorf("/metrics with %s = %d, want %d", tc.name, code, tc.want)
		}
	}
}

func TestOperatorKeysAPI(t *testing.T) {
	e := newTestEnv(t)
	var op model.Operator
	if st := e.hq("POST", "/api/hq/operators", map[string]any{"username": "gina", "role": "analyst", "password": "short"}, nil); st != 400 {
		t.Errorf("weak password = %d, want 400", st)
	}
	if st := e.hq("POST", "/api/hq/operators", map[string]any{"username": "gina", "role": "analyst", "password": testPassword}, &op); st != 201 || op.ID == 0 {
		t.Fatalf("create = %d %+v", st, op)
	}
	if st := e.hq("POST", "/api/hq/operators", map[string]any{"username": "gina", "role": "analyst", "password": testPassword}, nil); st != 409 {
		t.Errorf("same username again = %d, want 409", st)
	}
	var key struct{ Key, Prefix string }
	if st := e.hq("POST", fmt.Sprintf("/api/hq/operators/%d/keys", op.ID), nil, &key); st != 201 || !strings.HasPrefix(key.Key, key.Prefix+"_") {
		t.Fatalf("new key = %d %+v", st, key)
	}
	var stored model.APIKey
	e.db.Where("prefix = ?", key.Prefix).Take(&stored)
	if strings.Contains(stored.Hash, key.Key) || stored.Hash == "" {
		t.Errorf("stored key %+v: want only a hash", stored)
	}
	if st := e.hqAs(key.Key, "GET", "/api/hq/scenes", nil, nil); st != 200 {
		t.Errorf("read with the analyst key = %d, want 200", st)
	}
	if st := e.hqAs(key.Key, "POST", "/api/hq/scenes", map[string]any{"scene": "x"}, nil); st != 403 {
		t.Errorf("write with the analyst key = %d, want 403", st)
	}
	if st := e.hq("DELETE", fmt.Sprintf("/api/hq/operators/%d/keys/%s", op.ID, key.Prefix), nil, nil); st != 200 {
		t.Errorf("revoke = %d", st)
	}
	if st := e.hqAs(key.Key, "GET", "/api/hq/scenes", nil, nil); st != 401 {
		t.Errorf("revoked key = %d, want 401", st)
	}
	// Disabling ends the account's keys and sessions.
	key2, _, _ := e.ops().CreateKey(context.Background(), op.ID, operators.Actor{})
	if st := e.hq("PUT", fmt.Sprintf("/api/hq/operators/%d", op.ID), map[string]any{"disabled": true}, nil); st != 200 {
		t.Errorf("disable = %d", st)
	}
	if st := e.hqAs(key2, "GET", "/api/hq/scenes", nil, nil); st != 401 {
		t.Errorf("key of a disabled operator = %d, want 401", st)
	}
	if st, _ := newConsole(t, e.srv.URL).login("gina", testPassword); st != 401 {
		t.Errorf("login of a disabled operator = %d, want 401", st)
	}
}

func mustURL(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	return u
}

// TestQueueDashboardSession: the dashboard takes an admin's console
// session; a write from another origin is refused, one from the
// dashboard's own page passes; an analyst only reads.
func TestQueueDashboardSession(t *testing.T) {
	e := newTestEnv(t, func(d *handlerDeps) { d.QueueDashboard = dashboardStub(t) })
	e.operator("qadmin", model.OpAdmin, "")
	e.operator("qanalyst", model.OpAnalyst, "")
	send := func(cs *console, method, origin string) int {
		req, _ := http.NewRequest(method, e.srv.URL+"/admin/queues/api/queues/default:pause", nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, err := cs.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	admin := newConsole(t, e.srv.URL)
	admin.login("qadmin", testPassword)
	if st := send(admin, "GET", ""); st != 200 {
		t.Errorf("admin session GET = %d, want 200", st)
	}
	if st := send(admin, "POST", "https://evil.example"); st != 403 {
		t.Errorf("admin session POST from another origin = %d, want 403", st)
	}
	if st := send(admin, "POST", ""); st != 403 {
		t.Errorf("admin session POST without Origin or CSRF token = %d, want 403", st)
	}
	if st := send(admin, "POST", e.srv.URL); st != 200 {
		t.Errorf("admin session POST from the dashboard's origin = %d, want 200", st)
	}
	analyst := newConsole(t, e.srv.URL)
	analyst.login("qanalyst", testPassword)
	if st := send(analyst, "GET", ""); st != 200 {
		t.Errorf("analyst GET = %d, want 200 (read-only view)", st)
	}
	if st := send(analyst, "POST", e.srv.URL); st != 403 {
		t.Errorf("analyst POST = %d, want 403", st)
	}
}

// TestWeComQRLogin: an operator bound to a WeCom userid signs in by
// scanning WeCom's login QR code: the login page learns the way exists,
// the browser goes to WeCom's page (the fake upstream plays the scan and
// sends it back with a code) and lands in the console signed in. A state
// this browser did not start, a state used twice and an unbound userid
// all send it back to the login page with the reason in Chinese.
func TestWeComQRLogin(t *testing.T) {
	e := newTestEnv(t)
	if _, err := e.ops().CreateOperator(context.Background(), operators.NewOperator{Username: "hq_wang", Role: model.OpOperator,
		Password: testPassword, WeComUserID: "wang"}, operators.Actor{}); err != nil {
		t.Fatal(err)
	}
	cs := newConsole(t, e.srv.URL)
	cs.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	var opts struct {
		WeComQR bool `json:"wecom_qr"`
	}
	if st, _ := cs.do("GET", "/api/auth/options", nil, false, &opts); st != 200 || !opts.WeComQR {
		t.Fatalf("options = %d %+v, want wecom_qr", st, opts)
	}
	// scan opens WeCom's login page for a new state and returns where
	// WeCom sends the browser back (the callback with code and state).
	scan := func(userID string) string {
		t.Helper()
		var out struct{ URL string }
		if st, _ := cs.do("GET", "/api/auth/wecom/start", nil, false, &out); st != 200 || !strings.Contains(out.URL, "/wwlogin/sso/login?") {
			t.Fatalf("start = %d %q", st, out.URL)
		}
		e.up.SetWeComLoginUser(userID)
		resp, err := cs.c.Get(out.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		back, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || back.Path != "/api/auth/wecom/callback" || back.Query().Get("code") == "" {
			t.Fatalf("WeCom's page sent the browser to %q", resp.Header.Get("Location"))
		}
		return back.RequestURI()
	}
	refused := func(path, want string) {
		t.Helper()
		st, hdr := cs.do("GET", path, nil, false, nil)
		loc, _ := url.Parse(hdr.Get("Location"))
		if st != http.StatusFound || loc == nil || loc.Path != "/console/login" || !strings.Contains(loc.Query().Get("wecom_error"), want) {
			t.Errorf("callback %s = %d %q, want back to the login page with %q", path, st, hdr.Get("Location"), want)
		}
		if strings.Contains(strings.Join(hdr.Values("Set-Cookie"), "\n"), "siyu_hq=") {
			t.Errorf("callback %s set a session", path)
		}
	}
	forged := scan("wang")
	refused(strings.Replace(forged, "state=", "state=forged", 1), "state 不匹配")
	refused(scan("stranger"), "未绑定")
	good := scan("wang")
	st, hdr := cs.do("GET", good, nil, false, nil)
	if st != http.StatusFound || hdr.Get("Location") != "/console/" || !strings.Contains(strings.Join(hdr.Values("Set-Cookie"), "\n"), "siyu_hq=") {
		t.Fatalf("callback = %d %q %q, want a redirect to the console with the session", st, hdr.Get("Location"), hdr.Values("Set-Cookie"))
	}
	var me loginOut
	if st, _ := cs.do("GET", "/api/auth/me", nil, false, &me); st != 200 || me.Operator.Username != "hq_wang" || me.CSRFToken == "" {
		t.Errorf("me after the WeCom login = %d %+v", st, me)
	}
	refused(good, "state 不匹配") // the state was used once
	if n := e.count(&model.AuditEntry{}, "action = ? AND operator = ?", "auth.login_wecom", "hq_wang"); n != 1 {
		t.Errorf("%d auth.login_wecom entries, want 1", n)
	}
}

// TestWeComQRLoginNotConfigured: without the WeCom app the login page is
// told not to offer the QR button, and the start says what to configure.
func TestWeComQRLoginNotConfigured(t *testing.T) {
	e := newTestEnv(t, func(d *handler.Deps) { d.SidebarWeCom = nil })
	cs := newConsole(t, e.srv.URL)
	var opts struct {
		WeComQR *bool `json:"wecom_qr"`
	}
	if st, _ := cs.do("GET", "/api/auth/options", nil, false, &opts); st != 200 || opts.WeComQR == nil || *opts.WeComQR {
		t.Errorf("options = %d %+v, want wecom_qr false", st, opts)
	}
	var out struct {
		Error struct{ Message string }
	}
	if st, _ := cs.do("GET", "/api/auth/wecom/start", nil, false, &out); st != http.StatusServiceUnavailable || !strings.Contains(out.Error.Message, "SIYU_WECOM_AGENT_SECRET") {
		t.Errorf("start = %d %+v, want 503 naming what to configure", st, out)
	}
}

// dashboardStub stands in for the queue dashboard: it answers "dashboard".
func dashboardStub(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := w.Write([]byte("dashboard")); err != nil {
			t.Errorf("dashboard: %v", err)
		}
	})
}
