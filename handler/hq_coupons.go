package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// templateRequest is the body of POST and PUT /api/hq/coupon-templates.
type templateRequest struct {
	Name            string     `json:"name"`
	Kind            string     `json:"kind"`
	ValueFen        int64      `json:"value_fen"`
	DiscountPercent int64      `json:"discount_percent"`
	Gift            string     `json:"gift"`
	ThresholdFen    int64      `json:"threshold_fen"`
	ValidDays       int64      `json:"valid_days"`
	ValidFrom       *time.Time `json:"valid_from"`
	ValidTo         *time.Time `json:"valid_to"`
	Description     string     `json:"description"`
	Active          *bool      `json:"active"` // default true
	GuideDailyQuota int64      `json:"guide_daily_quota"`
}

func (r templateRequest) template() model.CouponTemplate {
	return model.CouponTemplate{Name: r.Name, Kind: r.Kind, ValueFen: r.ValueFen, DiscountPercent: r.DiscountPercent,
		Gift: r.Gift, ThresholdFen: r.ThresholdFen, ValidDays: r.ValidDays, ValidFrom: r.ValidFrom, ValidTo: r.ValidTo,
		Description: r.Description, Active: r.Active == nil || *r.Active, GuideDailyQuota: r.GuideDailyQuota}
}

func (s *Server) createCouponTemplate(c *gin.Context) {
	var req templateRequest
	if !bindJSON(c, &req) {
		return
	}
	t, err := s.loyalty.CreateCouponTemplate(c.Request.Context(), req.template())
	reply(c, http.StatusCreated, t, err)
}

func (s *Server) updateCouponTemplate(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	var req templateRequest
	if !bindJSON(c, &req) {
		return
	}
	t := req.template()
	t.ID = id
	t, err := s.loyalty.UpdateCouponTemplate(c.Request.Context(), t)
	reply(c, http.StatusOK, t, err)
}

func (s *Server) listCouponTemplates(c *gin.Context) {
	ts, err := s.loyalty.CouponTemplates(c.Request.Context())
	reply(c, http.StatusOK, gin.H{"templates": ts}, err)
}

func (s *Server) getCouponTemplate(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	t, err := s.loyalty.CouponTemplate(c.Request.Context(), id)
	reply(c, http.StatusOK, t, err)
}

// issueRequest is the body of POST /api/hq/coupons/issue.
type issueRequest struct {
	TemplateID int64   `json:"template_id"`
	MemberIDs  []int64 `json:"member_ids"`
	RequestID  string  `json:"request_id"`
}

// issueCoupons pushes a coupon to members, once per request id and member:
// 200 with a result per member (a coupon, or an error).
func (s *Server) issueCoupons(c *gin.Context) {
	var req issueRequest
	if !bindJSON(c, &req) {
		return
	}
	res, err := s.loyalty.IssueCoupons(c.Request.Context(), req.TemplateID, req.MemberIDs, model.SourceHQ, req.RequestID)
	if err != nil {
		writeError(c, err)
		return
	}
	out := make([]gin.H, len(res))
	issued := 0
	for i, r := range res {
		out[i] = gin.H{"member_id": r.MemberID}
		if r.Error != nil {
			out[i]["error"] = apiError{Code: model.ErrorCode(r.Error), Message: model.ErrorMessage(r.Error)}
		} else {
			out[i]["coupon"] = r.Coupon
			issued++
		}
	}
	respond(c, http.StatusOK, gin.H{"results": out, "issued": issued})
}

// couponRedeemRequest is the body of POST /api/hq/coupons/redeem (核销).
type couponRedeemRequest struct {
	Code      string `json:"code"`
	StoreCode string `json:"store_code"`
	RequestID string `json:"request_id"`
}

// redeemCoupon redeems a coupon at a store exactly once: 200 with the
// coupon; 409 when it was redeemed before (unless by this request id, which
// gets the first answer) or is outside its validity; 404 for an unknown
// code.
func (s *Server) redeemCoupon(c *gin.Context) {
	var req couponRedeemRequest
	if !bindJSON(c, &req) {
		return
	}
	cp, replay, err := s.loyalty.RedeemCoupon(c.Request.Context(), loyalty.CouponRedeem{Code: req.Code, StoreCode: req.StoreCode, RequestID: req.RequestID})
	reply(c, http.StatusOK, gin.H{"coupon": cp, "duplicate": replay}, err)
}

func (s *Server) getCoupon(c *gin.Context) {
	cp, err := s.loyalty.GetCoupon(c.Request.Context(), c.Param("code"))
	reply(c, http.StatusOK, cp, err)
}

// memberCoupons lists a member's coupons; ?valid=1 only those usable now.
func (s *Server) memberCoupons(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	limit, err := queryInt(c, "limit", 100)
	if err != nil {
		writeError(c, err)
		return
	}
	cs, err := s.loyalty.MemberCoupons(c.Request.Context(), id, c.Query("valid") == "1" || c.Query("valid") == "true", limit)
	reply(c, http.StatusOK, gin.H{"coupons": cs}, err)
}
