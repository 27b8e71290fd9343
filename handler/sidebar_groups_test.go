package handler_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/siyu/siyu/wx"
)

// wxGroupStub is the JS-SDK of a sidebar opened from a customer group's
// toolbar: the chat is group wr_side.
var wxGroupStub = sidebarWXStub("group_chat_tools", "if (name === 'getCurExternalChat') r.chatId = 'wr_side';")

// seedSideGroup puts group wr_side (owner g_sh_1, with Alice, who is a
// member with 120 points, and a customer who is not a member yet) in the
// database as groupchat/get would.
func seedSideGroup(t *testing.T, e *sidebarEnv) {
	t.Helper()
	now := time.Now().Unix()
	_, err := e.deps.Groups.Reconcile(context.Background(), "wwcorp", wx.GroupChat{ChatID: "wr_side", Name: "上海一店福利群", Owner: "g_sh_1",
		Members: []wx.GroupChatMember{
			{UserID: "g_sh_1", Type: 1, JoinTime: now},
			{UserID: "wm_alice", Type: 2, JoinTime: now, JoinScene: 3, Name: "Alice"},
			{UserID: "wm_newbie", Type: 2, JoinTime: now, JoinScene: 1, Invitor: "g_sh_1", Name: "小新"},
		}})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSidebarGroupAccess: the group's owner and the store's manager see
// it; another guide and another store's manager get 403, as for a group
// Siyu does not know.
func TestSidebarGroupAccess(t *testing.T) {
	e := newSidebarEnv(t)
	seedSideGroup(t, e)
	for user, want := range map[string]int{"g_sh_1": 200, "m_sh": 200, "g_sh_2": 403, "m_bj": 403} {
		var got map[string]any
		if code := call(t, e.guideClient(user), "GET", e.srv.URL+"/api/sidebar/groups/wr_side", "", &got); code != want {
			t.Errorf("%s reads the group: %d %v, want %d", user, code, got, want)
		}
	}
	if code := call(t, e.guideClient("g_sh_1"), "GET", e.srv.URL+"/api/sidebar/groups/wr_unknown", "", nil); code != 403 {
		t.Errorf("unknown group = %d, want 403", code)
	}
}

// TestSidebarGroupInBrowser opens the sidebar from a group's toolbar in
// headless Chromium: the group panel shows the name, owner, size and
// week's joins, Alice as a member with her points and the newcomer as not
// yet a member; a script is sent to the group. It saves a screenshot.
func TestSidebarGroupInBrowser(t *testing.T) {
	chrome := chromiumPath(t)
	e := newSidebarEnv(t)
	seedSideGroup(t, e)
	var sg struct{ ID int64 }
	if st := e.hq("POST", "/api/hq/script-groups", map[string]any{"name": "社群"}, &sg); st != 201 {
		t.Fatalf("script group = %d", st)
	}
	if st := e.hq("POST", "/api/hq/scripts", map[string]any{"group_id": sg.ID, "title": "入会邀请", "content": "{{称呼}}好，回复「会员」即可入会领积分～"}, nil); st != 201 {
		t.Fatalf("script = %d", st)
	}
	ctx := openChromium(t, chrome)
	var name, owner, size, joins, membersText, prospects string
	var sent []map[string]any
	err := chromedp.Run(ctx,
		chromedp.EmulateViewport(390, 844),
		openSidebar(e.srv.URL, wxGroupStub),
		chromedp.Poll(`!document.getElementById('app').hidden && document.body.classList.contains('group-mode')`, nil, chromedp.WithPollingTimeout(15*time.Second)),
		chromedp.Text("#gname", &name, chromedp.ByID), chromedp.Text("#gowner", &owner, chromedp.ByID),
		chromedp.Text("#gsize", &size, chromedp.ByID), chromedp.Text("#gjoins", &joins, chromedp.ByID),
		chromedp.Text("#gmembers", &membersText, chromedp.ByID), chromedp.Text("#gprospects", &prospects, chromedp.ByID),
		chromedp.Poll(`document.querySelectorAll('#scripts li[data-script]').length === 1`, nil),
		chromedp.Click(`#scripts li[data-script]`, chromedp.ByQuery),
		chromedp.Poll(`window.__sent.length === 1`, nil), chromedp.Evaluate(`window.__sent`, &sent),
	)
	if err != nil {
		t.Fatalf("the sidebar did not show the group: %v\npage: %s", err, pageText(ctx))
	}
	if name != "上海一店福利群" || !strings.Contains(owner, "小王") || size != "3" || joins != "3" {
		t.Errorf("group panel: name %q owner %q size %q joins %q", name, owner, size, joins)
	}
	if !strings.Contains(membersText, "Alice") || !strings.Contains(membersText, "120 积分") || strings.Contains(membersText, "小新") {
		t.Errorf("members panel = %q, want Alice with 120 points only", membersText)
	}
	if !strings.Contains(prospects, "小新") {
		t.Errorf("prospects = %q, want 小新 as not yet a member", prospects)
	}
	if text, _ := sent[0]["text"].(map[string]any); !strings.Contains(text["content"].(string), "入会") {
		t.Errorf("sent to the group: %v", sent)
	}
	var visible bool
	if err := chromedp.Run(ctx, chromedp.Evaluate(`getComputedStyle(document.getElementById('tags').closest('section')).display !== 'none'`, &visible)); err != nil || visible {
		t.Errorf("the one-customer tag panel is visible in a group chat (%v)", err)
	}
	var shot []byte
	if err := chromedp.Run(ctx, chromedp.Evaluate(`window.scrollTo(0, 0)`, nil), chromedp.CaptureScreenshot(&shot)); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sidebar_group.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
}
