package guides

import (
	"context"
	"strings"
	"time"

	"github.com/siyu/siyu/model"
)

// MaxQRExpire is the longest a temporary Official Account QR code lives.
const MaxQRExpire = 30 * 24 * time.Hour

// QRCodeRequest asks for an Official Account QR code for a scene: permanent,
// or temporary for Expire (at most 30 days).
type QRCodeRequest struct {
	Scene     string
	Permanent bool
	Expire    time.Duration
}

// CreateQRCode creates the code in WeChat and records it. The scene must
// exist (a follow through it gets its tags, store, guide and welcome).
// Errors: EINVALID, ErrSceneNotFound, EUNAVAILABLE and EUPSTREAM from WeChat.
func (s *Codes) CreateQRCode(ctx context.Context, r QRCodeRequest, now time.Time) (model.QRCode, error) {
	r.Scene = strings.TrimSpace(r.Scene)
	switch {
	case r.Permanent && r.Expire != 0:
		return model.QRCode{}, model.Errorf(model.EINVALID, "a permanent QR code has no expiry: give permanent or expire_seconds, not both")
	case !r.Permanent && (r.Expire < time.Minute || r.Expire > MaxQRExpire):
		return model.QRCode{}, model.Errorf(model.EINVALID, "expire_seconds: want 60-%d for a temporary code, or permanent: true", int(MaxQRExpire.Seconds()))
	}
	if _, err := s.scenes.GetScene(ctx, r.Scene); err != nil {
		return model.QRCode{}, err
	}
	code, err := s.oa.CreateQRCode(ctx, r.Scene, r.Expire)
	if err != nil {
		return model.QRCode{}, upstream("WeChat", oaVars, err)
	}
	qr := model.QRCode{Scene: r.Scene, Ticket: code.Ticket, URL: code.URL, ImageURL: code.ImageURL, Permanent: r.Permanent}
	if !r.Permanent {
		exp := now.UTC().Add(time.Duration(code.ExpireSeconds) * time.Second).Truncate(time.Second)
		qr.ExpiresAt = &exp
	}
	return s.dir.SaveQRCode(ctx, qr)
}
