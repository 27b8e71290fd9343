package handler_test

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/siyu/siyu/handler"
	"github.com/siyu/siyu/loyalty"
)

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
