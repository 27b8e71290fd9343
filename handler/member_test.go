package handler_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/siyu/siyu/handler"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/wx"
)

// lateWX lets the member centre use the env's wx client, which the harness
// creates after the options run.
type lateWX struct{ *wx.Client }

// newMemberEnv is a test env whose member centre signs in through the fake
// upstream.
func newMemberEnv(t *testing.T, opts ...envOption) *testEnv {
	t.Helper()
	late := &lateWX{}
	e := newTestEnv(t, append([]envOption{func(d *handler.Deps) { d.Member.WeChat = late }}, opts...)...)
	late.Client = e.wx
	return e
}

// memberClient is a member's browser: a cookie jar and the CSRF token.
type memberClient struct {
	t    *testing.T
	e    *testEnv
	http *http.Client
	csrf string
	me   map[string]any
}

// signIn opens the member centre as openid: start → the fake's authorize
// page → callback → /m/, following redirects with cookies, then reads /me.
func (e *testEnv) signIn(t *testing.T, openid string) *memberClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &memberClient{t: t, e: e, http: &http.Client{Jar: jar}}
	e.up.SetBrowserOpenID(openid)
	resp, err := c.http.Get(e.srv.URL + "/api/m/oauth/start?next=" + url.QueryEscape("/m/#/mall"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/m/" {
		t.Fatalf("sign-in ended at %s with %d", resp.Request.URL, resp.StatusCode)
	}
	var me struct {
		Member map[string]any `json:"member"`
		CSRF   string         `json:"csrf_token"`
	}
	if st := c.do("GET", "/api/m/me", nil, &me); st != http.StatusOK || me.CSRF == "" {
		t.Fatalf("GET /api/m/me = %d %v", st, me)
	}
	c.csrf, c.me = me.CSRF, me.Member
	return c
}

func (c *memberClient) id() int64 { return int64(c.me["id"].(float64)) }

// do calls the member API with the session (and CSRF token on writes).
func (c *memberClient) do(method, path string, in, out any) int {
	c.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.e.srv.URL+path, body)
	req.Header.Set("Content-Type", "application/json")
	if method != "GET" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

func TestMemberSignIn(t *testing.T) {
	e := newMemberEnv(t)
	t.Run("no session is 401", func(t *testing.T) {
		resp, err := http.Get(e.srv.URL + "/api/m/me")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /api/m/me without a session = %d, want 401", resp.StatusCode)
		}
	})
	t.Run("base scope signs in the openid's member", func(t *testing.T) {
		id := e.follower("o_anna")
		c := e.signIn(t, "o_anna")
		if c.id() != id {
			t.Errorf("signed in as member %d, want %d (the follower o_anna)", c.id(), id)
		}
		calls := e.up.Calls("/sns/oauth2/access_token")
		if len(calls) == 0 || e.up.CallCount("/sns/userinfo") != 0 {
			t.Errorf("code exchanges %d, userinfo calls %d: want the base scope only", len(calls), e.up.CallCount("/sns/userinfo"))
		}
	})
	t.Run("userinfo scope stores nickname and avatar", func(t *testing.T) {
		c := e.signIn(t, "o_bella")
		resp, err := c.http.Get(e.srv.URL + "/api/m/oauth/start?scope=userinfo&next=" + url.QueryEscape("/m/#/profile"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		m := e.member(c.id())
		if m.Nickname != "Member o_bella" || !strings.HasSuffix(m.Avatar, "/o_bella") {
			t.Errorf("after snsapi_userinfo: nickname %q avatar %q", m.Nickname, m.Avatar)
		}
	})
	t.Run("someone who does not follow is asked to follow", func(t *testing.T) {
		e.up.SetOAUser(wx.OAUser{OpenID: "o_stranger", Subscribed: false})
		e.up.SetBrowserOpenID("o_stranger")
		jar, _ := cookiejar.New(nil)
		browser := &http.Client{Jar: jar}
		resp, err := browser.Get(e.srv.URL + "/api/m/oauth/start")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.Request.URL.Path != "/m/" || resp.Request.URL.Fragment != "/follow" {
			t.Errorf("a non-follower ended at %s, want /m/#/follow", resp.Request.URL)
		}
		if n := e.count(&model.Identity{}, "external_id = ?", "o_stranger"); n != 0 {
			t.Errorf("a non-follower got %d identities, want none", n)
		}
		if resp, _ := browser.Get(e.srv.URL + "/api/m/me"); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a non-follower's /api/m/me = %d, want 401", resp.StatusCode)
		}
	})
	t.Run("a follower from before Siyu becomes a member", func(t *testing.T) {
		c := e.signIn(t, "o_old_follower")
		if m := e.member(c.id()); !m.Subscribed {
			t.Errorf("the old follower's member: %+v", m)
		}
	})
	t.Run("a wrong state is refused", func(t *testing.T) {
		jar, _ := cookiejar.New(nil)
		noFollow := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noFollow.Get(e.srv.URL + "/api/m/oauth/start")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		code := e.up.OAuthCode("o_eve", wx.ScopeBase)
		resp, err = noFollow.Get(e.srv.URL + "/api/m/oauth/callback?state=forged&code=" + code)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || e.count(&model.Identity{}, "external_id = ?", "o_eve") != 0 {
			t.Errorf("callback with a forged state = %d", resp.StatusCode)
		}
	})
	t.Run("writes need the CSRF token", func(t *testing.T) {
		c := e.signIn(t, "o_anna")
		c.csrf = "wrong"
		if st := c.do("POST", "/api/m/checkins", nil, nil); st != http.StatusForbidden {
			t.Errorf("check-in without the CSRF token = %d, want 403", st)
		}
		if n := e.count(&model.CheckIn{}, "member_id = ?", c.id()); n != 0 {
			t.Errorf("check-ins = %d after a refused write", n)
		}
	})
}

// TestMemberCheckInSharedWithChat: the page and the chat are one check-in.
func TestMemberCheckInSharedWithChat(t *testing.T) {
	e := newMemberEnv(t)
	e.follower("o_page")
	e.follower("o_chat")

	page := e.signIn(t, "o_page")
	var r struct {
		Already  bool  `json:"already"`
		Credited int64 `json:"credited"`
	}
	if st := page.do("POST", "/api/m/checkins", nil, &r); st != http.StatusOK || r.Already || r.Credited != 5 {
		t.Fatalf("check-in on the page = %d %+v, want 5 points", st, r)
	}
	if got := e.chat("o_page", "签到"); !strings.Contains(got, "今天已经签到过了") {
		t.Errorf("签到 in the chat after the page = %q, want already done", got)
	}

	if got := e.chat("o_chat", "签到"); !strings.Contains(got, "签到成功") {
		t.Fatalf("签到 in the chat = %q", got)
	}
	chat := e.signIn(t, "o_chat")
	var month struct {
		CheckedIn bool `json:"checked_in"`
		Days      []struct {
			Day string `json:"day"`
		} `json:"days"`
		TomorrowPoints int64 `json:"tomorrow_points"`
	}
	if st := chat.do("GET", "/api/m/checkins", nil, &month); st != http.StatusOK || !month.CheckedIn || len(month.Days) != 1 || month.TomorrowPoints != 6 {
		t.Errorf("calendar after the chat's check-in = %d %+v", st, month)
	}
	if st := chat.do("POST", "/api/m/checkins", nil, &r); st != http.StatusOK || !r.Already || r.Credited != 0 {
		t.Errorf("check-in on the page after the chat = %d %+v, want already", st, r)
	}
	for _, id := range []int64{page.id(), chat.id()} {
		if n := e.count(&model.PointsEntry{}, "member_id = ? AND kind = ?", id, model.PointsCheckIn); n != 1 {
			t.Errorf("member %d: %d check-in credits, want 1", id, n)
		}
	}
}

// TestMemberRedeemLastOne: two sessions redeem a reward with stock 1 at
// once; one gets the coupon, the other "sold out", and nothing is lost.
func TestMemberRedeemLastOne(t *testing.T) {
	e := newMemberEnv(t)
	tpl := e.template(map[string]any{"name": "咖啡券", "kind": "gift", "gift": "美式咖啡", "valid_days": 7, "description": "限门店使用"})
	last := e.reward(map[string]any{"name": "咖啡", "points_cost": 100, "kind": "coupon", "coupon_template_id": tpl.ID, "stock": 1})
	var cs []*memberClient
	for _, o := range []string{"o_r1", "o_r2"} {
		e.credit(e.follower(o), 150)
		cs = append(cs, e.signIn(t, o))
	}
	var wg sync.WaitGroup
	status := make([]int, len(cs))
	bodies := make([]map[string]any, len(cs))
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status[i] = c.do("POST", fmt.Sprintf("/api/m/rewards/%d/redeem", last.ID), map[string]any{"request_id": "tap-1"}, &bodies[i])
		}()
	}
	wg.Wait()
	ok, sold := 0, 0
	for i, st := range status {
		switch st {
		case http.StatusOK:
			ok++
		case http.StatusConflict:
			sold++
			if msg := fmt.Sprint(bodies[i]["error"]); !strings.Contains(msg, "已兑完") {
				t.Errorf("the loser reads %s, want 已兑完", msg)
			}
		}
	}
	if ok != 1 || sold != 1 {
		t.Fatalf("statuses %v, want one 200 and one 409", status)
	}
	if n := e.count(&model.Coupon{}); n != 1 {
		t.Errorf("coupons = %d, want 1", n)
	}
	if n := e.count(&model.Reward{}, "id = ? AND stock = 0", last.ID); n != 1 {
		t.Errorf("stock not 0")
	}
	if n := e.count(&model.PointsEntry{}, "kind = ?", model.PointsRedeem); n != 1 {
		t.Errorf("redeem debits = %d, want 1", n)
	}
}

// TestMemberCouponsOwnOnly: a member sees their coupon with its code, and
// another member's coupon id answers 404.
func TestMemberCouponsOwnOnly(t *testing.T) {
	e := newMemberEnv(t)
	tpl := e.template(map[string]any{"name": "20元券", "kind": "cash", "value_fen": 2000, "threshold_fen": 10000, "valid_days": 30, "description": "满100元可用"})
	owner := e.follower("o_own")
	e.follower("o_other")
	e.hq("POST", "/api/hq/coupons/issue", map[string]any{"template_id": tpl.ID, "member_ids": []int64{owner}, "request_id": "issue-1"}, nil)
	var cp model.Coupon
	if err := e.db.Where("member_id = ?", owner).Take(&cp).Error; err != nil {
		t.Fatal(err)
	}
	mine, theirs := e.signIn(t, "o_own"), e.signIn(t, "o_other")
	var got struct {
		Code, State, Terms string
	}
	if st := mine.do("GET", fmt.Sprintf("/api/m/coupons/%d", cp.ID), nil, &got); st != http.StatusOK || got.Code != cp.Code || got.State != "valid" || got.Terms != "满100元可用" {
		t.Errorf("own coupon = %d %+v", st, got)
	}
	var miss map[string]any
	if st := theirs.do("GET", fmt.Sprintf("/api/m/coupons/%d", cp.ID), nil, &miss); st != http.StatusNotFound || strings.Contains(fmt.Sprint(miss), cp.Code) {
		t.Errorf("another member's coupon = %d %v, want 404 without the code", st, miss)
	}
	// HQ's 核销 takes the code the QR carries; the list then files it as used.
	if st := e.hq("POST", "/api/hq/coupons/redeem", map[string]any{"code": cp.Code, "store_code": "sh001"}, nil); st != http.StatusOK {
		t.Fatalf("HQ redeem = %d", st)
	}
	var used struct{ Coupons []map[string]any }
	if mine.do("GET", "/api/m/coupons?status=used", nil, &used); len(used.Coupons) != 1 {
		t.Errorf("used coupons = %v", used.Coupons)
	}
	if theirs.do("GET", "/api/m/coupons?status=used", nil, &used); len(used.Coupons) != 0 {
		t.Errorf("the other member lists %v", used.Coupons)
	}
}

// TestMemberInvitePoster: the poster is a PNG whose QR decodes to the URL
// of the member's invite scene code.
func TestMemberInvitePoster(t *testing.T) {
	e := newMemberEnv(t)
	e.follower("o_inviter")
	c := e.signIn(t, "o_inviter")
	resp, err := c.http.Get(e.srv.URL + "/api/m/invite/poster.png")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("poster = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, err := png.Decode(resp.Body)
	if err != nil {
		t.Fatalf("poster is not a PNG: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		t.Fatalf("no QR code in the poster: %v", err)
	}
	calls := e.up.Calls("/cgi-bin/qrcode/create")
	if len(calls) != 1 || !strings.Contains(string(calls[0].Body), loyalty.InviteScene(c.id())) {
		t.Fatalf("qrcode/create calls = %d: want one for %s", len(calls), loyalty.InviteScene(c.id()))
	}
	// The URL the fake answered for that scene is what Siyu keeps for the
	// member; the poster's QR must carry exactly it.
	want, err := e.rdb.Client.Get(context.Background(), fmt.Sprintf("%s:m:inviteqr:%d", e.prefix, c.id())).Result()
	if err != nil || !strings.HasPrefix(want, "http://weixin.qq.com/q/gQFakeTicket") {
		t.Fatalf("invite URL kept for the member = %q, %v", want, err)
	}
	if res.GetText() != want {
		t.Errorf("poster QR = %q, want the invite code's URL %q", res.GetText(), want)
	}
	// A friend who follows through that code earns the inviter the referral.
	before := e.member(c.id()).Points
	e.say(e.oa, e.oa.Subscribe("o_invited_friend", loyalty.InviteScene(c.id()), e.clock.Now()))
	if after := e.member(c.id()).Points; after != before+50 {
		t.Errorf("inviter's points after the friend followed: %d → %d, want +50", before, after)
	}
	// The code is made once and reused.
	resp2, err := c.http.Get(e.srv.URL + "/api/m/invite/poster.png")
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if n := e.up.CallCount("/cgi-bin/qrcode/create"); n != 1 {
		t.Errorf("qrcode/create calls after two posters = %d, want 1", n)
	}
}

// TestMemberBirthdayOnce: a member sets their birthday once; a second try
// is refused and changes nothing.
func TestMemberBirthdayOnce(t *testing.T) {
	e := newMemberEnv(t)
	e.follower("o_bday")
	c := e.signIn(t, "o_bday")
	if st := c.do("PUT", "/api/m/profile", map[string]any{"birthday": "13-40"}, nil); st != http.StatusBadRequest {
		t.Errorf("a bad birthday = %d, want 400", st)
	}
	if st := c.do("PUT", "/api/m/profile", map[string]any{"birthday": "1990-03-08"}, nil); st != http.StatusOK {
		t.Fatalf("set birthday = %d", st)
	}
	var res map[string]any
	if st := c.do("PUT", "/api/m/profile", map[string]any{"birthday": "03-09"}, &res); st != http.StatusConflict || !strings.Contains(fmt.Sprint(res), "生日已登记") {
		t.Errorf("second birthday = %d %v, want 409 生日已登记", st, res)
	}
	if b := e.member(c.id()).Birthday; b != "03-08" {
		t.Errorf("birthday = %q, want 03-08", b)
	}
}

// TestMemberRateLimit: past the per-minute write budget a member gets 429;
// another member is not affected.
func TestMemberRateLimit(t *testing.T) {
	e := newMemberEnv(t, func(d *handler.Deps) { d.Member.WritesPerMinute = 3 })
	e.follower("o_busy")
	e.follower("o_calm")
	busy, calm := e.signIn(t, "o_busy"), e.signIn(t, "o_calm")
	var codes []int
	for range 5 {
		codes = append(codes, busy.do("POST", "/api/m/checkins", nil, nil))
	}
	if fmt.Sprint(codes) != "[200 200 200 429 429]" {
		t.Errorf("five check-ins in a minute = %v, want three then 429", codes)
	}
	if st := calm.do("POST", "/api/m/checkins", nil, nil); st != http.StatusOK {
		t.Errorf("another member's check-in = %d", st)
	}
}

// TestSidebarScanRedeem: the guide's scan redeems a member's coupon code
// for the guide's store, once; an unknown code is 404.
func TestSidebarScanRedeem(t *testing.T) {
	e := newSidebarEnv(t)
	tpl := e.template(map[string]any{"name": "到店礼", "kind": "gift", "gift": "咖啡一杯", "valid_days": 7})
	owner := e.follower("o_scan")
	e.hq("POST", "/api/hq/coupons/issue", map[string]any{"template_id": tpl.ID, "member_ids": []int64{owner}, "request_id": "scan-1"}, nil)
	var cp model.Coupon
	e.db.Where("member_id = ?", owner).Take(&cp)
	guide := e.guideClient("g_sh_1")
	redeem := func(code string) (int, string) {
		var out map[string]any
		st := call(t, guide, "POST", e.srv.URL+"/api/sidebar/coupons/redeem", fmt.Sprintf(`{"code":%q}`, code), &out)
		return st, fmt.Sprint(out)
	}
	if st, body := redeem(strings.ToLower(cp.Code)); st != http.StatusOK {
		t.Fatalf("scan = %d %s", st, body)
	}
	if st, body := redeem(cp.Code); st != http.StatusConflict || !strings.Contains(body, "核销过") {
		t.Errorf("second scan = %d %s, want 409 核销过", st, body)
	}
	if st, _ := redeem("NOSUCHCODE"); st != http.StatusNotFound {
		t.Errorf("unknown code = %d, want 404", st)
	}
	if n := e.count(&model.Coupon{}, "id = ? AND status = ? AND redeemed_store = ?", cp.ID, model.CouponRedeemed, "sh001"); n != 1 {
		t.Errorf("coupon redeemed at sh001: %d", n)
	}
}

// TestMemberPosterBrandBackground: a configured background is what the
// poster is drawn on, and its QR code still reads.
func TestMemberPosterBrandBackground(t *testing.T) {
	bg := image.NewRGBA(image.Rect(0, 0, 375, 600))
	draw.Draw(bg, bg.Bounds(), &image.Uniform{color.RGBA{0x10, 0x40, 0x90, 0xFF}}, image.Point{}, draw.Src)
	e := newMemberEnv(t, func(d *handler.Deps) { d.Member.PosterBackground = bg })
	e.follower("o_brand")
	c := e.signIn(t, "o_brand")
	resp, err := c.http.Get(e.srv.URL + "/api/m/invite/poster.png")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	img, err := png.Decode(resp.Body)
	if err != nil {
		t.Fatalf("poster is not a PNG: %v", err)
	}
	if r, g, b, _ := img.At(20, 20).RGBA(); r>>8 != 0x10 || g>>8 != 0x40 || b>>8 != 0x90 {
		t.Errorf("poster corner = %x %x %x, want the brand background", r>>8, g>>8, b>>8)
	}
	bmp, _ := gozxing.NewBinaryBitmapFromImage(img)
	if _, err := gozxingqr.NewQRCodeReader().Decode(bmp, nil); err != nil {
		t.Errorf("no QR code on the branded poster: %v", err)
	}
}

// TestMemberCard: the card shows level, the next level, points expiring
// within the reminder window, and today's check-in.
func TestMemberCard(t *testing.T) {
	e := newMemberEnv(t)
	// Points earned last year expire at the end of this one; on 10 December
	// they are within the 30-day reminder window.
	year := e.clock.Now().Year()
	e.clock.Set(time.Date(year-1, 12, 10, 12, 0, 0, 0, time.UTC))
	id := e.follower("o_card")
	e.credit(id, 120)
	e.clock.Set(time.Date(year, 12, 10, 12, 0, 0, 0, time.UTC))
	c := e.signIn(t, "o_card")
	var card struct {
		Points int64
		Level  struct{ Name string }
		Next   struct {
			Name   string
			ToNext int64 `json:"to_next"`
		}
		Expiring struct {
			Points int64
			By     string
		}
		Checkin struct {
			CheckedIn   bool  `json:"checked_in"`
			TodayPoints int64 `json:"today_points"`
		}
	}
	if st := c.do("GET", "/api/m/card", nil, &card); st != http.StatusOK {
		t.Fatalf("card = %d", st)
	}
	if card.Points != 120 || card.Level.Name != "普通" || card.Next.Name != "银卡" || card.Next.ToNext != 500 {
		t.Errorf("card = %+v", card)
	}
	if card.Expiring.Points != 120 || card.Expiring.By != fmt.Sprintf("%d-12-31", year) {
		t.Errorf("expiring = %+v, want 120 by %d-12-31", card.Expiring, year)
	}
	if card.Checkin.CheckedIn || card.Checkin.TodayPoints != 5 {
		t.Errorf("check-in state = %+v", card.Checkin)
	}
}

// TestMemberJSSDK: the page gets a wx.config signature over the Official
// Account's jsapi_ticket and its URL without the fragment.
func TestMemberJSSDK(t *testing.T) {
	e := newMemberEnv(t)
	e.follower("o_js")
	c := e.signIn(t, "o_js")
	var sig struct {
		AppID     string `json:"appId"`
		Timestamp int64  `json:"timestamp"`
		NonceStr  string `json:"nonceStr"`
		Signature string `json:"signature"`
	}
	page := "https://siyu.example.com/m/?from=menu"
	if st := c.do("GET", "/api/m/jssdk?url="+url.QueryEscape(page+"#/invite"), nil, &sig); st != http.StatusOK {
		t.Fatalf("jssdk = %d", st)
	}
	ticket, err := e.wx.OAJSAPITicket(context.Background()) // the one cached for all instances
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum([]byte(fmt.Sprintf("jsapi_ticket=%s&noncestr=%s&timestamp=%d&url=%s", ticket, sig.NonceStr, sig.Timestamp, page)))
	if sig.AppID != testAppID || sig.Signature != hex.EncodeToString(sum[:]) {
		t.Errorf("signature %+v does not sign %s with the OA ticket", sig, page)
	}
	if n := e.up.CallCount("/cgi-bin/ticket/getticket"); n != 1 {
		t.Errorf("getticket calls = %d, want 1", n)
	}
	if st := c.do("GET", "/api/m/jssdk?url=javascript:alert(1)", nil, nil); st != http.StatusBadRequest {
		t.Errorf("a non-http URL = %d, want 400", st)
	}
}
