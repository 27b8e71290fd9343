package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// sidebarCouponTemplates serves GET /api/sidebar/coupon-templates: the
// coupons HQ lets guides issue, with what this guide has left today.
func (s *Server) sidebarCouponTemplates(c *gin.Context) {
	g, _ := guideOf(c)
	ts, err := s.loyalty.GuideCouponTemplates(c.Request.Context(), g.UserID)
	reply(c, http.StatusOK, gin.H{"templates": ts}, err)
}

type guideCouponRequest struct {
	TemplateID int64  `json:"template_id"`
	RequestID  string `json:"request_id"` // the page makes one per tap, so a retry issues once
}

// sidebarIssueCoupon serves POST /api/sidebar/contacts/{external_userid}/coupons:
// the guide gives the customer a coupon within the daily quota. 201 when
// issued, 200 when the request id had issued it already.
func (s *Server) sidebarIssueCoupon(c *gin.Context) {
	m, err := s.customerFor(c, c.Param("external_userid"))
	if err != nil {
		writeError(c, err)
		return
	}
	var req guideCouponRequest
	if !bindJSON(c, &req) {
		return
	}
	if req.TemplateID <= 0 {
		writeError(c, invalid("template_id: required"))
		return
	}
	g, _ := guideOf(c)
	coupon, replay, err := s.loyalty.IssueCouponByGuide(c.Request.Context(), req.TemplateID, m.ID, g.UserID, req.RequestID)
	if err != nil {
		writeError(c, err)
		return
	}
	respondSaved(c, !replay, coupon)
}
