package wx_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/siyu/siyu/wx"
)

// TestOAuthRoundTrip follows the browser through the fake's authorize page
// and exchanges the code it hands back, for both scopes; a used code fails.
func TestOAuthRoundTrip(t *testing.T) {
	c, srv := newClient(t)
	ctx := context.Background()
	srv.SetBrowserOpenID("o_alice")
	for _, scope := range []string{wx.ScopeBase, wx.ScopeUserInfo} {
		u, err := c.OAuthURL("https://siyu.example.com/api/m/oauth/callback?next=%2Fm%2F", scope, "st4te")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(u, srv.URL()+"/connect/oauth2/authorize?") || !strings.HasSuffix(u, "#wechat_redirect") {
			t.Fatalf("OAuthURL = %s", u)
		}
		noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.Get(strings.TrimSuffix(u, "#wechat_redirect"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		back, err := url.Parse(resp.Header.Get("Location"))
		if err != nil || back.Query().Get("state") != "st4te" || back.Query().Get("next") != "/m/" {
			t.Fatalf("authorize redirected to %q", resp.Header.Get("Location"))
		}
		user, err := c.ExchangeOAuthCode(ctx, back.Query().Get("code"))
		if err != nil {
			t.Fatalf("ExchangeOAuthCode(%s): %v", scope, err)
		}
		if user.OpenID != "o_alice" || user.Scope != scope {
			t.Errorf("%s: user = %+v", scope, user)
		}
		if got := user.Nickname != ""; got != (scope == wx.ScopeUserInfo) {
			t.Errorf("%s: nickname %q: want one only for userinfo", scope, user.Nickname)
		}
		if _, err := c.ExchangeOAuthCode(ctx, back.Query().Get("code")); wx.ErrCode(err) != 40029 {
			t.Errorf("a used code: err = %v, want 40029", err)
		}
	}
}

// TestOAJSAPITicketCached: the ticket is fetched once and then shared.
func TestOAJSAPITicketCached(t *testing.T) {
	c, srv := newClient(t)
	ctx := context.Background()
	a, err := c.OAJSAPITicket(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.OAJSAPITicket(ctx)
	if err != nil || a != b || a == "" {
		t.Fatalf("tickets %q, %q, err %v", a, b, err)
	}
	if n := srv.CallCount("/cgi-bin/ticket/getticket"); n != 1 {
		t.Errorf("getticket calls = %d, want 1", n)
	}
}

// TestCreateMenu sends the buttons as WeChat expects; a bad menu is refused.
func TestCreateMenu(t *testing.T) {
	c, srv := newClient(t)
	ctx := context.Background()
	menu := []wx.MenuButton{{Type: "click", Name: "签到", Key: "CHECKIN"}, {Type: "view", Name: "会员中心", URL: "https://siyu.example.com/m/"}}
	if err := c.CreateMenu(ctx, menu); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Button []wx.MenuButton `json:"button"`
	}
	if err := json.Unmarshal(srv.Menu(), &got); err != nil || len(got.Button) != 2 || got.Button[0].Key != "CHECKIN" {
		t.Fatalf("menu sent = %s (%v)", srv.Menu(), err)
	}
	if err := c.CreateMenu(ctx, []wx.MenuButton{{Type: "view", Name: "x", URL: "ftp://x"}}); wx.ErrCode(err) != 40055 {
		t.Errorf("bad url: err = %v, want 40055", err)
	}
}
