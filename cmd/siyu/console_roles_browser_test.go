package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// consoleStep runs actions with a deadline, once more when a query lost
// its document to a navigation, and fails the test with the page's text
// (the flow stops; the other checks still run).
func consoleStep(t *testing.T, ctx context.Context, name string, actions ...chromedp.Action) {
	t.Helper()
	var err error
	for try := 0; try < 2; try++ {
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err = chromedp.Run(sctx, actions...)
		cancel()
		if err == nil {
			return
		}
		t.Logf("%s: attempt %d: %v", name, try+1, err)
	}
	var body string
	_ = chromedp.Run(ctx, chromedp.Evaluate(`document.body.innerText`, &body)) // only for the message
	t.Errorf("%s: %v; page text: %.600s", name, err, body)
	panic(flowStopped{})
}

// flowStopped ends a browser flow after a failed step.
type flowStopped struct{}

// runFlow runs one browser flow; a failed step ends only that flow.
func runFlow(flow func()) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(flowStopped); !ok {
				panic(r)
			}
		}
	}()
	flow()
}

// consoleWriteFlows creates a scene in the UI and downloads its OA QR code
// as a PNG, and creates a reward with an image that then shows in the
// reward list.
func consoleWriteFlows(t *testing.T, ctx context.Context, base string) {
	button := func(text string) string { return fmt.Sprintf(`//button[normalize-space(.)=%q]`, text) }
	dir := t.TempDir()
	var dataURL string
	// Click only once the page's loading mask is gone: a click on the mask does nothing.
	idle := chromedp.Poll(`!document.querySelector('.el-loading-mask:not([style*="display: none"])')`, nil)
	consoleStep(t, ctx, "create a scene", chromedp.Navigate(base+"/console/channels"), chromedp.WaitReady("#app", chromedp.ByID),
		chromedp.WaitVisible(button("新建渠道"), chromedp.BySearch), idle,
		chromedp.Click(button("新建渠道"), chromedp.BySearch),
		chromedp.WaitVisible(`input[placeholder^="如 store_sh001"]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[placeholder^="如 store_sh001"]`, "browser_poster", chromedp.ByQuery),
		chromedp.Click(`//div[contains(@class,"el-dialog")]//button[normalize-space(.)="保存"]`, chromedp.BySearch),
		chromedp.Poll(`[...document.querySelectorAll('.el-table__row')].some(r => r.innerText.includes('browser_poster'))`, nil))
	consoleStep(t, ctx, "make and download its QR code", idle,
		chromedp.Click(`//tr[contains(., "browser_poster")]//button[normalize-space(.)="生成公众号码"]`, chromedp.BySearch),
		chromedp.Poll(`[...document.querySelectorAll('.code')].some(c => c.innerText.includes('browser_poster') && c.querySelector('img'))`, nil),
		// The download link's href is the card's image: read it, then click the button.
		chromedp.Evaluate(`[...document.querySelectorAll('.code')].find(c => c.innerText.includes('browser_poster')).querySelector('img').src`, &dataURL),
		chromedp.Click(`//div[contains(@class,"code") and contains(., "browser_poster")]//button[normalize-space(.)="下载 PNG"]`, chromedp.BySearch))
	b64, ok := strings.CutPrefix(dataURL, "data:image/png;base64,")
	raw, err := base64.StdEncoding.DecodeString(b64)
	if !ok || err != nil {
		t.Errorf("QR code download is not a PNG data URL: %.60s (%v)", dataURL, err)
	} else if img, err := png.Decode(bytes.NewReader(raw)); err != nil || img.Bounds().Dx() < 100 {
		t.Errorf("downloaded QR code does not decode as a sizeable PNG: %v", err)
	}

	pic := filepath.Join(dir, "reward.png")
	im := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for x := 0; x < 64; x++ {
		for y := 0; y < 64; y++ {
			im.Set(x, y, color.RGBA{R: uint8(x * 4), G: 120, B: uint8(y * 4), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, im); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pic, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	consoleStep(t, ctx, "create a reward with an image", chromedp.Navigate(base+"/console/mall"), chromedp.WaitReady("#app", chromedp.ByID),
		chromedp.WaitVisible(button("新建礼品"), chromedp.BySearch), idle,
		chromedp.Click(button("新建礼品"), chromedp.BySearch),
		chromedp.WaitVisible(`input[data-reward-image]`, chromedp.ByQuery),
		chromedp.SendKeys(`//div[contains(@class,"el-dialog")]//label[normalize-space(.)="名称"]/following::input[1]`, "浏览器帆布袋", chromedp.BySearch),
		chromedp.Click(`//div[contains(@class,"el-dialog")]//label[contains(@class,"el-radio")][contains(., "虚拟")]`, chromedp.BySearch),
		chromedp.SetUploadFiles(`input[data-reward-image]`, []string{pic}, chromedp.ByQuery),
		chromedp.Poll(`!!document.querySelector('.el-dialog img.thumb')`, nil),
		chromedp.Click(`//div[contains(@class,"el-dialog")]//button[normalize-space(.)="保存"]`, chromedp.BySearch),
		chromedp.Poll(`[...document.querySelectorAll('.el-table__row')].some(r => r.innerText.includes('浏览器帆布袋') && r.querySelector('img[data-reward-thumb]')?.naturalWidth === 64)`, nil,
			chromedp.WithPollingTimeout(15*time.Second)))
}

// consoleRoleFlows signs in as an analyst (no write controls anywhere; a
// write forced from the page answers 403) and as a store manager (only
// their store's members).
func consoleRoleFlows(t *testing.T, ctx context.Context, base string) {
	for _, op := range []map[string]string{
		{"username": "b_analyst", "name": "分析师", "role": "analyst", "password": "Analyst-Pass-2026"},
		{"username": "b_manager", "name": "店长", "role": "store_manager", "store_code": "sh001", "password": "Manager-Pass-2026"},
	} {
		body, _ := json.Marshal(op)
		req, _ := http.NewRequest("POST", base+"/api/hq/operators", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer console-token")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("create operator %s: %v %v", op["username"], err, resp)
		}
		resp.Body.Close()
	}
	signIn := func(user, pass string) {
		t.Helper()
		consoleStep(t, ctx, "sign in as "+user, network.ClearBrowserCookies(),
			chromedp.Navigate(base+"/console/login"), chromedp.Evaluate(`sessionStorage.clear()`, nil),
			chromedp.Navigate(base+"/console/login"), chromedp.WaitVisible(`input[placeholder="如 admin"]`, chromedp.ByQuery),
			chromedp.SendKeys(`input[placeholder="如 admin"]`, user, chromedp.ByQuery),
			chromedp.SendKeys(`input[type="password"]`, pass, chromedp.ByQuery),
			chromedp.Click(`//button[normalize-space(.)="登录"]`, chromedp.BySearch),
			chromedp.Poll(`!location.pathname.endsWith('/login') && !!document.querySelector('.el-main')`, nil))
	}

	signIn("b_analyst", "Analyst-Pass-2026")
	writes := []string{"新建渠道", "生成公众号码", "新建礼品", "确认调整", "新建任务", "给筛选出的会员建任务", "导入门店", "调整库存", "编辑", "删除"}
	for _, page := range []string{"/console/channels", "/console/mall", "/console/members", "/console/tasks", "/console/stores"} {
		var found []string
		consoleStep(t, ctx, "analyst opens "+page, chromedp.Navigate(base+page), chromedp.WaitReady("#app", chromedp.ByID),
			chromedp.Poll(`!!document.querySelector('.page') && !document.querySelector('.el-loading-mask:not([style*="display: none"])')`, nil),
			chromedp.Sleep(300*time.Millisecond),
			chromedp.Evaluate(fmt.Sprintf(`[...document.querySelectorAll('button')].map(b => b.innerText.trim()).filter(x => %s.includes(x))`, jsList(writes)), &found))
		if len(found) > 0 {
			t.Errorf("analyst sees write controls on %s: %v", page, found)
		}
	}
	var status int
	consoleStep(t, ctx, "analyst forces a write", chromedp.Evaluate(`fetch('/api/hq/scenes', {method: 'POST', credentials: 'same-origin',
		headers: {'Content-Type': 'application/json', 'X-CSRF-Token': sessionStorage.getItem('siyu.csrf') || ''},
		body: JSON.stringify({scene: 'analyst_forced'})}).then(r => r.status)`, &status, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
		return p.WithAwaitPromise(true)
	}))
	if status != 403 {
		t.Errorf("analyst's forced POST /api/hq/scenes = %d, want 403", status)
	}

	signIn("b_manager", "Manager-Pass-2026")
	var stores []string
	consoleStep(t, ctx, "store manager lists members", chromedp.Navigate(base+"/console/members"), chromedp.WaitReady("#app", chromedp.ByID),
		chromedp.Poll(`document.body.innerText.includes('位会员') && document.querySelectorAll('.el-table__row').length > 0`, nil),
		chromedp.Evaluate(`[...new Set([...document.querySelectorAll('.el-table__body .el-table__row')].map(r => r.children[4].innerText.trim()))]`, &stores))
	if len(stores) != 1 || (stores[0] != "上海南京西路店" && stores[0] != "sh001") {
		t.Errorf("store manager's member list shows stores %v, want only sh001 (上海南京西路店)", stores)
	}
	var others int
	consoleStep(t, ctx, "store manager asks for another store", chromedp.Evaluate(`fetch('/api/hq/members?store_code=bj001&limit=100', {credentials: 'same-origin'}).then(r => r.json()).then(j => j.members.filter(m => m.store_code !== 'sh001').length)`,
		&others, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if others != 0 {
		t.Errorf("store manager got %d members of other stores", others)
	}
}

// jsList is a JavaScript array literal of strings.
func jsList(xs []string) string {
	b, _ := json.Marshal(xs)
	return strings.TrimSpace(string(b))
}
