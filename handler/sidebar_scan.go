package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// sidebarRedeemCoupon serves POST /api/sidebar/coupons/redeem {"code",
// "request_id"}: the guide scanned a member's coupon QR (it carries the
// coupon code, the same code HQ's 核销 takes) and redeems it for the
// guide's own store, once.
func (s *Server) sidebarRedeemCoupon(c *gin.Context) {
	var req struct {
		Code      string `json:"code"`
		RequestID string `json:"request_id"`
	}
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, err)
		return
	}
	g, _ := guideOf(c)
	if g.StoreCode == "" {
		writeError(c, model.Errorf(model.EFORBIDDEN, "%s has no store; only store guides redeem coupons", g.UserID))
		return
	}
	cp, replay, err := s.loyalty.RedeemCoupon(c.Request.Context(), loyalty.CouponRedeem{Code: req.Code, StoreCode: g.StoreCode, RequestID: req.RequestID})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"coupon": cp, "duplicate": replay})
}
