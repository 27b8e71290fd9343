package handler_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/siyu/siyu/model"
)

// wxStub stands in for WeCom's JS-SDK in the page of a one-customer chat
// with wm_alice.
var wxStub = sidebarWXStub("single_chat_tools", "if (name === 'getCurExternalContact') r.userId = 'wm_alice';")

// sidebarWXStub stands in for WeCom's JS-SDK in the page: config and
// agentConfig succeed, getContext answers entry, the line current names the
// open chat, and sendChatMessage records what the page sends in
// window.__sent.
func sidebarWXStub(entry, current string) string {
	return `
window.__sent = [];
window.wx = {
  config: function () {},
  ready: function (cb) { setTimeout(cb, 0); },
  error: function () {},
  agentConfig: function (o) { setTimeout(function () { o.success({}); }, 0); },
  invoke: function (name, args, cb) {
    var r = { err_msg: name + ':ok' };
    if (name === 'getContext') r.entry = '` + entry + `';
    ` + current + `
    if (name === 'sendChatMessage') window.__sent.push(args);
    setTimeout(function () { cb(r); }, 0);
  }
};`
}

// openSidebar opens the sidebar at base as guide g_sh_1 with the JS-SDK
// stub in the page before any page script. As WeCom's OAuth round trip
// does, the page's state comes back (the sidebar refuses a code without
// this browser's state).
func openSidebar(base, stub string) chromedp.Tasks {
	var state string
	return chromedp.Tasks{
		chromedp.ActionFunc(func(ctx context.Context) error {
			_, err := page.AddScriptToEvaluateOnNewDocument(stub).Do(ctx)
			return err
		}),
		chromedp.Navigate(base + "/api/sidebar/config"),
		chromedp.Evaluate(`JSON.parse(document.body.innerText).state`, &state),
		chromedp.ActionFunc(func(ctx context.Context) error {
			return chromedp.Navigate(base + "/sidebar/?code=code_g_sh_1&state=" + state).Do(ctx)
		}),
	}
}

// chromiumPath finds the browser: TEST_CHROMIUM (CI sets it, and the test
// then fails unless it names a Chromium that runs), else chromium on PATH,
// else the test skips.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TEST_CHROMIUM"); p != "" {
		checkChromium(t, p)
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium here; CI installs Debian's chromium and sets TEST_CHROMIUM")
	return ""
}

// checkChromium fails the test unless p is an executable that answers
// --version like Chromium.
func checkChromium(t *testing.T, p string) {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatalf("TEST_CHROMIUM=%s: %v", p, err)
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		t.Fatalf("TEST_CHROMIUM=%s: not an executable file (%s)", p, fi.Mode())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, p, "--version").CombinedOutput()
	if err != nil || !strings.Contains(strings.ToLower(string(out)), "chrom") {
		t.Fatalf("TEST_CHROMIUM=%s does not run: %v\n%s", p, err, out)
	}
}

// TestSidebarInBrowser opens the sidebar in headless Chromium, as a guide in
// a chat with Alice: the profile renders, a search finds a script, tapping
// it sends the filled-in text through sendChatMessage, and a tag added in the
// page reaches the database. It saves a 390×844 screenshot.
func TestSidebarInBrowser(t *testing.T) {
	chrome := chromiumPath(t)
	e := newSidebarEnv(t)
	seedSidebarBrowser(t, e)

	ctx := openChromium(t, chrome)

	var profileName, points, scriptsText string
	var sent []map[string]any
	err := chromedp.Run(ctx,
		chromedp.EmulateViewport(390, 844),
		openSidebar(e.srv.URL, wxStub),
	)
	if err == nil {
		err = chromedp.Run(ctx, chromedp.Poll(`!document.getElementById('app').hidden`, nil, chromedp.WithPollingTimeout(15*time.Second)))
	}
	if err != nil {
		t.Fatalf("the sidebar did not show the customer: %v\npage: %s", err, pageText(ctx))
	}
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			t.Fatalf("%s: %v\npage: %s", name, err, pageText(ctx))
		}
	}
	step("read the profile", chromedp.Text("#name", &profileName, chromedp.ByID), chromedp.Text("#points", &points, chromedp.ByID))
	step("search scripts", chromedp.SendKeys("#search", "积分", chromedp.ByID),
		chromedp.Poll(`document.querySelectorAll('#scripts li[data-script]').length === 1`, nil),
		chromedp.Text("#scripts", &scriptsText, chromedp.ByID))
	step("tap a script", chromedp.Click(`#scripts li[data-script]`, chromedp.ByQuery),
		chromedp.Poll(`window.__sent.length === 1`, nil), chromedp.Evaluate(`window.__sent`, &sent))
	step("add a tag", chromedp.SendKeys("#newtag", "高意向", chromedp.ByID), chromedp.Click(`#tagform button`, chromedp.ByQuery),
		chromedp.Poll(`!!document.querySelector('#tags .chip[data-tag="高意向"]')`, nil))
	step("issue a coupon", chromedp.WaitVisible("#issue", chromedp.ByID), chromedp.Click("#issuebtn", chromedp.ByID),
		chromedp.Poll(`document.querySelectorAll('#coupons li[data-coupon]').length === 1`, nil))
	step("clear the search",
		chromedp.Evaluate(`(function(s){ s.value = ''; s.dispatchEvent(new Event('input')); return true; })(document.getElementById('search'))`, nil),
		chromedp.Poll(`document.querySelectorAll('#scripts li[data-script]').length === 2`, nil))
	step("send the task's script", chromedp.Poll(`!document.getElementById('tasks').hidden && document.querySelectorAll('#tasklist li[data-item]').length === 1`, nil),
		chromedp.Click(`#tasklist button.send`, chromedp.ByQuery),
		chromedp.Poll(`window.__sent.length === 2 && document.getElementById('tasks').hidden`, nil))
	if n := e.count(&model.TaskItem{}, "status = ? AND guide_user_id = ?", model.ItemDone, "g_sh_1"); n != 1 {
		t.Errorf("task items done from the page = %d, want 1", n)
	}
	if profileName != "Alice" || points != "120" {
		t.Errorf("profile shows %q with %q points, want Alice with 120", profileName, points)
	}
	if !strings.Contains(scriptsText, "积分提醒") || strings.Contains(scriptsText, "问候") {
		t.Errorf("search for 积分 shows %q, want only 积分提醒", scriptsText)
	}
	if len(sent) != 1 {
		t.Fatalf("sendChatMessage calls = %v", sent)
	}
	text, _ := sent[0]["text"].(map[string]any)
	if got := text["content"]; got != "Alice，您有120积分可以兑换好礼哦" || sent[0]["msgtype"] != "text" {
		t.Errorf("sendChatMessage(%v), want the text with variables filled in", sent[0])
	}
	checkSidebarWrites(t, e)

	saveSidebarScreenshot(t, ctx)
}

// openChromium starts headless Chromium at a phone's size for at most a
// minute; it is closed when t ends.
func openChromium(t *testing.T, chrome string) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(390, 844))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(quietCDP(t)))
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)
	return ctx
}

// checkSidebarWrites checks what the page wrote: one manual tag, one coupon
// from the guide and one script use.
func checkSidebarWrites(t *testing.T, e *sidebarEnv) {
	t.Helper()
	if n := e.count(&model.MemberTag{}, "source = ? AND tag_id IN (SELECT id FROM tags WHERE name = ?)", model.TagSourceManual, "高意向"); n != 1 {
		t.Errorf("tag 高意向 rows = %d, want 1 (added in the page)", n)
	}
	if n := e.count(&model.Coupon{}, "source = ?", "guide"); n != 1 {
		t.Errorf("coupons issued by the guide = %d, want 1", n)
	}
	if n := e.count(&model.ScriptUsage{}); n != 1 {
		t.Errorf("script usage rows = %d, want 1", n)
	}
}

// saveSidebarScreenshot saves the page, scrolled to the top, as
// testdata/artifacts/sidebar.png.
func saveSidebarScreenshot(t *testing.T, ctx context.Context) {
	t.Helper()
	var shot []byte
	if err := chromedp.Run(ctx, chromedp.Evaluate(`window.scrollTo(0, 0)`, nil), chromedp.Sleep(100*time.Millisecond), chromedp.CaptureScreenshot(&shot)); err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := filepath.Join("testdata", "artifacts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sidebar.png"), shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", filepath.Join(dir, "sidebar.png"))
}

// seedSidebarBrowser gives the browser test two script groups, two scripts,
// a coupon template, Alice's scene tag and streak, and a dispatched task.
func seedSidebarBrowser(t *testing.T, e *sidebarEnv) {
	t.Helper()
	var g model.ScriptGroup
	setup := func(path string, body map[string]any, out any) {
		t.Helper()
		if st := e.hq("POST", path, body, out); st != 201 {
			t.Fatalf("POST %s = %d, want 201", path, st)
		}
	}
	setup("/api/hq/script-groups", map[string]any{"name": "开场白"}, &g)
	setup("/api/hq/script-groups", map[string]any{"name": "活动"}, nil)
	setup("/api/hq/scripts", map[string]any{"group_id": g.ID, "title": "问候", "content": "{{称呼}}您好，我是{{门店}}的{{导购}}～"}, nil)
	setup("/api/hq/scripts", map[string]any{"group_id": g.ID, "title": "积分提醒", "content": "{{称呼}}，您有{{积分}}积分可以兑换好礼哦"}, nil)
	setup("/api/hq/coupon-templates", map[string]any{"name": "到店礼", "kind": "gift", "gift": "咖啡一杯", "valid_days": 7, "guide_daily_quota": 5}, nil)
	var alice model.Member
	if err := e.db.Where("nickname = ?", "Alice").Take(&alice).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.db.Model(&alice).Updates(map[string]any{"first_scene": "store_sh001", "checkin_streak": 3}).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.tags.AddTags(context.Background(), alice.ID, []string{"门店:上海一店"}, model.TagSourceScene); err != nil {
		t.Fatal(err)
	}
	e.startWorker()
	setup("/api/hq/tasks", map[string]any{"title": "会员日邀约", "instructions": "邀请客户周六到店", "kind": "message",
		"content": "周六会员日，到店有礼～", "store_codes": []string{"sh001"}, "deadline": e.clock.Now().Add(48 * time.Hour), "dispatch": true}, nil)
	e.idle()
}

// TestSidebarOutsideWeCom: opened in a plain browser, the page says where
// to open it instead of breaking.
func TestSidebarOutsideWeCom(t *testing.T) {
	chrome := chromiumPath(t)
	e := newSidebarEnv(t)
	ctx := openChromium(t, chrome)
	var text string
	if err := chromedp.Run(ctx, chromedp.Navigate(e.srv.URL+"/sidebar/"), chromedp.WaitVisible("#outside", chromedp.ByID),
		chromedp.Text("#outside", &text, chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "企业微信") {
		t.Errorf("outside WeCom the page says %q", text)
	}
}

// quietCDP logs chromedp's errors to the test, leaving out the events this
// chromedp version cannot decode from a newer Chromium (harmless).
func quietCDP(t *testing.T) func(string, ...any) {
	return func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		if !strings.Contains(msg, "could not unmarshal event") {
			t.Log(msg)
		}
	}
}

// pageText is the page's visible text for a failure message, or why it could
// not be read.
func pageText(ctx context.Context) string {
	var body string
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.body.innerText`, &body)); err != nil {
		return "(page text unavailable: " + err.Error() + ")"
	}
	return body
}
