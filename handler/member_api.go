package handler

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// The member centre's API (/api/m/...): each handler acts on the signed-in
// member only, through the same loyalty methods as the chat.

// memberMessages turns the services' errors into what a member reads.
var memberMessages = []struct {
	err *model.Error
	msg string
}{
	{model.ErrInsufficientPoints, "积分不足"},
	{model.ErrOutOfStock, "已兑完，下次早点来"},
	{model.ErrNotOnSale, "不在兑换时间内"},
	{model.ErrLevelTooLow, "会员等级不够，升级后可兑"},
	{model.ErrLimitReached, "已达每人兑换上限"},
	{model.ErrRewardNotFound, "没有这件礼品"},
	{model.ErrCouponNotFound, "没有这张券"},
	{loyalty.ErrBirthdaySet, "生日已登记，如需修改请联系客服"},
}

// memberError answers err with a Chinese message where one is known.
func memberError(c *gin.Context, err error) {
	for _, m := range memberMessages {
		if errors.Is(err, m.err) {
			writeError(c, model.Errorf(m.err.Code, "%s", m.msg))
			return
		}
	}
	writeError(c, err)
}

// memberMe serves GET /api/m/me: the signed-in member and the CSRF token
// the page sends with writes.
func (s *Server) memberMe(c *gin.Context) {
	m := memberOf(c)
	raw, _ := c.Cookie(memberCookie)
	birthday, err := s.earnPoints(c, model.ChannelBirthday)
	if err != nil {
		writeError(c, err)
		return
	}
	stores, err := s.loyalty.StoreNames(c.Request.Context(), []string{m.StoreCode})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"birthday_points": birthday, "member": gin.H{"id": m.ID, "nickname": m.Nickname, "avatar": m.Avatar, "points": m.Points,
		"growth": m.Growth, "level": m.Level, "checkin_streak": m.CheckinStreak, "birthday": m.Birthday,
		"store_code": m.StoreCode, "store_name": stores[m.StoreCode], "subscribed": m.Subscribed}, "csrf_token": s.memberCSRF(raw)})
}

// memberCard serves GET /api/m/card: level, benefits and the next level,
// points expiring soon and today's check-in.
func (s *Server) memberCard(c *gin.Context) {
	m, ctx := memberOf(c), c.Request.Context()
	lv, err := s.loyalty.MemberLevel(ctx, m.ID)
	if err != nil {
		memberError(c, err)
		return
	}
	exp, err := s.loyalty.ExpiringSoon(ctx, m.ID)
	if err != nil {
		memberError(c, err)
		return
	}
	ci, err := s.loyalty.CheckInMonth(ctx, m.ID, "")
	if err != nil {
		memberError(c, err)
		return
	}
	var next gin.H
	if lv.Next != nil {
		next = gin.H{"name": lv.Next.Name, "threshold": lv.Next.Threshold, "benefits": lv.Next.Benefits, "to_next": lv.ToNext}
	}
	var expireBy string
	if exp.First != nil {
		expireBy = s.loyalty.ValidThrough(*exp.First) // the last day they can be spent
	}
	c.JSON(http.StatusOK, gin.H{"points": m.Points, "growth": lv.Growth,
		"level": gin.H{"name": lv.Level.Name, "threshold": lv.Level.Threshold, "benefits": lv.Level.Benefits, "multiplier": lv.Level.Multiplier},
		"next":  next, "expiring": gin.H{"points": exp.Points, "by": expireBy},
		"checkin": gin.H{"today": ci.Today, "checked_in": ci.CheckedIn, "streak": ci.Streak, "today_points": ci.TodayPoints}})
}

// memberCheckins serves GET /api/m/checkins?month=YYYY-MM.
func (s *Server) memberCheckins(c *gin.Context) {
	o, err := s.loyalty.CheckInMonth(c.Request.Context(), memberOf(c).ID, c.Query("month"))
	if err != nil {
		memberError(c, err)
		return
	}
	days := make([]gin.H, len(o.Days))
	for i, d := range o.Days {
		days[i] = gin.H{"day": d.Day, "points": d.Points, "streak": d.Streak}
	}
	r := s.loyalty.CheckInRules()
	c.JSON(http.StatusOK, gin.H{"today": o.Today, "checked_in": o.CheckedIn, "streak": o.Streak,
		"today_points": o.TodayPoints, "tomorrow_points": o.TomorrowPoint, "days": days,
		"rules": gin.H{"base": r.Base, "streak_step": r.StreakStep, "streak_cap": r.StreakCap, "week_bonus": r.WeekBonus}})
}

// memberCheckIn serves POST /api/m/checkins: the chat's check-in (one per
// business day, whichever side comes first).
func (s *Server) memberCheckIn(c *gin.Context) {
	r, err := s.loyalty.CheckIn(c.Request.Context(), memberOf(c).ID)
	if err != nil {
		memberError(c, err)
		return
	}
	var level string
	if r.LevelUp != nil {
		level = r.LevelUp.Change.To
	}
	c.JSON(http.StatusOK, gin.H{"day": r.Day, "already": r.Already, "credited": r.Credited, "balance": r.Balance,
		"streak": r.Streak, "tomorrow_points": r.NextPoints, "level_up": level})
}

// memberRewards serves GET /api/m/rewards: the mall with the member's
// state of each reward.
func (s *Server) memberRewards(c *gin.Context) {
	items, bal, err := s.loyalty.Mall(c.Request.Context(), memberOf(c).ID)
	if err != nil {
		memberError(c, err)
		return
	}
	out := make([]gin.H, len(items))
	for i, it := range items {
		r := it.Reward
		out[i] = gin.H{"id": r.ID, "name": r.Name, "description": r.Description, "image_url": r.ImageURL, "kind": r.Kind,
			"points_cost": r.PointsCost, "stock": r.Stock, "per_member_limit": r.PerMemberLimit, "left": it.Left,
			"min_level": r.MinLevel, "sale_start": r.SaleStart, "sale_end": r.SaleEnd, "state": it.State, "short": it.Short}
	}
	c.JSON(http.StatusOK, gin.H{"points": bal, "rewards": out})
}

// memberRedeem serves POST /api/m/rewards/{id}/redeem {"request_id"}: the
// chat's exchange; the page makes one request id per confirmation, so a
// retried tap redeems once.
func (s *Server) memberRedeem(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	var req struct {
		RequestID string `json:"request_id"`
	}
	if !bindJSON(c, &req) {
		return
	}
	if req.RequestID == "" || len(req.RequestID) > 64 {
		writeError(c, invalid("request_id: want 1-64 characters"))
		return
	}
	m := memberOf(c)
	res, err := s.loyalty.Redeem(c.Request.Context(), loyalty.RedeemRequest{MemberID: m.ID, RewardID: id,
		RequestID: "m:" + strconv.FormatInt(m.ID, 10) + ":" + req.RequestID})
	if err != nil {
		memberError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"redemption": res.Redemption, "coupon": res.Coupon, "duplicate": res.Replay})
}

// couponState is how the member centre files a coupon: valid, used or
// expired (issued but past its end).
func couponState(cp model.Coupon, now time.Time) string {
	switch {
	case cp.Status == model.CouponRedeemed:
		return "used"
	case cp.Status == model.CouponExpired || !now.Before(cp.ValidTo):
		return "expired"
	}
	return "valid"
}

// memberCouponList serves GET /api/m/coupons?status=valid|used|expired.
func (s *Server) memberCouponList(c *gin.Context) {
	want := c.DefaultQuery("status", "valid")
	if want != "valid" && want != "used" && want != "expired" {
		writeError(c, invalid("status: want valid, used or expired"))
		return
	}
	all, err := s.loyalty.MemberCoupons(c.Request.Context(), memberOf(c).ID, false, 500)
	if err != nil {
		memberError(c, err)
		return
	}
	now := s.now()
	out, stores := []gin.H{}, []string{}
	for _, cp := range all {
		if st := couponState(cp, now); st == want {
			out = append(out, s.couponJSON(cp, st))
			if cp.RedeemedStore != "" {
				stores = append(stores, cp.RedeemedStore)
			}
		}
	}
	names, err := s.loyalty.StoreNames(c.Request.Context(), stores)
	if err != nil {
		memberError(c, err)
		return
	}
	for _, h := range out {
		if n, ok := names[fmt.Sprint(h["redeemed_store"])]; ok {
			h["redeemed_store"] = n
		}
	}
	c.JSON(http.StatusOK, gin.H{"coupons": out})
}

func (s *Server) couponJSON(cp model.Coupon, state string) gin.H {
	loc := s.loyalty.Location()
	h := gin.H{"id": cp.ID, "title": cp.Title, "state": state, "valid_from": cp.ValidFrom.In(loc).Format(time.DateOnly),
		"valid_to": s.loyalty.ValidThrough(cp.ValidTo), "source": cp.Source}
	if cp.RedeemedAt != nil {
		h["redeemed_at"] = cp.RedeemedAt.In(loc).Format("2006-01-02 15:04")
		h["redeemed_store"] = cp.RedeemedStore
	}
	return h
}

// memberCoupon serves GET /api/m/coupons/{id}: one of the member's own
// coupons with its code (for the QR) and terms; another member's id is 404.
func (s *Server) memberCoupon(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	cp, t, err := s.loyalty.MemberCoupon(c.Request.Context(), memberOf(c).ID, id)
	if err != nil {
		memberError(c, err)
		return
	}
	h := s.couponJSON(cp, couponState(cp, s.now()))
	h["code"], h["terms"] = cp.Code, t.Description
	if t.ThresholdFen > 0 {
		h["threshold_yuan"] = float64(t.ThresholdFen) / 100
	}
	c.JSON(http.StatusOK, h)
}

// memberLedger serves GET /api/m/points?limit=: the member's ledger.
func (s *Server) memberLedger(c *gin.Context) {
	limit, err := queryInt(c, "limit", 50)
	if err != nil {
		writeError(c, err)
		return
	}
	entries, err := s.loyalty.Ledger(c.Request.Context(), memberOf(c).ID, limit)
	if err != nil {
		memberError(c, err)
		return
	}
	loc := s.loyalty.Location()
	out := make([]gin.H, len(entries))
	for i, e := range entries {
		out[i] = gin.H{"id": e.ID, "delta": e.Delta, "kind": e.Kind, "note": e.Note, "at": e.CreatedAt.In(loc).Format("2006-01-02 15:04")}
	}
	c.JSON(http.StatusOK, gin.H{"points": memberOf(c).Points, "entries": out})
}

// memberProfile serves PUT /api/m/profile {"birthday": "MM-DD"}: the
// birthday can be set once (for birthday points).
func (s *Server) memberProfile(c *gin.Context) {
	var req struct {
		Birthday string `json:"birthday"`
	}
	if !bindJSON(c, &req) {
		return
	}
	if err := s.loyalty.SetBirthdayOnce(c.Request.Context(), memberOf(c).ID, req.Birthday); err != nil {
		if model.ErrorCode(err) == model.EINVALID {
			writeError(c, invalid("请填写正确的生日（月-日）"))
			return
		}
		memberError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"birthday": req.Birthday[len(req.Birthday)-5:]})
}

// memberJSSDK serves GET /api/m/jssdk?url=: the wx.config signature of the
// Official Account for the page URL (sharing the invite, previewing images).
func (s *Server) memberJSSDK(c *gin.Context) {
	raw := c.Query("url")
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		writeError(c, invalid("url: want the page's full http(s) URL"))
		return
	}
	u.Fragment = ""
	if s.member.WeChat == nil {
		writeError(c, model.Errorf(model.EUNAVAILABLE, "公众号未配置"))
		return
	}
	ticket, err := s.member.WeChat.OAJSAPITicket(c.Request.Context())
	if err != nil {
		logger(c).Warn("OA JS-SDK ticket", "err", err)
		writeError(c, model.Errorf(model.EUNAVAILABLE, "微信暂时没有响应，请稍后再试"))
		return
	}
	sig := signJS(ticket, u.String(), s.now().Unix())
	c.JSON(http.StatusOK, gin.H{"appId": s.oaCfg.AppID, "timestamp": sig.Timestamp, "nonceStr": sig.NonceStr, "signature": sig.Signature})
}
