package wx_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/siyu/siyu/wx"
	"github.com/siyu/siyu/wx/wxtest"
)

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  wx.Config
		want string // substring of the error; "" for success
	}{
		{"empty is fine", wx.Config{}, ""},
		{"OA only", wx.Config{WeChatAppID: "wx1", WeChatSecret: "s"}, ""},
		{"OA without secret", wx.Config{WeChatAppID: "wx1"}, "WeChatSecret"},
		{"corp without secrets", wx.Config{WeComCorpID: "ww1"}, "WeComAgentSecret"},
		{"contact secret only", wx.Config{WeComCorpID: "ww1", WeComContactSecret: "c"}, ""},
		{"agent id not numeric", wx.Config{WeComCorpID: "ww1", WeComAgentSecret: "a", WeComAgentID: "x"}, "numeric"},
		{"relative base", wx.Config{WeChatAPIBase: "/api"}, "WeChatAPIBase"},
		{"ftp base", wx.Config{WeComAPIBase: "ftp://host"}, "WeComAPIBase"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := wx.New(tt.cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("New error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestUnconfiguredPlatformReturnsErrNotConfigured(t *testing.T) {
	c, srv := newClient(t, func(cfg *wx.Config) {
		cfg.WeComCorpID, cfg.WeComAgentSecret, cfg.WeComContactSecret = "", "", ""
	})
	ctx := ctxT(t)
	checks := map[string]error{
		"MarkTag":       c.MarkTag(ctx, "u", "e", []string{"t"}, nil),
		"SendAppText":   c.SendAppText(ctx, []string{"u"}, "hi"),
		"SendWelcome":   c.SendWelcomeMsg(ctx, "code", "hi"),
		"DelContactWay": c.DelContactWay(ctx, "cfg"),
	}
	_, checks["EnsureCorpTag"] = c.EnsureCorpTag(ctx, "g", "n")
	_, checks["JSAPITicket"] = c.JSAPITicket(ctx)
	_, checks["OAuthUserID"] = c.OAuthUserID(ctx, "code_x")
	for name, err := range checks {
		if !errors.Is(err, wx.ErrNotConfigured) {
			t.Errorf("%s error = %v, want ErrNotConfigured", name, err)
		}
	}
	if n := srv.CallCount(wcTokenPath); n != 0 {
		t.Errorf("unconfigured WeCom fetched %d tokens", n)
	}
	// The Official Account side still works.
	if _, err := c.GetUser(ctx, "o1"); err != nil {
		t.Fatalf("GetUser: %v", err)
	}
}

// Two Clients with different bases in one process: each one's calls and
// token fetches go to its own server, because the URI modifier routes token
// URLs by app id.
func TestBaseURLsPerClient(t *testing.T) {
	srvA, srvB := wxtest.NewServer(t), wxtest.NewServer(t)
	cfgA := testConfig(t, srvA)
	cfgB := testConfig(t, srvB)
	cfgB.WeChatAppID, cfgB.WeComCorpID = cfgA.WeChatAppID+"_b", cfgA.WeComCorpID+"_b"
	a, err := wx.New(cfgA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := wx.New(cfgB) // registered last: would win for unrouted URLs
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	if _, err := a.GetUser(ctx, "o1"); err != nil {
		t.Fatalf("a.GetUser: %v", err)
	}
	if _, err := a.ListUsers(ctx, 1); err != nil {
		t.Fatalf("a.ListUsers: %v", err)
	}
	if _, err := b.GetUser(ctx, "o1"); err != nil {
		t.Fatalf("b.GetUser: %v", err)
	}
	for name, srv := range map[string]*wxtest.Server{"A": srvA, "B": srvB} {
		if n := srv.CallCount(oaTokenPath); n != 1 {
			t.Errorf("server %s: %d OA token fetches, want 1", name, n)
		}
		if n := srv.CallCount("/cgi-bin/user/info"); n != 1 {
			t.Errorf("server %s: %d user/info calls, want 1", name, n)
		}
	}
	wantCalls(t, srvA, map[string]int{wcTokenPath: 1, "/cgi-bin/user/simplelist": 1})
	wantCalls(t, srvB, map[string]int{wcTokenPath: 0})
}

// Bases may carry a path prefix (a reverse proxy) and a trailing slash.
func TestBaseURLWithPathPrefix(t *testing.T) {
	srv := wxtest.NewServer(t)
	proxy := httptest.NewServer(http.StripPrefix("/wechat", srv))
	t.Cleanup(proxy.Close)
	cfg := testConfig(t, srv)
	cfg.WeChatAPIBase = proxy.URL + "/wechat/"
	c, err := wx.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetUser(ctxT(t), "o1"); err != nil {
		t.Fatalf("GetUser through prefix: %v", err)
	}
	wantCalls(t, srv, map[string]int{oaTokenPath: 1, "/cgi-bin/user/info": 1})
}

func TestTokensSharedThroughRedis(t *testing.T) {
	srv := wxtest.NewServer(t)
	rdb := newRedis(t)
	cfg := testConfig(t, srv)
	cfg.Redis = rdb
	ctx := ctxT(t)
	for i := range 2 {
		c, err := wx.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetUser(ctx, "o1"); err != nil {
			t.Fatalf("client %d GetUser: %v", i, err)
		}
		if _, err := c.GetExternalContact(ctx, "wm1"); err != nil {
			t.Fatalf("client %d GetExternalContact: %v", i, err)
		}
		if _, err := c.ListUsers(ctx, 1); err != nil {
			t.Fatalf("client %d ListUsers: %v", i, err)
		}
	}
	wantCalls(t, srv, map[string]int{oaTokenPath: 1, wcTokenPath: 2}) // contact + agent
	keys, err := rdb.Keys(ctx, "siyu:wx:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 {
		t.Errorf("redis keys = %v, want 3 tokens under siyu:wx:", keys)
	}
}

// The contact secret's token is used for customer-contact APIs and the
// agent's for app APIs; without a contact secret the agent's serves both.
func TestTokenPerSecret(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	if _, err := c.GetExternalContact(ctx, "wm1"); err != nil {
		t.Fatal(err)
	}
	if err := c.SendAppText(ctx, []string{"guide01"}, "hi"); err != nil {
		t.Fatal(err)
	}
	if got := tokenOwner(t, srv, "/cgi-bin/externalcontact/get"); got != "contactsecret" {
		t.Errorf("externalcontact/get used %s's token, want contactsecret", got)
	}
	if got := tokenOwner(t, srv, "/cgi-bin/message/send"); got != "agentsecret" {
		t.Errorf("message/send used %s's token, want agentsecret", got)
	}

	c2, srv2 := newClient(t, func(cfg *wx.Config) { cfg.WeComContactSecret = "" })
	if _, err := c2.GetExternalContact(ctx, "wm1"); err != nil {
		t.Fatal(err)
	}
	if got := tokenOwner(t, srv2, "/cgi-bin/externalcontact/get"); got != "agentsecret" {
		t.Errorf("without contact secret, externalcontact/get used %s's token", got)
	}
}
