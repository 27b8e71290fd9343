package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx/wxtest"
)

// TestMemberCentreEndToEnd starts `siyu serve` wired to the fake upstream:
// the embedded page is served at /m/, a member signs in through web
// authorisation, checks in on the page, and the chat (through `siyu
// simulate`) then says today's check-in is done.
func TestMemberCentreEndToEnd(t *testing.T) {
	up := wxtest.NewServer(t)
	_, prefix := taskstest.NewRedis(t)
	addr := freeAddr(t)
	base := "http://" + addr
	env := map[string]string{
		"SIYU_HTTP_ADDR": addr, "SIYU_DATA_DIR": t.TempDir(), "SIYU_MYSQL_DSN": modeltest.DSN(t),
		"SIYU_REDIS_URL": os.Getenv("TEST_REDIS_URL"), "SIYU_REDIS_PREFIX": prefix, "SIYU_PUBLIC_URL": base,
		"SIYU_WECHAT_APPID": "wx_member_e2e", "SIYU_WECHAT_SECRET": "oasecret", "SIYU_WECHAT_TOKEN": "e2e-token",
		"SIYU_WECHAT_API_BASE": up.URL(), "SIYU_LOG_LEVEL": "warn",
	}
	getenv := func(k string) string { return env[k] }
	serveReady(t, env)

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	page := browse(t, browser, base+"/m/")
	if !strings.Contains(page, "<title>会员中心</title>") || !strings.Contains(page, "/m/assets/") {
		t.Fatalf("/m/ serves %q", page)
	}
	if resp, err := browser.Get(base + "/api/m/me"); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("/api/m/me before sign-in: %v %v", resp.StatusCode, err)
	}
	up.SetBrowserOpenID("o_e2e_member")
	browse(t, browser, base+"/api/m/oauth/start?next="+url.QueryEscape("/m/#/checkin"))
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.Unmarshal([]byte(browse(t, browser, base+"/api/m/me")), &me); err != nil || me.CSRF == "" {
		t.Fatalf("after sign-in /api/m/me: %v", err)
	}
	req, _ := http.NewRequest("POST", base+"/api/m/checkins", nil)
	req.Header.Set("X-CSRF-Token", me.CSRF)
	resp, err := browser.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("check-in on the page: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"simulate", "--url", base, "--openid", "o_e2e_member", "--plain", "text", "签到"}, getenv, &out, &out); err != nil {
		t.Fatalf("simulate: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "今天已经签到过了") {
		t.Errorf("签到 in the chat after the page: %s", out.String())
	}
}

// TestOAMenu sets the default menu and one from a file through the fake
// menu API.
func TestOAMenu(t *testing.T) {
	up := wxtest.NewServer(t)
	env := map[string]string{"SIYU_WECHAT_APPID": "wx_menu_test", "SIYU_WECHAT_SECRET": "s", "SIYU_WECHAT_API_BASE": up.URL(),
		"SIYU_PUBLIC_URL": "https://siyu.example.com", "SIYU_DATA_DIR": t.TempDir()}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"oa", "menu"}, getenv, &out, &out); err != nil {
		t.Fatalf("oa menu: %v\n%s", err, out.String())
	}
	var menu struct {
		Button []struct{ Type, Name, Key, URL string } `json:"button"`
	}
	if err := json.Unmarshal(up.Menu(), &menu); err != nil || len(menu.Button) != 3 {
		t.Fatalf("menu sent = %s", up.Menu())
	}
	if b := menu.Button; b[0].Key != "CHECKIN" || b[1].URL != "https://siyu.example.com/m/" || b[2].Name != "积分商城" {
		t.Errorf("default menu = %+v", b)
	}
	file := filepath.Join(t.TempDir(), "menu.json")
	if err := os.WriteFile(file, []byte(`{"button":[{"type":"click","name":"签到","key":"CHECKIN"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"oa", "menu", "--file", file}, getenv, &out, &out); err != nil {
		t.Fatalf("oa menu --file: %v", err)
	}
	if !strings.Contains(string(up.Menu()), `"name":"签到"`) || strings.Contains(string(up.Menu()), "会员中心") {
		t.Errorf("menu from file = %s", up.Menu())
	}
	if err := os.WriteFile(file, []byte(`{"button":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"oa", "menu", "--file", file}, getenv, &out, &out); err == nil {
		t.Error("an empty menu file was accepted")
	}
}

func browse(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d: %s", u, resp.StatusCode, b)
	}
	return string(b)
}
