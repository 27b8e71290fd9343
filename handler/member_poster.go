package handler

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/skip2/go-qrcode"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// inviteQRLife is how long a member's invite QR code (a temporary
// parametric code, so the permanent-code quota is never touched) is reused
// before a new one is made; WeChat keeps it valid for 30 days.
const inviteQRLife = 29 * 24 * time.Hour

// inviteURL returns the URL the member's invite QR code carries (scene
// ref_<id>), made once and kept in Redis for inviteQRLife.
func (s *Server) inviteURL(c *gin.Context, memberID int64) (string, error) {
	ctx := c.Request.Context()
	key := fmt.Sprintf("%s:m:inviteqr:%d", s.member.prefix, memberID)
	if u, err := s.rdb.Get(ctx, key).Result(); err == nil && u != "" {
		return u, nil
	}
	if s.member.WeChat == nil {
		return "", model.Errorf(model.EUNAVAILABLE, "公众号未配置，暂时无法生成邀请码")
	}
	qr, err := s.member.WeChat.CreateQRCode(ctx, loyalty.InviteScene(memberID), 30*24*time.Hour)
	if err != nil {
		logger(c).Warn("invite QR code", "member", memberID, "err", err)
		return "", model.Errorf(model.EUPSTREAM, "微信暂时没有生成二维码，请稍后再试")
	}
	if err := s.rdb.Set(ctx, key, qr.URL, inviteQRLife).Err(); err != nil {
		logger(c).Warn("invite QR code not cached", "err", err)
	}
	return qr.URL, nil
}

// memberInviteInfo serves GET /api/m/invite: the member's invite scene,
// where the poster is and what an invited follow earns.
func (s *Server) memberInviteInfo(c *gin.Context) {
	m := memberOf(c)
	points, err := s.earnPoints(c, model.ChannelReferral)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"scene": loyalty.InviteScene(m.ID), "poster_url": "/api/m/invite/poster.png", "referral_points": points})
}

// memberPoster serves GET /api/m/invite/poster.png: a 750×1200 PNG on the
// brand's background with the member's invite QR code.
func (s *Server) memberPoster(c *gin.Context) {
	u, err := s.inviteURL(c, memberOf(c).ID)
	if err != nil {
		writeError(c, err)
		return
	}
	b, err := invitePoster(u, s.member.PosterBackground)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Cache-Control", "private, max-age=3600")
	c.Data(http.StatusOK, "image/png", b)
}

// Brand colours of the poster.
var (
	posterTop    = color.RGBA{0xB8, 0x1E, 0x2E, 0xFF}
	posterBottom = color.RGBA{0xE8, 0x6A, 0x3A, 0xFF}
	posterGold   = color.RGBA{0xF6, 0xD3, 0x8A, 0xFF}
)

// invitePoster draws the 750×1200 poster: the brand's background (bg, or
// a drawn one) and a white card holding the QR code of content.
func invitePoster(content string, bg image.Image) ([]byte, error) {
	const w, h, qrSize, card = 750, 1200, 420, 500
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	if bg != nil {
		scaleInto(img, bg)
	} else {
		drawBackground(img)
	}
	x0, y0 := (w-card)/2, 420
	roundRect(img, image.Rect(x0, y0, x0+card, y0+card), 28, color.White)
	q, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("invite QR code: %w", err)
	}
	q.DisableBorder = true
	qi := q.Image(qrSize)
	off := image.Pt(x0+(card-qrSize)/2, y0+(card-qrSize)/2)
	draw.Draw(img, qi.Bounds().Add(off), qi, qi.Bounds().Min, draw.Src)

	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// scaleInto stretches src over dst (nearest neighbour: a background).
func scaleInto(dst *image.RGBA, src image.Image) {
	sb, db := src.Bounds(), dst.Bounds()
	for y := db.Min.Y; y < db.Max.Y; y++ {
		sy := sb.Min.Y + (y-db.Min.Y)*sb.Dy()/db.Dy()
		for x := db.Min.X; x < db.Max.X; x++ {
			dst.Set(x, y, src.At(sb.Min.X+(x-db.Min.X)*sb.Dx()/db.Dx(), sy))
		}
	}
}

// drawBackground paints the default: a vertical brand gradient, gold
// rings and two gold bands around the QR card.
func drawBackground(img *image.RGBA) {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	for y := 0; y < h; y++ {
		t := float64(y) / float64(h-1)
		c := color.RGBA{lerp(posterTop.R, posterBottom.R, t), lerp(posterTop.G, posterBottom.G, t), lerp(posterTop.B, posterBottom.B, t), 0xFF}
		draw.Draw(img, image.Rect(0, y, w, y+1), &image.Uniform{c}, image.Point{}, draw.Src)
	}
	ring(img, 120, 160, 90, 8)
	ring(img, 640, 260, 60, 6)
	ring(img, 600, 1080, 110, 8)
	ring(img, 90, 1010, 50, 5)
	draw.Draw(img, image.Rect(175, 300, 575, 312), &image.Uniform{posterGold}, image.Point{}, draw.Src)
	draw.Draw(img, image.Rect(175, 1000, 575, 1012), &image.Uniform{posterGold}, image.Point{}, draw.Src)
}

func lerp(a, b uint8, t float64) uint8 { return uint8(float64(a) + (float64(b)-float64(a))*t) }

// ring draws a circle outline of radius r and thickness th.
func ring(img *image.RGBA, cx, cy, r, th int) {
	for y := cy - r - th; y <= cy+r+th; y++ {
		for x := cx - r - th; x <= cx+r+th; x++ {
			d := (x-cx)*(x-cx) + (y-cy)*(y-cy)
			if d <= (r+th)*(r+th) && d >= r*r && image.Pt(x, y).In(img.Rect) {
				img.Set(x, y, posterGold)
			}
		}
	}
}

// roundRect fills rect with rounded corners of radius r.
func roundRect(img *image.RGBA, rect image.Rectangle, r int, c color.Color) {
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			cx := min(max(x, rect.Min.X+r), rect.Max.X-r-1)
			cy := min(max(y, rect.Min.Y+r), rect.Max.Y-r-1)
			if (x-cx)*(x-cx)+(y-cy)*(y-cy) <= r*r {
				img.Set(x, y, c)
			}
		}
	}
}

// earnPoints is what the earning rule of channel credits now (0 when it is
// switched off), for the page to promise only what the rules give.
func (s *Server) earnPoints(c *gin.Context, channel string) (int64, error) {
	rules, err := s.loyalty.EarningRules(c.Request.Context())
	if err != nil {
		return 0, err
	}
	for _, r := range rules {
		if r.Channel == channel && r.Enabled {
			return r.Points, nil
		}
	}
	return 0, nil
}
