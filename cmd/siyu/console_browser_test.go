package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx/wxtest"
)

// consolePages are the console's pages with a text each must show once loaded.
// consolePage is a console route, its name for screenshots, and a text it
// shows once loaded.
type consolePage struct{ path, name, want string }

var consolePages = []consolePage{
	{"/console/overview", "overview", "RFM 分层"},
	{"/console/members", "members", "位会员"},
	{"/console/members/{member}", "member-drawer", "积分明细"},
	{"/console/tasks", "tasks", "春季新品邀约"},
	{"/console/tasks/new", "task-new", "覆盖客户"},
	{"/console/tasks/3", "task-detail", "执行报告"},
	{"/console/channels", "channels", "store_sh001"},
	{"/console/mall", "mall", "满200减30"},
	{"/console/scripts", "scripts", "加好友欢迎"},
	{"/console/stores", "stores", "上海南京西路店"},
	{"/console/system", "system", "操作员"},
}

func consoleChromium(t *testing.T) string {
	if p := os.Getenv("TEST_CHROMIUM"); p != "" {
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

// TestConsoleInBrowser populates a brand, serves it, signs in to the HQ
// console with the HQ token and opens every page in headless Chromium: each
// renders its content with no JavaScript error and no failed request.
// SIYU_CONSOLE_SHOTS=<dir> also saves a 1440×900 screenshot of each page.
func TestConsoleInBrowser(t *testing.T) {
	chrome := consoleChromium(t)
	base := startConsoleServer(t)
	bctx, rec := newConsoleBrowser(t, chrome)
	if err := chromedp.Run(bctx, network.Enable(), runtime.Enable(), chromedp.EmulateViewport(1440, 900),
		chromedp.Navigate(base+"/console/login"), chromedp.WaitVisible(`.login`, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("SIYU_CONSOLE_SHOTS")
	if shots != "" {
		shoot(t, bctx, filepath.Join(shots, "login.png"))
	}
	if err := chromedp.Run(bctx, chromedp.Evaluate(`sessionStorage.setItem('siyu.hq_token', 'console-token')`, nil)); err != nil {
		t.Fatal(err)
	}
	member := busiestMember(t, base)
	runFlow(func() { consoleWriteFlows(t, bctx, base) }) // first, so the screenshots show the new scene, its code and the reward's image
	runFlow(func() { consoleChatRedeemFlow(t, bctx, base) })
	for _, p := range consolePages {
		p.path = strings.Replace(p.path, "{member}", member, 1)
		if !checkConsolePage(t, bctx, rec, base, p) || shots == "" {
			continue
		}
		shoot(t, bctx, filepath.Join(shots, p.name+".png"))
		if p.name == "overview" { // the charts below the fold
			if err := chromedp.Run(bctx, chromedp.Evaluate(`document.querySelector('.el-main').scrollTop = 760`, nil), chromedp.Sleep(300*time.Millisecond)); err != nil {
				t.Errorf("scroll the overview: %v", err)
			}
			shoot(t, bctx, filepath.Join(shots, "overview-charts.png"))
		}
	}
	runFlow(func() { consoleInsightFlows(t, bctx, rec, base, shots) })
	seedLibrary(t, base)
	for _, p := range libraryPages {
		if checkConsolePage(t, bctx, rec, base, p) && shots != "" {
			shoot(t, bctx, filepath.Join(shots, p.name+".png"))
		}
	}
	consoleFlows(t, bctx, base, member)
	consoleNotifiedFlow(t, bctx)
	runFlow(func() { consoleWeComLoginFlow(t, bctx, base) })
	runFlow(func() { consoleRoleFlows(t, bctx, base) })
}

// startConsoleServer populates a brand (bigger when screenshots are taken)
// and serves it until the test ends; it returns the base URL.
func startConsoleServer(t *testing.T) string {
	t.Helper()
	_, prefix := taskstest.NewRedis(t)
	addr := freeAddr(t)
	env := map[string]string{
		"SIYU_HTTP_ADDR": addr, "SIYU_DATA_DIR": t.TempDir(), "SIYU_MYSQL_DSN": modeltest.DSN(t),
		"SIYU_REDIS_URL": os.Getenv("TEST_REDIS_URL"), "SIYU_REDIS_PREFIX": prefix, "SIYU_HQ_TOKEN": "console-token",
		"SIYU_LOG_LEVEL": "warn",
	}
	getenv := func(k string) string { return env[k] }
	members, days := "400", "45"
	if os.Getenv("SIYU_CONSOLE_SHOTS") != "" {
		members, days = "2000", "90"
	}
	if err := run(context.Background(), []string{"simulate", "populate", "--members", members, "--days", days}, getenv, io.Discard, os.Stderr); err != nil {
		t.Fatalf("populate: %v", err)
	}
	// The Official Account's API is the fake upstream, so the console can make QR codes.
	up := wxtest.NewServer(t)
	consoleUpstreamEnv(env, up.URL()) // and the WeCom app, so guides are notified and operators can scan to sign in
	return serveReady(t, env)
}

// pageProblems collects what went wrong on the page being checked:
// exceptions, console errors, failed and refused requests.
type pageProblems struct {
	mu   sync.Mutex
	list []string
}

func (p *pageProblems) add(msg ...string) {
	p.mu.Lock()
	p.list = append(p.list, msg...)
	p.mu.Unlock()
}

// take returns the problems so far and starts a new list.
func (p *pageProblems) take() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.list
	p.list = nil
	return out
}

// newConsoleBrowser starts headless Chromium at 1440×900 and records every
// page problem it reports.
func newConsoleBrowser(t *testing.T, chrome string) (context.Context, *pageProblems) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1440, 900))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	bctx, cancelB := chromedp.NewContext(allocCtx, chromedp.WithErrorf(func(format string, args ...any) {
		if msg := fmt.Sprintf(format, args...); !strings.Contains(msg, "could not unmarshal event") { // newer Chromium's enums
			t.Log(msg)
		}
	}))
	t.Cleanup(cancelB)
	rec := &pageProblems{}
	chromedp.ListenTarget(bctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			rec.add("exception: " + e.ExceptionDetails.Error())
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError {
				var parts []string
				for _, a := range e.Args {
					parts = append(parts, string(a.Value)+a.Description)
				}
				rec.add("console.error: " + strings.Join(parts, " "))
			}
		case *network.EventLoadingFailed:
			if !e.Canceled {
				rec.add("request failed: " + e.ErrorText)
			}
		case *network.EventResponseReceived:
			if e.Response.Status >= 400 {
				rec.add(fmt.Sprintf("HTTP %d %s", int(e.Response.Status), e.Response.URL))
			}
		}
	})
	return bctx, rec
}

// checkConsolePage opens one page and fails the test when its content does
// not render or anything went wrong on the way; it reports whether the
// page rendered.
func checkConsolePage(t *testing.T, bctx context.Context, rec *pageProblems, base string, p consolePage) bool {
	t.Helper()
	rec.take()
	load := func() error {
		pctx, cancelP := context.WithTimeout(bctx, 20*time.Second)
		defer cancelP()
		return chromedp.Run(pctx, chromedp.Navigate(base+p.path), chromedp.WaitReady("#app", chromedp.ByID),
			chromedp.Poll(fmt.Sprintf(`document.body.innerText.includes(%q) && !document.querySelector('.el-loading-mask:not([style*="display: none"])')`, p.want), nil),
			chromedp.Sleep(400*time.Millisecond)) // charts draw after their data
	}
	err := load()
	if err != nil && strings.Contains(err.Error(), "Cannot find context") { // the poll raced the new document
		err = load()
	}
	if err != nil {
		var body string
		_ = chromedp.Run(bctx, chromedp.Evaluate(`document.body.innerText`, &body)) // best effort: the text only explains the failure
		t.Errorf("%s: %v; page text: %.400s", p.path, err, body)
		return false
	}
	// Cross-check with the page's own resource timings: CDP events this
	// chromedp cannot decode would otherwise hide a failed request.
	var bad []string
	if err := chromedp.Run(bctx, chromedp.Evaluate(`performance.getEntriesByType('resource').filter(e => e.responseStatus >= 400).map(e => e.responseStatus + ' ' + e.name)`, &bad)); err != nil {
		t.Errorf("%s: resource timings: %v", p.path, err)
	}
	if problems := append(rec.take(), bad...); len(problems) > 0 {
		t.Errorf("%s: %s", p.path, strings.Join(problems, "; "))
	}
	return true
}

// consoleFlows drives two operator flows through the UI: a points
// adjustment with its reason (it lands in the member's ledger), and a task
// made in the wizard and dispatched, whose page follows the fan-out to
// every store.
func consoleFlows(t *testing.T, ctx context.Context, base, member string) {
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		var err error
		for try := 0; try < 2; try++ { // a query can lose the document it started on right after a navigation
			sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			err = chromedp.Run(sctx, actions...)
			cancel()
			if err == nil {
				return
			}
			t.Logf("%s: attempt %d: %v", name, try+1, err)
		}
		var body string
		_ = chromedp.Run(ctx, chromedp.Evaluate(`document.body.innerText`, &body)) // best effort: the text only explains the failure
		t.Fatalf("%s: %v; page text: %.600s", name, err, body)
	}
	button := func(text string) string { return fmt.Sprintf(`//button[normalize-space(.)=%q]`, text) }
	step("adjust points", chromedp.Navigate(base+"/console/members/"+member), chromedp.WaitReady("#app", chromedp.ByID),
		chromedp.WaitVisible(`.el-drawer input[placeholder^="原因"]`, chromedp.ByQuery),
		chromedp.SetValue(`.el-drawer .el-input-number input`, "", chromedp.ByQuery),
		chromedp.SendKeys(`.el-drawer .el-input-number input`, "88", chromedp.ByQuery),
		chromedp.SendKeys(`.el-drawer input[placeholder^="原因"]`, "浏览器测试补发", chromedp.ByQuery),
		chromedp.Click(button("确认调整"), chromedp.BySearch),
		chromedp.Poll(`document.querySelector('.el-drawer').innerText.includes('浏览器测试补发')`, nil))
	step("create and dispatch a task", chromedp.Navigate(base+"/console/tasks/new"), chromedp.WaitReady("#app", chromedp.ByID),
		chromedp.WaitVisible(`input[placeholder="如：双十一老客召回"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[placeholder="如：双十一老客召回"]`, "浏览器测试任务", chromedp.ByQuery),
		chromedp.SendKeys(`textarea[placeholder^="可用"]`, "周末到店有礼", chromedp.ByQuery),
		chromedp.Click(button("下一步"), chromedp.BySearch),
		chromedp.Click(button("下一步"), chromedp.BySearch),
		chromedp.Poll(`/覆盖客户[\s\S]*\d+\s*位/.test(document.body.innerText) && !document.body.innerText.includes('计算中')`, nil),
		chromedp.Click(button("创建并下发"), chromedp.BySearch),
		chromedp.Poll(`location.pathname.match(/\/console\/tasks\/\d+$/) && /([1-9]\d*) \/ \1 家门店/.test(document.body.innerText)`, nil,
			chromedp.WithPollingTimeout(15*time.Second)))
}

// busiestMember is the id of the member with the most points, for the drawer.
func busiestMember(t *testing.T, base string) string {
	req, _ := http.NewRequest("GET", base+"/api/hq/members?limit=500", nil)
	req.Header.Set("Authorization", "Bearer console-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Members []struct {
			ID     int64 `json:"id"`
			Points int64 `json:"points"`
		} `json:"members"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Members) == 0 {
		t.Fatalf("members: %v (%d)", err, len(out.Members))
	}
	best := out.Members[0]
	for _, m := range out.Members {
		if m.Points > best.Points {
			best = m
		}
	}
	return fmt.Sprint(best.ID)
}

func shoot(t *testing.T, ctx context.Context, file string) {
	var png []byte
	if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&png)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
