package handler

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// rewardRequest is the body of POST /api/hq/rewards (and, without stock,
// PUT /api/hq/rewards/{id}).
type rewardRequest struct {
	Name             string     `json:"name"`
	Description      string     `json:"description"`
	ImageURL         string     `json:"image_url"`
	PointsCost       int64      `json:"points_cost"`
	Kind             string     `json:"kind"`
	CouponTemplateID *int64     `json:"coupon_template_id"`
	Stock            *int64     `json:"stock"`
	PerMemberLimit   int64      `json:"per_member_limit"`
	MinLevel         string     `json:"min_level"`
	SaleStart        *time.Time `json:"sale_start"`
	SaleEnd          *time.Time `json:"sale_end"`
	PickupStores     []string   `json:"pickup_stores"`
	Active           *bool      `json:"active"` // default true
}

func (r rewardRequest) reward() model.Reward {
	out := model.Reward{Name: r.Name, Description: r.Description, ImageURL: r.ImageURL, PointsCost: r.PointsCost, Kind: r.Kind,
		CouponTemplateID: r.CouponTemplateID, PerMemberLimit: r.PerMemberLimit, MinLevel: r.MinLevel,
		SaleStart: r.SaleStart, SaleEnd: r.SaleEnd, PickupStores: r.PickupStores, Active: r.Active == nil || *r.Active}
	if r.Stock != nil {
		out.Stock = *r.Stock
	}
	return out
}

// createReward adds a reward to the points mall (201).
func (s *Server) createReward(c *gin.Context) {
	var req rewardRequest
	if !bindJSON(c, &req) {
		return
	}
	r, err := s.loyalty.CreateReward(c.Request.Context(), req.reward())
	reply(c, http.StatusCreated, r, err)
}

// updateReward replaces a reward's fields; stock moves only through
// POST /rewards/{id}/stock, so concurrent redemptions are never undone.
func (s *Server) updateReward(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	var req rewardRequest
	if !bindJSON(c, &req) {
		return
	}
	if req.Stock != nil {
		writeError(c, invalid("stock cannot be set here: use POST /api/hq/rewards/%d/stock with a delta", id))
		return
	}
	r := req.reward()
	r.ID = id
	r, err := s.loyalty.UpdateReward(c.Request.Context(), r)
	reply(c, http.StatusOK, r, err)
}

// restockReward adds (or takes away) stock: {"delta": 50}.
func (s *Server) restockReward(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	var req struct {
		Delta int64 `json:"delta"`
	}
	if !bindJSON(c, &req) {
		return
	}
	r, err := s.loyalty.RestockReward(c.Request.Context(), id, req.Delta)
	reply(c, http.StatusOK, r, err)
}

func (s *Server) listRewards(c *gin.Context) {
	rs, err := s.loyalty.Rewards(c.Request.Context(), c.Query("active") == "1" || c.Query("active") == "true")
	var views []rewardView
	if err == nil {
		views, err = s.withImages(c, rs)
	}
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, gin.H{"rewards": views})
}

func (s *Server) getReward(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	r, err := s.loyalty.Reward(c.Request.Context(), id)
	reply(c, http.StatusOK, r, err)
}

// redeemRequest is the body of POST /api/hq/members/{id}/redemptions.
type redeemRequest struct {
	RewardID    int64  `json:"reward_id"`
	RequestID   string `json:"request_id"`
	PickupStore string `json:"pickup_store"`
}

// redeem exchanges a member's points for a reward: 201 with the redemption
// (and coupon), 200 with the same answer when the member's request id was
// seen (request ids are scoped to the member).
func (s *Server) redeem(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	var req redeemRequest
	if !bindJSON(c, &req) {
		return
	}
	if !model.ValidOrderNo(req.RequestID) {
		writeError(c, invalid("request_id %q: want 1-64 letters, digits or _-.:#/", req.RequestID))
		return
	}
	auditCommitStatus(c, http.StatusCreated) // 201 only after Redeem's transaction committed
	res, err := s.loyalty.Redeem(c.Request.Context(), loyalty.RedeemRequest{MemberID: id, RewardID: req.RewardID,
		RequestID: fmt.Sprintf("hq:%d:%s", id, req.RequestID), PickupStore: req.PickupStore})
	if err != nil {
		writeError(c, err)
		return
	}
	respondSaved(c, !res.Replay, gin.H{"redemption": res.Redemption, "coupon": res.Coupon, "duplicate": res.Replay})
}

// pickUp hands over a physical reward at its store, once.
func (s *Server) pickUp(c *gin.Context) {
	var req struct {
		PickupCode string `json:"pickup_code"`
		StoreCode  string `json:"store_code"`
	}
	if !bindJSON(c, &req) {
		return
	}
	red, err := s.loyalty.PickUp(c.Request.Context(), req.PickupCode, req.StoreCode)
	reply(c, http.StatusOK, red, err)
}

// listRedemptions serves GET /api/hq/redemptions?reward_id=&limit=&offset=:
// the newest redemptions (from the chat, the member centre or the API) and
// the total.
func (s *Server) listRedemptions(c *gin.Context) {
	limit, offset, err := pageParams(c)
	if err != nil {
		writeError(c, err)
		return
	}
	reward, err := queryInt(c, "reward_id", 0)
	if err != nil {
		writeError(c, err)
		return
	}
	reds, total, err := s.loyalty.ListRedemptions(c.Request.Context(), loyalty.RedemptionList{RewardID: int64(reward), Limit: limit, Offset: offset})
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, gin.H{"redemptions": reds, "total": total})
}
