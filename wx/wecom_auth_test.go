package wx_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/siyu/siyu/wx"
)

func TestOAuthUserID(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	uid, err := c.OAuthUserID(ctx, "code_guide01")
	if err != nil || uid != "guide01" {
		t.Fatalf("OAuthUserID = %q, %v; want guide01", uid, err)
	}
	if q := srv.Calls("/cgi-bin/auth/getuserinfo")[0].Query; q.Get("code") != "code_guide01" {
		t.Errorf("query = %v", q)
	}
	if got := tokenOwner(t, srv, "/cgi-bin/auth/getuserinfo"); got != "agentsecret" {
		t.Errorf("auth/getuserinfo used %s's token, want the agent's", got)
	}

	_, err = c.OAuthUserID(ctx, "code_guide01") // codes are single-use
	wantErrCode(t, err, 40029)

	if _, err := c.OAuthUserID(ctx, "openid_o1"); !errors.Is(err, wx.ErrNotMember) {
		t.Errorf("non-member code: err = %v, want ErrNotMember", err)
	}
}

func TestJSAPITicketsAreCached(t *testing.T) {
	rdb := newRedis(t)
	c, srv := newClient(t, func(cfg *wx.Config) { cfg.Redis = rdb })
	ctx := ctxT(t)
	corp, err := c.JSAPITicket(ctx)
	if err != nil || corp == "" {
		t.Fatalf("JSAPITicket = %q, %v", corp, err)
	}
	agent, err := c.AgentJSAPITicket(ctx)
	if err != nil || agent == "" || agent == corp {
		t.Fatalf("AgentJSAPITicket = %q, %v (corp ticket %q)", agent, err, corp)
	}
	if q := srv.Calls("/cgi-bin/ticket/get")[0].Query; q.Get("type") != "agent_config" {
		t.Errorf("ticket/get query = %v", q)
	}

	// Same instance and another instance on the same Redis: from the cache.
	cfg := testConfig(t, srv)
	cfg.Redis = rdb
	other, err := wx.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, cl := range []*wx.Client{c, other} {
		if got, err := cl.JSAPITicket(ctx); err != nil || got != corp {
			t.Errorf("cached JSAPITicket = %q, %v; want %q", got, err, corp)
		}
		if got, err := cl.AgentJSAPITicket(ctx); err != nil || got != agent {
			t.Errorf("cached AgentJSAPITicket = %q, %v; want %q", got, err, agent)
		}
	}
	wantCalls(t, srv, map[string]int{"/cgi-bin/get_jsapi_ticket": 1, "/cgi-bin/ticket/get": 1, wcTokenPath: 1})
	ttl, err := rdb.TTL(ctx, "siyu:wx:wecom_jsapi_ticket:"+cfg.WeComCorpID+":1000002").Result()
	if err != nil || ttl <= 0 || ttl > 7200e9 {
		t.Errorf("ticket TTL = %v, %v; want set and below 2h", ttl, err)
	}
}

func TestListUsers(t *testing.T) {
	c, srv := newClient(t)
	users, err := c.ListUsers(ctxT(t), 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []wx.WeComUser{
		{UserID: "guide01", Name: "导购一", Department: []int{1, 2}},
		{UserID: "guide02", Name: "导购二", Department: []int{1, 3}},
		{UserID: "hq01", Name: "总部运营", Department: []int{1}},
	}
	if diff := cmp.Diff(want, users); diff != "" {
		t.Errorf("ListUsers (-want +got):\n%s", diff)
	}
	q := srv.Calls("/cgi-bin/user/simplelist")[0].Query
	if q.Get("department_id") != "1" || q.Get("fetch_child") != "1" {
		t.Errorf("query = %v", q)
	}
	srv.FailNext("/cgi-bin/user/simplelist", 1, 60011)
	_, err = c.ListUsers(ctxT(t), 9)
	wantErrCode(t, err, 60011)
}
