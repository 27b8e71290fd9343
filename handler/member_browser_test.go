package handler_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// weChatUA is the user agent of WeChat's in-app browser on an iPhone.
const weChatUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"

// updateDocs writes the member centre's screenshots to docs/member (the
// README shows them) instead of testdata/artifacts/member:
// go test ./handler -run TestMemberCentreInBrowser -update-docs
var updateDocs = flag.Bool("update-docs", false, "write the member centre's screenshots to docs/member")

// memberShots is where the member centre's screenshots go.
func memberShots() string {
	if *updateDocs {
		return filepath.Join("..", "docs", "member")
	}
	return filepath.Join("testdata", "artifacts", "member")
}

// seedMemberCentre gives o_browser a believable history: check-ins on the
// four days before today (through the chat, on a moved clock), an order,
// an expired and a used coupon, and a mall with rewards in every state.
func seedMemberCentre(t *testing.T, e *testEnv) (memberID int64, coffee model.Reward) {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	memberID = e.follower("o_browser")
	for d := 4; d >= 1; d-- {
		e.clock.Set(now.AddDate(0, 0, -d))
		e.chat("o_browser", "签到")
	}
	e.clock.Set(now.AddDate(0, 0, -40))
	old := e.template(map[string]any{"name": "新人礼", "kind": "cash", "value_fen": 500, "valid_days": 7, "description": "全场通用"})
	e.hq("POST", "/api/hq/coupons/issue", map[string]any{"template_id": old.ID, "member_ids": []int64{memberID}, "request_id": "old-1"}, nil)
	e.clock.Set(now)
	if _, err := e.loyalty.Post(ctx, loyalty.Entry{MemberID: memberID, Delta: 320, Growth: 320, Kind: model.PointsOrder,
		IdemKey: "order:demo-1", Note: "门店消费 320 元"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.loyalty.Post(ctx, loyalty.Entry{MemberID: memberID, Delta: 400, Kind: model.PointsAdjust, IdemKey: "adjust:demo-1", Note: "会员日活动奖励"}); err != nil {
		t.Fatal(err)
	}
	used := e.template(map[string]any{"name": "满100减20", "kind": "cash", "value_fen": 2000, "threshold_fen": 10000, "valid_days": 30, "description": "满100元可用，不与其他优惠同享"})
	var issued struct {
		Results []struct {
			Coupon model.Coupon `json:"coupon"`
		} `json:"results"`
	}
	e.hq("POST", "/api/hq/coupons/issue", map[string]any{"template_id": used.ID, "member_ids": []int64{memberID}, "request_id": "used-1"}, &issued)
	var usedCoupon model.Coupon
	e.db.Where("member_id = ? AND template_id = ?", memberID, used.ID).Take(&usedCoupon)
	e.hq("POST", "/api/hq/coupons/redeem", map[string]any{"code": usedCoupon.Code, "store_code": "bj001"}, nil)

	tpl := e.template(map[string]any{"name": "美式咖啡券", "kind": "gift", "gift": "美式咖啡一杯", "valid_days": 14, "description": "任意门店可用，限堂食或外带一杯"})
	coffee = e.reward(map[string]any{"name": "美式咖啡", "points_cost": 200, "kind": "coupon", "coupon_template_id": tpl.ID, "stock": 12, "per_member_limit": 2})
	e.reward(map[string]any{"name": "帆布托特包", "points_cost": 1200, "kind": "physical", "stock": 30, "pickup_stores": []string{"sh001"}})
	e.reward(map[string]any{"name": "金卡专享香氛", "points_cost": 500, "kind": "virtual", "stock": 5, "min_level": "金卡"})
	e.reward(map[string]any{"name": "限量马克杯", "points_cost": 300, "kind": "physical", "stock": 0, "pickup_stores": []string{"sh001"}})
	start := now.Add(48 * time.Hour)
	e.reward(map[string]any{"name": "新年礼盒", "points_cost": 800, "kind": "virtual", "stock": 100, "sale_start": start})
	return memberID, coffee
}

// TestMemberCentreInBrowser opens the member centre in headless Chromium at
// 390×844 with WeChat's user agent: it signs in through the fake upstream's
// authorisation, checks in from the calendar (the chat then says done),
// redeems a reward, shows its coupon QR — decoded from the screenshot — and
// the guide's sidebar scans that QR to redeem it once. Every page is saved
// under docs/member/.
func TestMemberCentreInBrowser(t *testing.T) {
	chrome := chromiumPath(t)
	e := newMemberEnv(t)
	memberID, coffee := seedBrowserMember(t, e)
	p := phoneSteps{t: t, ctx: newPhone(t, chrome)}
	browseCardAndCheckIn(p, e, memberID)
	coupon := browseMallRedeem(p, e, memberID, coffee)
	browseCouponsAndProfile(p, e, memberID, coupon)
	scanInSidebar(t, e, chrome, coupon)
}

// seedBrowserMember seeds the stores, guide and customer the member centre
// shows, lets the fake upstream sign the browser in as o_browser and makes
// the screenshot directory.
func seedBrowserMember(t *testing.T, e *testEnv) (memberID int64, coffee model.Reward) {
	t.Helper()
	for _, st := range []model.Store{{Code: "sh001", Name: "上海一店"}, {Code: "bj001", Name: "北京一店"}} {
		e.db.Create(&st)
	}
	e.db.Create(&model.Guide{UserID: "g_sh_1", Name: "小王", StoreCode: "sh001", Role: model.RoleGuide})
	e.addCustomer("wm_alice", "Alice", "g_sh_1", "sh001", 0)
	memberID, coffee = seedMemberCentre(t, e)
	e.up.SetBrowserOpenID("o_browser")
	if err := os.MkdirAll(memberShots(), 0o755); err != nil {
		t.Fatal(err)
	}
	return memberID, coffee
}

// phoneSteps drives the member centre in one headless phone: a step that
// fails ends the test with the page's text, a shot is saved to memberShots.
type phoneSteps struct {
	t   *testing.T
	ctx context.Context
}

func (p phoneSteps) step(name string, actions ...chromedp.Action) {
	p.t.Helper()
	sctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Run(sctx, actions...); err != nil {
		var body string
		_ = chromedp.Run(p.ctx, chromedp.Evaluate(`document.body.innerText`, &body)) // best effort: explains the failure
		p.t.Fatalf("%s: %v\npage: %s", name, err, body)
	}
}

func (p phoneSteps) shot(name string) []byte {
	p.t.Helper()
	var b []byte
	p.step("screenshot "+name, chromedp.Sleep(600*time.Millisecond), chromedp.CaptureScreenshot(&b)) // let transitions settle
	if err := os.WriteFile(filepath.Join(memberShots(), name+".png"), b, 0o644); err != nil {
		p.t.Fatal(err)
	}
	return b
}

// visible waits until sel matches an element.
func visible(sel string) chromedp.Action {
	return waitJS(fmt.Sprintf(`!!document.querySelector(%q)`, sel))
}

// browseCardAndCheckIn signs in, checks the card's points and checks in
// from the calendar, which the chat then sees as today's check-in.
func browseCardAndCheckIn(p phoneSteps, e *testEnv, memberID int64) {
	t := p.t
	t.Helper()
	p.step("sign in", chromedp.Navigate(e.srv.URL+"/m/"), visible("#card-page #next-level"))
	var points string
	p.step("read the card", chromedp.Text("#points", &points, chromedp.ByID))
	if want := fmt.Sprint(e.member(memberID).Points); points != want {
		t.Errorf("card shows %s points, want %s", points, want)
	}
	p.shot("card")

	p.step("open the calendar", chromedp.Click("#go-checkin", chromedp.ByID), visible("#calendar-page #checkin-btn:not([disabled])"))
	p.shot("calendar")
	p.step("check in", chromedp.Click("#checkin-btn", chromedp.ByID),
		chromedp.Poll(`document.querySelector('#checkin-btn').disabled && document.querySelector('#streak').textContent.trim() === '5'`, nil))
	if got := e.chat("o_browser", "签到"); !strings.Contains(got, "今天已经签到过了") {
		t.Errorf("签到 in the chat after the page = %q", got)
	}
	p.shot("calendar-done")
}

// browseMallRedeem redeems the coffee in the mall and returns the coupon
// it made, whose code the coupon page's QR must read.
func browseMallRedeem(p phoneSteps, e *testEnv, memberID int64, coffee model.Reward) model.Coupon {
	t := p.t
	t.Helper()
	p.step("open the mall", chromedp.Navigate(e.srv.URL+"/m/#/mall"), visible(fmt.Sprintf(`[data-reward="%d"]`, coffee.ID)))
	p.shot("mall")
	p.step("tap the coffee", chromedp.Click(fmt.Sprintf(`[data-reward="%d"]`, coffee.ID), chromedp.ByQuery), visible(".van-dialog__confirm"))
	p.shot("mall-confirm")
	p.step("confirm", chromedp.Click(".van-dialog__confirm", chromedp.ByQuery),
		chromedp.Poll(`!!document.querySelector('.van-dialog__message') && document.querySelector('.van-dialog__message').textContent.includes('已放入我的券')`, nil))
	p.shot("mall-redeemed")
	p.step("see the coupon", chromedp.Click(".van-dialog__confirm", chromedp.ByQuery), visible("#coupon-page #coupon-qr svg"))
	couponShot := p.shot("coupon")
	var coupon model.Coupon
	if err := e.db.Where("member_id = ? AND title LIKE ?", memberID, "美式咖啡券%").Take(&coupon).Error; err != nil {
		t.Fatalf("no coupon from the page's redeem: %v", err)
	}
	if got := decodeQR(t, couponShot); got != coupon.Code {
		t.Fatalf("the coupon page's QR reads %q, want the code %s", got, coupon.Code)
	}
	return coupon
}

// browseCouponsAndProfile walks the coupon list, the ledger, the invite
// poster, the birthday picker and the follow page.
func browseCouponsAndProfile(p phoneSteps, e *testEnv, memberID int64, coupon model.Coupon) {
	t := p.t
	t.Helper()
	p.step("coupon list", chromedp.Navigate(e.srv.URL+"/m/#/coupons"), visible(fmt.Sprintf(`[data-coupon="%d"]`, coupon.ID)))
	p.shot("coupons")
	p.step("used coupons", chromedp.Click(`.van-tab:nth-child(2)`, chromedp.ByQuery), visible(".ticket.used"))
	p.shot("coupons-used")
	p.step("ledger", chromedp.Navigate(e.srv.URL+"/m/#/points"), visible("#points-page [data-entry]"))
	p.shot("points")
	p.step("invite", chromedp.Navigate(e.srv.URL+"/m/#/invite"),
		chromedp.Poll(`document.querySelector('#poster') && document.querySelector('#poster').naturalWidth === 750`, nil))
	p.shot("invite")
	p.step("profile", chromedp.Navigate(e.srv.URL+"/m/#/profile"), visible("#profile-page #birthday"))
	p.shot("profile")
	p.step("pick a birthday", chromedp.Click("#birthday", chromedp.ByID), visible(".van-picker__confirm"))
	p.shot("profile-birthday")
	p.step("confirm the birthday", chromedp.Click(".van-picker__confirm", chromedp.ByQuery), visible(".van-dialog__confirm"),
		chromedp.Click(".van-dialog__confirm", chromedp.ByQuery), waitJS(`document.querySelector('#birthday').textContent.includes('1月1日')`))
	if b := e.member(memberID).Birthday; b != "01-01" {
		t.Errorf("birthday after the picker = %q, want 01-01", b)
	}

	p.step("the page for someone who does not follow", chromedp.Navigate(e.srv.URL+"/m/#/follow"), visible("#follow-page"))
	p.shot("follow")
}

// waitJS polls expr until it is true, through navigations and redirects
// (which make chromedp.Poll fail), until the step's deadline.
func waitJS(expr string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			var ok bool
			if err := chromedp.Evaluate(expr, &ok).Do(ctx); err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: %w", expr, ctx.Err())
			case <-tick.C:
			}
		}
	})
}

// newPhone starts headless Chromium as a phone in WeChat.
func newPhone(t *testing.T, chrome string) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chrome), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("lang", "zh-CN"), chromedp.Env("TZ=Asia/Shanghai"),
		chromedp.UserAgent(weChatUA), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(390, 844))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(quietCDP(t)))
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)
	if err := chromedp.Run(ctx, emulation.SetDeviceMetricsOverride(390, 844, 1, true)); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// scanInSidebar opens the guide's sidebar with a JS-SDK whose scanQRCode
// reads the coupon's code, taps 扫码核销 twice: the first redeems it for the
// guide's store, the second is refused.
func scanInSidebar(t *testing.T, e *testEnv, chrome string, coupon model.Coupon) {
	t.Helper()
	stub := wxStub + fmt.Sprintf(`
window.wx.scanQRCode = function (o) { setTimeout(function () { o.success({ resultStr: %q }); }, 0); };`, coupon.Code)
	ctx := newPhone(t, chrome)
	var first, second string
	err := chromedp.Run(ctx,
		openSidebar(e.srv.URL, stub),
		chromedp.Poll(`!document.getElementById('app').hidden`, nil, chromedp.WithPollingTimeout(15*time.Second)),
		chromedp.Click("#scanbtn", chromedp.ByID),
		chromedp.Poll(`document.getElementById('notice').textContent.includes('已核销')`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Text("#notice", &first, chromedp.ByID),
		chromedp.Click("#scanbtn", chromedp.ByID),
		chromedp.Poll(`document.getElementById('notice').textContent.includes('核销失败')`, nil, chromedp.WithPollingTimeout(10*time.Second)),
		chromedp.Text("#notice", &second, chromedp.ByID),
	)
	if err != nil {
		var body string
		_ = chromedp.Run(ctx, chromedp.Evaluate(`document.body.innerText`, &body)) // best effort: explains the failure
		t.Fatalf("sidebar scan: %v\npage: %s", err, body)
	}
	if !strings.Contains(first, "美式咖啡券") {
		t.Errorf("first scan says %q", first)
	}
	if n := e.count(&model.Coupon{}, "code = ? AND status = ? AND redeemed_store = ?", coupon.Code, model.CouponRedeemed, "sh001"); n != 1 {
		t.Errorf("coupon redeemed at the guide's store: %d rows, want 1", n)
	}
	var b []byte
	if err := chromedp.Run(ctx, chromedp.CaptureScreenshot(&b)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(memberShots(), "sidebar-scan.png"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// decodeQR reads the QR code in a PNG screenshot.
func decodeQR(t *testing.T, pngBytes []byte) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatal(err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no QR code readable in the screenshot: %v", err)
	}
	return res.GetText()
}
