package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/siyu/siyu/wx/wxsim"
)

// The console test's Official Account and WeCom app, both on the fake
// upstream: members chat with the OA, guides get app messages, operators
// sign in with WeCom's login QR code.
const (
	consoleOAAppID  = "wxconsole000000000"
	consoleOAToken  = "console-oa-token"
	consoleLoginFor = "hq01" // who scans the fake's WeCom login page
)

// consoleUpstreamEnv points the console test's server at the fake upstream
// at upURL for both platforms.
func consoleUpstreamEnv(env map[string]string, upURL string) {
	for k, v := range map[string]string{
		"SIYU_WECHAT_APPID": consoleOAAppID, "SIYU_WECHAT_SECRET": "console-secret", "SIYU_WECHAT_TOKEN": consoleOAToken,
		"SIYU_WECHAT_API_BASE": upURL,
		"SIYU_WECOM_CORPID":    "wwconsole00000000", "SIYU_WECOM_AGENT_ID": "1000002", "SIYU_WECOM_AGENT_SECRET": "console-agent-secret",
		"SIYU_WECOM_API_BASE": upURL,
	} {
		env[k] = v
	}
}

// consoleHQ calls the HQ API with the console test's HQ token and fails
// the test unless the status is want.
func consoleHQ(t *testing.T, base, method, path string, in, out any, want int) {
	t.Helper()
	if st := hqCall(t, base, method, path, in, out, "Authorization", "Bearer console-token"); st != want {
		t.Fatalf("%s %s = %d, want %d", method, path, st, want)
	}
}

// consoleChatRedeemFlow: a new follower gets points, redeems the reward made
// in the console (浏览器帆布袋) by chatting 「兑换 编号」 to the Official
// Account (a signed callback to the running server), and the console's
// 兑换记录 shows that redemption.
func consoleChatRedeemFlow(t *testing.T, ctx context.Context, base string) {
	var rewards struct {
		Rewards []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"rewards"`
	}
	consoleHQ(t, base, "GET", "/api/hq/rewards", nil, &rewards, 200)
	var reward int64
	for _, r := range rewards.Rewards {
		if r.Name == "浏览器帆布袋" {
			reward = r.ID
		}
	}
	if reward == 0 {
		t.Fatalf("the reward made in the console is not in GET /api/hq/rewards: %+v", rewards.Rewards)
	}
	sim := simulator{oa: wxsim.OA{AppID: consoleOAAppID, Token: consoleOAToken}, base: base, client: &http.Client{Timeout: 10 * time.Second}}
	const openID = "o_browser_redeemer"
	if _, err := sim.post(context.Background(), sim.oa.Subscribe(openID, "", time.Now())); err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	var found struct {
		Members []struct {
			ID int64 `json:"id"`
		} `json:"members"`
	}
	consoleHQ(t, base, "GET", "/api/hq/members?openid="+openID, nil, &found, 200)
	if len(found.Members) != 1 {
		t.Fatalf("the follower is not a member: %+v", found)
	}
	member := found.Members[0].ID
	consoleHQ(t, base, "POST", fmt.Sprintf("/api/hq/members/%d/points", member),
		map[string]any{"delta": 1000, "reason": "浏览器测试：兑换前补积分", "request_id": "browser-redeem-credit"}, nil, 201)
	reply, err := sim.post(context.Background(), sim.oa.Text(openID, fmt.Sprintf("兑换 %d", reward), time.Now().UnixNano(), time.Now()))
	if err != nil || !strings.Contains(reply.Content, "兑换成功") || !strings.Contains(reply.Content, "浏览器帆布袋") {
		t.Fatalf("redeem in the chat: %v; reply %q", err, reply.Content)
	}
	consoleStep(t, ctx, "see the chat's redemption in 兑换记录", chromedp.Navigate(base+"/console/mall"), chromedp.WaitReady("#app", chromedp.ByID),
		chromedp.Poll(`!document.querySelector('.el-loading-mask:not([style*="display: none"])')`, nil),
		chromedp.Click(`//div[contains(@class,"el-tabs__item")][starts-with(normalize-space(.), "兑换记录")]`, chromedp.BySearch),
		chromedp.Poll(fmt.Sprintf(`[...document.querySelectorAll('.el-table__row')].some(r => r.innerText.includes('浏览器帆布袋') && r.innerText.includes('编号 %d'))`, member), nil))
}

// consoleNotifiedFlow follows the task just dispatched (the page it is on)
// until every guide it reached was notified through the fake WeCom app:
// "N / N 位导购已通知" with N ≥ 1, and every store reached ("M / M 家门店").
func consoleNotifiedFlow(t *testing.T, ctx context.Context) {
	var text string
	for try := 0; try < 4; try++ { // the page refreshes itself every 15 s once active; reload sooner
		pctx, cancel := context.WithTimeout(ctx, 20*time.Second) // a loaded machine boots the page slowly
		err := chromedp.Run(pctx, chromedp.Reload(), chromedp.WaitReady("#app", chromedp.ByID),
			chromedp.Poll(`/([1-9]\d*) \/ \1 位导购已通知/.test(document.body.innerText) && /([1-9]\d*) \/ \1 家门店/.test(document.body.innerText)`, nil))
		cancel()
		if err == nil {
			return
		}
		_ = chromedp.Run(ctx, chromedp.Evaluate(`document.body.innerText`, &text)) // only for the message
	}
	t.Errorf("the dispatched task never showed every guide notified; page text: %.600s", text)
}

// consoleWeComLoginFlow binds an operator to the WeCom userid the fake's
// login page signs in, then signs in from the login page with
// 企业微信扫码登录 and lands in the console as that operator.
func consoleWeComLoginFlow(t *testing.T, ctx context.Context, base string) {
	consoleHQ(t, base, "POST", "/api/hq/operators", map[string]string{"username": "b_wecom", "name": "扫码运营", "role": "operator",
		"password": "WeCom-Pass-2026", "wecom_userid": consoleLoginFor}, nil, 201)
	qr := `//button[normalize-space(.)="企业微信扫码登录"]`
	consoleStep(t, ctx, "open the login page with the WeCom button", network.ClearBrowserCookies(),
		chromedp.Navigate(base+"/console/login"), chromedp.Evaluate(`sessionStorage.clear()`, nil),
		chromedp.Navigate(base+"/console/login"), chromedp.WaitVisible(qr, chromedp.BySearch))
	if shots := os.Getenv("SIYU_CONSOLE_SHOTS"); shots != "" {
		shoot(t, ctx, filepath.Join(shots, "login.png"))
	}
	// Clicked from script: the click leaves the page (WeCom, then back), which a
	// CDP click reports as an error and would repeat on the next page.
	// The click is put off a moment so the script returns before the page
	// goes; the check runs once the redirects (WeCom, then back) are over,
	// since a poll running across a navigation loses its page.
	consoleStep(t, ctx, "click 企业微信扫码登录", chromedp.Evaluate(`setTimeout(() => [...document.querySelectorAll('button')].find(b => b.innerText.trim() === '企业微信扫码登录').click(), 50)`, nil))
	var landed bool
	for try := 0; try < 10 && !landed; try++ {
		time.Sleep(2 * time.Second)
		_ = chromedp.Run(ctx, chromedp.Evaluate(`location.pathname === '/console/overview' && document.body.innerText.includes('扫码运营')`, &landed))
	}
	if !landed {
		var where string
		_ = chromedp.Run(ctx, chromedp.Evaluate(`location.href + ' ' + document.body.innerText.slice(0, 300)`, &where))
		t.Errorf("企业微信扫码登录 did not land in the console signed in as 扫码运营; at %s", where)
	}
}
