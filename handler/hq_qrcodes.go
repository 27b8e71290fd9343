package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/guides"
)

// qrCodeRequest is the body of POST /api/hq/qrcodes: a permanent code, or a
// temporary one living expire_seconds (default 30 days, the longest).
type qrCodeRequest struct {
	Scene         string `json:"scene"`
	Permanent     bool   `json:"permanent"`
	ExpireSeconds int64  `json:"expire_seconds"`
}

func (s *Server) createQRCode(c *gin.Context) {
	var req qrCodeRequest
	if !bindJSON(c, &req) {
		return
	}
	if !s.needChannels(c) {
		return
	}
	r := guides.QRCodeRequest{Scene: req.Scene, Permanent: req.Permanent, Expire: time.Duration(req.ExpireSeconds) * time.Second}
	if !req.Permanent && req.ExpireSeconds == 0 {
		r.Expire = guides.MaxQRExpire
	}
	qr, err := s.codes.CreateQRCode(c.Request.Context(), r, s.now())
	reply(c, http.StatusCreated, qr, err)
}

func (s *Server) listQRCodes(c *gin.Context) {
	codes, err := s.guides.ListQRCodes(c.Request.Context(), c.Query("scene"))
	reply(c, http.StatusOK, gin.H{"qrcodes": codes}, err)
}
