package wx_test

import (
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/siyu/siyu/wx"
)

const (
	tagListPath = "/cgi-bin/externalcontact/get_corp_tag_list"
	addTagPath  = "/cgi-bin/externalcontact/add_corp_tag"
)

func TestGetExternalContact(t *testing.T) {
	c, srv := newClient(t)
	gold := srv.AddCorpTag("level", "gold")
	want := wx.ExternalContact{
		ExternalUserID: "wmABC", Name: "李雷", Avatar: "http://wx.qlogo.cn/a", UnionID: "oUnion1", Type: 1,
		FollowUsers: []wx.FollowUser{
			{UserID: "guide01", Remark: "老客", State: "store_7", CreateTime: 1700000000, TagIDs: []string{gold},
				Tags: []wx.CorpTag{{ID: gold, Name: "gold", GroupName: "level"}}},
			{UserID: "guide02", CreateTime: 1700000100},
		},
	}
	srv.SetExternalContact(want)
	got, err := c.GetExternalContact(ctxT(t), "wmABC")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GetExternalContact (-want +got):\n%s", diff)
	}
	if q := srv.Calls("/cgi-bin/externalcontact/get")[0].Query; q.Get("external_userid") != "wmABC" {
		t.Errorf("query = %v", q)
	}
}

func TestGetExternalContactFollowsCursor(t *testing.T) {
	c, srv := newClient(t)
	srv.SetResponse("/cgi-bin/externalcontact/get", map[string]any{
		"errcode": 0, "errmsg": "ok",
		"external_contact": map[string]any{"external_userid": "wm1", "name": "n", "type": 1},
		"follow_user":      []map[string]any{{"userid": "g1"}},
		"next_cursor":      "page2",
	})
	// The override answers every page with the same cursor: the client
	// follows it once, then stops because it repeats.
	got, err := c.GetExternalContact(ctxT(t), "wm1")
	if err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls("/cgi-bin/externalcontact/get")
	if len(calls) != 2 || calls[1].Query.Get("cursor") != "page2" {
		t.Fatalf("calls = %d, second cursor %q; want 2 calls, cursor page2", len(calls), calls[len(calls)-1].Query.Get("cursor"))
	}
	if len(got.FollowUsers) != 2 {
		t.Errorf("follow users = %d, want one per page", len(got.FollowUsers))
	}
}

func TestEnsureCorpTag(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	gold, err := c.EnsureCorpTag(ctx, "会员等级", "金卡")
	if err != nil {
		t.Fatal(err)
	}
	wantBody(t, srv, addTagPath, `{"group_name":"会员等级","tag":[{"name":"金卡"}]}`)
	wantBody(t, srv, tagListPath, `{"tag_id":[],"group_id":[]}`)

	// Second tag in the now-existing group: addressed by group id.
	silver, err := c.EnsureCorpTag(ctx, "会员等级", "银卡")
	if err != nil {
		t.Fatal(err)
	}
	body := lastBody(t, srv, addTagPath)
	if body["group_id"] == nil || body["group_name"] != nil {
		t.Errorf("add_corp_tag into existing group sent %v, want group_id only", body)
	}
	if gold == silver || gold == "" {
		t.Errorf("ids %q, %q", gold, silver)
	}

	// Cached: no more calls.
	if again, err := c.EnsureCorpTag(ctx, "会员等级", "金卡"); err != nil || again != gold {
		t.Fatalf("cached EnsureCorpTag = %q, %v; want %q", again, err, gold)
	}
	wantCalls(t, srv, map[string]int{tagListPath: 2, addTagPath: 2})

	// A tag an operator made is found by listing; listing caches its siblings.
	store7 := srv.AddCorpTag("门店", "store_7")
	store8 := srv.AddCorpTag("门店", "store_8")
	if got, err := c.EnsureCorpTag(ctx, "门店", "store_7"); err != nil || got != store7 {
		t.Fatalf("EnsureCorpTag(existing) = %q, %v; want %q", got, err, store7)
	}
	if got, err := c.EnsureCorpTag(ctx, "门店", "store_8"); err != nil || got != store8 {
		t.Fatalf("EnsureCorpTag(sibling) = %q, %v; want %q", got, err, store8)
	}
	wantCalls(t, srv, map[string]int{tagListPath: 3, addTagPath: 2})
}

func TestEnsureCorpTagConcurrentCallersCreateOnce(t *testing.T) {
	rdb := newRedis(t)
	c1, srv := newClient(t, func(cfg *wx.Config) { cfg.Redis = rdb })
	cfg := testConfig(t, srv)
	cfg.Redis = rdb
	c2, err := wx.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := ctxT(t)
	if _, err := c1.GetExternalContact(ctx, "wm1"); err != nil { // warm the shared token
		t.Fatal(err)
	}
	ids := make([]string, 10)
	var wg sync.WaitGroup
	for i := range ids {
		c := c1
		if i%2 == 1 {
			c = c2
		}
		wg.Go(func() {
			id, err := c.EnsureCorpTag(ctx, "活动", "双十一")
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		})
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] || id == "" {
			t.Fatalf("ids = %v, want all equal", ids)
		}
	}
	// Two instances may both miss the cache; WeCom's 40071 makes the loser
	// list again, so the tag exists once.
	if n := srv.CallCount(addTagPath); n < 1 || n > 2 {
		t.Errorf("add_corp_tag called %d times, want 1 or 2", n)
	}
	wantCalls(t, srv, map[string]int{wcTokenPath: 1})
}

func TestEnsureCorpTagAfterDuplicateError(t *testing.T) {
	c, srv := newClient(t)
	srv.FailNext(addTagPath, 1, wx.CodeCorpTagExists)
	if _, err := c.EnsureCorpTag(ctxT(t), "g", "n"); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, srv, map[string]int{tagListPath: 2, addTagPath: 2})
}

func TestMarkTag(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	gold, silver := srv.AddCorpTag("level", "gold"), srv.AddCorpTag("level", "silver")
	if err := c.MarkTag(ctx, "guide01", "wm1", []string{gold, silver}, nil); err != nil {
		t.Fatal(err)
	}
	wantBody(t, srv, markTagPath, `{"userid":"guide01","external_userid":"wm1","add_tag":["`+gold+`","`+silver+`"]}`)
	if err := c.MarkTag(ctx, "guide01", "wm1", nil, []string{silver}); err != nil {
		t.Fatal(err)
	}
	wantBody(t, srv, markTagPath, `{"userid":"guide01","external_userid":"wm1","remove_tag":["`+silver+`"]}`)
	if diff := cmp.Diff([]string{gold}, srv.ContactTags("guide01", "wm1")); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if err := c.MarkTag(ctx, "guide01", "wm1", nil, nil); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, srv, map[string]int{markTagPath: 2})

	err := c.MarkTag(ctx, "guide01", "wm1", []string{"etNOPE"}, nil)
	wantErrCode(t, err, 40068)
	if wx.Retryable(err) {
		t.Error("Retryable(40068) = true")
	}
}

func TestSendWelcomeMsg(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	if err := c.SendWelcomeMsg(ctx, "WELCOME1", "欢迎！回复「签到」领积分"); err != nil {
		t.Fatal(err)
	}
	wantBody(t, srv, "/cgi-bin/externalcontact/send_welcome_msg",
		`{"welcome_code":"WELCOME1","text":{"content":"欢迎！回复「签到」领积分"}}`)
	err := c.SendWelcomeMsg(ctx, "WELCOME1", "again")
	if wx.ErrCode(err) == 0 || wx.Retryable(err) {
		t.Errorf("reused welcome code: err = %v, want a non-retryable *wx.Error", err)
	}
}

func TestContactWay(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	id, qr, err := c.AddContactWay(ctx, wx.ContactWay{
		Type: 1, Scene: 2, State: "store_7", Users: []string{"guide01"}, Remark: "7号店", SkipVerify: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if id == "" || qr == "" {
		t.Fatalf("AddContactWay = %q, %q", id, qr)
	}
	wantBody(t, srv, "/cgi-bin/externalcontact/add_contact_way",
		`{"type":1,"scene":2,"remark":"7号店","skip_verify":true,"state":"store_7","user":["guide01"]}`)
	if err := c.DelContactWay(ctx, id); err != nil {
		t.Fatal(err)
	}
	wantBody(t, srv, "/cgi-bin/externalcontact/del_contact_way", `{"config_id":"`+id+`"}`)

	bad := []wx.ContactWay{
		{Type: 3, Scene: 2, Users: []string{"a"}},
		{Type: 1, Scene: 2, Users: []string{"a", "b"}},
		{Type: 2, Scene: 2},
		{Type: 1, Scene: 5, Users: []string{"a"}},
		{Type: 1, Scene: 2, Users: []string{"a"}, State: "0123456789012345678901234567890"},
	}
	for _, w := range bad {
		if _, _, err := c.AddContactWay(ctx, w); err == nil {
			t.Errorf("AddContactWay(%+v) succeeded", w)
		}
	}
	wantCalls(t, srv, map[string]int{"/cgi-bin/externalcontact/add_contact_way": 1})
}
