package loyalty

import (
	"context"
	"errors"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// RedeemRequest exchanges points for a reward.
type RedeemRequest struct {
	MemberID int64
	RewardID int64
	// RequestID makes the exchange idempotent: the same id gets the same
	// result (chat uses the message id, HQ tools their own).
	RequestID string
	// PickupStore picks the store of a physical reward; empty: the member's
	// own store when it is one of the reward's, else the reward's first.
	PickupStore string
}

// RedeemResult is a redemption and the coupon it issued, if any.
type RedeemResult struct {
	Redemption model.Redemption
	Coupon     *model.Coupon
	Replay     bool // the request had been redeemed before; nothing changed now
}

// Redeem exchanges the member's points for the reward in one transaction:
// the member row is locked, the level is checked, the per-member limit is
// taken by a guarded update of a counter row, the points are spent through
// the ledger (key redeem:<request id>; due points expire first, the oldest
// are spent first), a coupon reward issues its coupon, and the stock is
// taken last by a guarded update (stock > 0, and the price and on-sale
// switch still those checked), so the hot reward row is locked only from
// that statement to the commit. Any failure rolls it all back.
//
// Before the transaction, attempts that cannot succeed are refused with
// reads only: not on sale, over the per-member limit, and — when the
// service has a StockGate — sold out, by one Redis call. A unit reserved
// at the gate is given back when the transaction fails or refuses.
// Errors: EINVALID, ErrMemberNotFound, ErrRewardNotFound, ErrNotOnSale,
// ErrLevelTooLow, ErrLimitReached, ErrInsufficientPoints, ErrOutOfStock,
// ECONFLICT when the request id was used for another member or reward, or
// the reward's price changed during the redemption (retry).
func (s *Service) Redeem(ctx context.Context, req RedeemRequest) (RedeemResult, error) {
	if req.RequestID == "" || len(req.RequestID) > 96 {
		return RedeemResult{}, model.Errorf(model.EINVALID, "request_id: want 1-96 characters")
	}
	r, pickup, err := s.redeemable(ctx, req)
	if err != nil {
		return s.replayOr(ctx, req, err)
	}
	reserved := false
	if s.opts.StockGate != nil {
		ok, err := s.opts.StockGate.Reserve(ctx, r.ID)
		switch {
		case err != nil: // the gate cannot decide: the database does
		case !ok:
			return s.replayOr(ctx, req, model.Detail(model.ErrOutOfStock, "%s is out of stock", r.Name))
		default:
			reserved = true
		}
	}
	out, err := s.redeemTx(ctx, req, r, pickup)
	switch {
	case errors.Is(err, errAlreadyPosted):
		out, err = s.redemptionByRequest(ctx, req)
	case errors.Is(err, model.ErrLevelTooLow) || errors.Is(err, model.ErrLimitReached):
		// Refused before the ledger entry whose key would have found a replay.
		out, err = s.replayOr(ctx, req, err)
	}
	if reserved && (err != nil || out.Replay) {
		if errors.Is(err, model.ErrOutOfStock) {
			// The gate counted a unit the database does not have: set
			// it from the database rather than give the unit back.
			if gerr := s.opts.StockGate.Reconcile(context.WithoutCancel(ctx), r.ID); gerr != nil {
				s.opts.StockGate.Release(ctx, r.ID)
			}
		} else {
			s.opts.StockGate.Release(ctx, r.ID)
		}
	}
	return out, err
}

// replayOr answers a redemption refused before its transaction: with the
// earlier result when the request id was redeemed before (a retry gets
// what the first attempt got, even once the reward is sold out or off
// sale), else with refusal. A request that goes on to its transaction
// needs no such read: the ledger key redeem:<request id> finds a replay
// there.
func (s *Service) replayOr(ctx context.Context, req RedeemRequest, refusal error) (RedeemResult, error) {
	if prev, err := s.redemptionByRequest(ctx, req); err == nil || !errors.Is(err, gorm.ErrRecordNotFound) {
		return prev, err
	}
	return RedeemResult{}, refusal
}

// redeemable runs the checks that need no transaction: the reward exists
// and is on sale with stock, the pickup store, and the per-member limit.
func (s *Service) redeemable(ctx context.Context, req RedeemRequest) (model.Reward, string, error) {
	r, err := s.Reward(ctx, req.RewardID)
	if err != nil {
		return r, "", err
	}
	if !r.OnSale(s.now()) {
		return r, "", model.Detail(model.ErrNotOnSale, "%s is not on sale now", r.Name)
	}
	if r.Stock <= 0 { // a fast answer only: the guarded update decides
		return r, "", model.Detail(model.ErrOutOfStock, "%s is out of stock", r.Name)
	}
	pickup, err := pickupStore(r, req.PickupStore)
	if err != nil {
		return r, "", err
	}
	if r.PerMemberLimit > 0 {
		var used []int64
		if err := s.db.WithContext(ctx).Model(&model.RewardClaim{}).Where("member_id = ? AND reward_id = ?", req.MemberID, r.ID).
			Pluck("count", &used).Error; err != nil {
			return r, "", err
		}
		if len(used) > 0 && used[0] >= r.PerMemberLimit {
			return r, "", model.Detail(model.ErrLimitReached, "%s: at most %d per member", r.Name, r.PerMemberLimit)
		}
	}
	return r, pickup, nil
}

// redeemTx is Redeem's transaction for the reward r read just before.
func (s *Service) redeemTx(ctx context.Context, req RedeemRequest, r model.Reward, pickup string) (RedeemResult, error) {
	st, err := s.current(s.db.WithContext(ctx))
	if err != nil {
		return RedeemResult{}, err
	}
	var out RedeemResult
	err = s.st.Tx(ctx, func(tx *gorm.DB) error {
		out = RedeemResult{}
		m, err := store.LockMember(tx, req.MemberID)
		if err != nil {
			return err
		}
		if r.MinLevel != "" && st.levels.rank(m.Level) < st.levels.rank(r.MinLevel) {
			return model.Detail(model.ErrLevelTooLow, "%s is for %s members and above", r.Name, r.MinLevel)
		}
		if r.PerMemberLimit > 0 {
			if err := takeClaim(tx, m.ID, r); err != nil {
				return err
			}
		}
		p, err := s.post(tx, &m, Entry{MemberID: m.ID, Delta: -r.PointsCost, Kind: model.PointsRedeem,
			IdemKey: "redeem:" + req.RequestID, Note: "兑换：" + r.Name}, nil)
		if err != nil {
			return err
		} else if !p.Applied {
			return errAlreadyPosted
		}
		red := model.Redemption{RequestID: req.RequestID, MemberID: m.ID, RewardID: r.ID, RewardName: r.Name, Kind: r.Kind,
			Points: r.PointsCost, BalanceAfter: m.Points, Status: model.RedemptionDone}
		if err := s.deliver(tx, r, &red, &out, pickup); err != nil {
			return err
		}
		if err := tx.Create(&red).Error; err != nil {
			return err
		}
		out.Redemption = red
		return takeStock(tx, r)
	})
	return out, err
}

// deliver issues a coupon reward's coupon or a physical reward's pickup
// code onto red.
func (s *Service) deliver(tx *gorm.DB, r model.Reward, red *model.Redemption, out *RedeemResult, pickup string) error {
	switch r.Kind {
	case model.RewardCoupon:
		c, _, err := s.issueCoupon(tx, *r.CouponTemplateID, red.MemberID, model.SourceRedemption, "redeem:"+red.RequestID)
		if errors.Is(err, errTemplateInactive) || errors.Is(err, model.ErrCouponTemplateMissing) {
			return model.Detail(model.ErrNotOnSale, "%s is not available now (its coupon is switched off)", r.Name)
		} else if err != nil {
			return err
		}
		red.CouponID, red.CouponCode, out.Coupon = &c.ID, c.Code, &c
	case model.RewardPhysical:
		code := newCode()
		red.Status, red.PickupStore, red.PickupCode = model.RedemptionToPickup, pickup, &code
	}
	return nil
}

// takeStock takes one unit of r's stock by a guarded update that also
// holds the price and on-sale switch to those the redemption used, so an
// HQ change that commits first applies to it. It is the transaction's last
// statement: the hot reward row stays locked only until the commit.
func takeStock(tx *gorm.DB, r model.Reward) error {
	res := tx.Model(&model.Reward{}).Where("id = ? AND stock > 0 AND points_cost = ? AND active = ?", r.ID, r.PointsCost, true).
		UpdateColumn("stock", gorm.Expr("stock - 1"))
	if res.Error != nil {
		return res.Error
	} else if res.RowsAffected == 1 {
		return nil
	}
	var now model.Reward
	if err := tx.Select("stock, points_cost, active").Take(&now, r.ID).Error; err != nil {
		return err
	}
	switch {
	case now.Stock <= 0:
		return model.Detail(model.ErrOutOfStock, "%s is out of stock", r.Name)
	case !now.Active:
		return model.Detail(model.ErrNotOnSale, "%s is not on sale now", r.Name)
	}
	return model.Errorf(model.ECONFLICT, "%s: the price changed from %d to %d points; retry", r.Name, r.PointsCost, now.PointsCost)
}

// takeClaim counts one more redemption of r by the member, refusing past
// the per-member limit with a guarded update.
func takeClaim(tx *gorm.DB, memberID int64, r model.Reward) error {
	row := model.RewardClaim{MemberID: memberID, RewardID: r.ID}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return err
	}
	res := tx.Model(&model.RewardClaim{}).Where("member_id = ? AND reward_id = ? AND count < ?", memberID, r.ID, r.PerMemberLimit).
		Update("count", gorm.Expr("count + 1"))
	if res.Error != nil {
		return res.Error
	} else if res.RowsAffected == 0 {
		return model.Detail(model.ErrLimitReached, "%s: at most %d per member", r.Name, r.PerMemberLimit)
	}
	return nil
}

// pickupStore chooses where a physical reward is picked up.
func pickupStore(r model.Reward, asked string) (string, error) {
	if r.Kind != model.RewardPhysical {
		return "", nil
	}
	if asked == "" {
		return r.PickupStores[0], nil
	}
	if !slices.Contains(r.PickupStores, asked) {
		return "", model.Errorf(model.EINVALID, "pickup_store %q: %s can be picked up at %v", asked, r.Name, r.PickupStores)
	}
	return asked, nil
}

// redemptionByRequest returns the earlier result of a request id, or
// gorm.ErrRecordNotFound.
func (s *Service) redemptionByRequest(ctx context.Context, req RedeemRequest) (RedeemResult, error) {
	var red model.Redemption
	if err := s.db.WithContext(ctx).Where("request_id = ?", req.RequestID).Take(&red).Error; err != nil {
		return RedeemResult{}, err
	}
	if red.MemberID != req.MemberID || red.RewardID != req.RewardID {
		return RedeemResult{}, model.Errorf(model.ECONFLICT, "request_id %q was used for another redemption", req.RequestID)
	}
	out := RedeemResult{Redemption: red, Replay: true}
	if red.CouponID != nil {
		var c model.Coupon
		if err := s.db.WithContext(ctx).Take(&c, *red.CouponID).Error; err != nil {
			return out, err
		}
		out.Coupon = &c
	}
	return out, nil
}

// MemberRedemptions returns the member's redemptions, newest first.
// Errors: the database's.
func (s *Service) MemberRedemptions(ctx context.Context, memberID int64, limit int) ([]model.Redemption, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	out := []model.Redemption{}
	return out, s.db.WithContext(ctx).Where("member_id = ?", memberID).Order("id DESC").Limit(limit).Find(&out).Error
}

// PickUp hands over a physical reward: the redemption waiting at the store
// with the pickup code moves to picked up, once. Errors: EINVALID,
// ErrPickupNotFound, ECONFLICT when it was picked up already.
func (s *Service) PickUp(ctx context.Context, code, storeCode string) (model.Redemption, error) {
	var red model.Redemption
	code = normalizeCode(code)
	if code == "" || storeCode == "" {
		return red, model.Errorf(model.EINVALID, "pickup_code and store_code: both required")
	}
	now := s.now().UTC()
	res := s.db.WithContext(ctx).Model(&model.Redemption{}).
		Where("pickup_code = ? AND pickup_store = ? AND status = ?", code, storeCode, model.RedemptionToPickup).
		Updates(map[string]any{"status": model.RedemptionPickedUp, "picked_up_at": now})
	if res.Error != nil {
		return red, res.Error
	}
	err := s.db.WithContext(ctx).Where("pickup_code = ? AND pickup_store = ?", code, storeCode).Take(&red).Error
	if err != nil {
		return red, store.NotFound(err, model.ErrPickupNotFound)
	}
	if res.RowsAffected == 0 {
		return red, model.Errorf(model.ECONFLICT, "already picked up at %s", red.PickedUpAt.In(s.loc).Format("2006-01-02 15:04"))
	}
	return red, nil
}

// RedemptionList selects redemptions for HQ's list: all of them, or one
// reward's; newest first.
type RedemptionList struct {
	RewardID      int64
	Limit, Offset int
}

// ListRedemptions returns one page of redemptions, newest first, and how
// many match in all. Errors: the database's.
func (s *Service) ListRedemptions(ctx context.Context, f RedemptionList) ([]model.Redemption, int64, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q := s.db.WithContext(ctx).Model(&model.Redemption{})
	if f.RewardID > 0 {
		q = q.Where("reward_id = ?", f.RewardID)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	out := []model.Redemption{}
	return out, total, q.Order("id DESC").Limit(f.Limit).Offset(max(f.Offset, 0)).Find(&out).Error
}
