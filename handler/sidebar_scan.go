package handler

import (
	"errors"
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
	if !bindJSON(c, &req) {
		return
	}
	g, _ := guideOf(c)
	if g.StoreCode == "" {
		writeError(c, model.Errorf(model.EFORBIDDEN, "%s has no store; only store guides redeem coupons", g.UserID))
		return
	}
	cp, replay, err := s.loyalty.RedeemCoupon(c.Request.Context(), loyalty.CouponRedeem{Code: req.Code, StoreCode: g.StoreCode, RequestID: req.RequestID})
	if err != nil {
		writeError(c, s.scanError(cp, err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"coupon": cp, "duplicate": replay})
}

// scanError says in Chinese why a scanned coupon was not redeemed.
func (s *Server) scanError(cp model.Coupon, err error) error {
	switch {
	case errors.Is(err, model.ErrCouponUsed) && cp.RedeemedAt != nil:
		return model.Errorf(model.ECONFLICT, "这张券已于 %s 在门店 %s 核销过", cp.RedeemedAt.In(s.loyalty.Location()).Format("01-02 15:04"), cp.RedeemedStore)
	case errors.Is(err, model.ErrCouponExpired):
		return model.Errorf(model.ECONFLICT, "这张券已过期或还没到使用时间")
	case errors.Is(err, model.ErrCouponNotFound):
		return model.Errorf(model.ENOTFOUND, "没有这张券：请扫会员中心里的券二维码")
	case model.ErrorCode(err) == model.EINVALID:
		return model.Errorf(model.EINVALID, "没有识别到券码")
	}
	return err
}
