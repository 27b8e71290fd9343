package loyalty_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// TestRedeemStockUnderContention: 200 members redeem a reward with stock 20
// at once: exactly 20 succeed, the rest are out of stock, stock ends at 0.
func TestRedeemStockUnderContention(t *testing.T) {
	e := newEnv(t)
	tpl := e.template(model.CouponTemplate{})
	r := e.reward(model.Reward{Name: "20元券", PointsCost: 50, Kind: model.RewardCoupon, CouponTemplateID: &tpl.ID, Stock: 20})
	const n = 200
	members := make([]int64, n)
	for i := range members {
		members[i] = e.member(100)
	}
	errs := parallel(n, func(i int) error {
		_, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: members[i], RewardID: r.ID, RequestID: fmt.Sprintf("req-%d", i)})
		return err
	})
	ok, out := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, model.ErrOutOfStock):
			out++
		default:
			t.Errorf("redemption %d: %v", i, err)
		}
	}
	if ok != 20 || out != n-20 {
		t.Errorf("succeeded %d, out of stock %d; want 20 and %d", ok, out, n-20)
	}
	if got, _ := e.s.Reward(e.ctx, r.ID); got.Stock != 0 {
		t.Errorf("stock = %d, want 0", got.Stock)
	}
	if got := e.count(&model.Redemption{}); got != 20 {
		t.Errorf("redemptions = %d, want 20", got)
	}
	if got := e.count(&model.Coupon{}, "source = ?", model.SourceRedemption); got != 20 {
		t.Errorf("coupons = %d, want 20", got)
	}
	if got := e.count(&model.PointsEntry{}, "kind = ?", model.PointsRedeem); got != 20 {
		t.Errorf("redeem ledger entries = %d, want 20", got)
	}
}

// TestRedeemBalanceUnderContention: a member with 100 points redeems a
// 30-point reward 10 times at once: exactly 3 succeed.
func TestRedeemBalanceUnderContention(t *testing.T) {
	e := newEnv(t)
	r := e.reward(model.Reward{Name: "会员贴纸", PointsCost: 30, Kind: model.RewardVirtual, Stock: 100})
	m := e.member(100)
	errs := parallel(10, func(i int) error {
		_, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: m, RewardID: r.ID, RequestID: fmt.Sprintf("bal-%d", i)})
		return err
	})
	ok := 0
	for i, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, model.ErrInsufficientPoints) {
			t.Errorf("redemption %d: %v, want success or insufficient points", i, err)
		}
	}
	if ok != 3 {
		t.Errorf("succeeded %d times, want 3", ok)
	}
	if got := e.get(m).Points; got != 10 {
		t.Errorf("balance = %d, want 10", got)
	}
	if got, _ := e.s.Reward(e.ctx, r.ID); got.Stock != 97 {
		t.Errorf("stock = %d, want 97", got.Stock)
	}
}

// TestRedeemPerMemberLimitUnderContention: a limit of 2 holds when one
// member tries 10 times at once.
func TestRedeemPerMemberLimitUnderContention(t *testing.T) {
	e := newEnv(t)
	r := e.reward(model.Reward{Name: "限量徽章", PointsCost: 10, Kind: model.RewardVirtual, Stock: 100, PerMemberLimit: 2})
	m := e.member(1000)
	errs := parallel(10, func(i int) error {
		_, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: m, RewardID: r.ID, RequestID: fmt.Sprintf("lim-%d", i)})
		return err
	})
	ok := 0
	for i, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, model.ErrLimitReached) {
			t.Errorf("redemption %d: %v", i, err)
		}
	}
	if ok != 2 || e.get(m).Points != 980 {
		t.Errorf("succeeded %d, balance %d; want 2 and 980", ok, e.get(m).Points)
	}
	offers, _, err := e.s.Offers(e.ctx, m)
	if err != nil || len(offers) != 0 {
		t.Errorf("offers after the limit = %v, %v; want none", offers, err)
	}
}

// TestRedeemSameRequestOnce: a request id redeems once and answers the same
// every time, even when sent concurrently.
func TestRedeemSameRequestOnce(t *testing.T) {
	e := newEnv(t)
	tpl := e.template(model.CouponTemplate{})
	r := e.reward(model.Reward{Name: "20元券", PointsCost: 40, Kind: model.RewardCoupon, CouponTemplateID: &tpl.ID, Stock: 5})
	m := e.member(100)
	results := make([]loyalty.RedeemResult, 8)
	errs := parallel(8, func(i int) error {
		var err error
		results[i], err = e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: m, RewardID: r.ID, RequestID: "same"})
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("attempt %d: %v", i, err)
		}
		if results[i].Coupon == nil || results[i].Coupon.Code != results[0].Coupon.Code || results[i].Redemption.ID != results[0].Redemption.ID {
			t.Errorf("attempt %d got %+v, want the first result", i, results[i])
		}
	}
	if e.get(m).Points != 60 || e.count(&model.Redemption{}) != 1 || e.count(&model.Coupon{}) != 1 {
		t.Errorf("balance %d, %d redemptions, %d coupons; want 60, 1, 1", e.get(m).Points, e.count(&model.Redemption{}), e.count(&model.Coupon{}))
	}
	other := e.reward(model.Reward{Name: "贴纸", PointsCost: 1, Kind: model.RewardVirtual, Stock: 5})
	if _, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: m, RewardID: other.ID, RequestID: "same"}); model.ErrorCode(err) != model.ECONFLICT {
		t.Errorf("same request id for another reward: %v, want conflict", err)
	}
}

// TestRedeemRules: each refusal changes nothing.
func TestRedeemRules(t *testing.T) {
	e := newEnv(t)
	now := e.clk.Now()
	later, earlier := now.Add(24*time.Hour), now.Add(-24*time.Hour)
	gold := e.reward(model.Reward{Name: "金卡礼", PointsCost: 10, Kind: model.RewardVirtual, Stock: 5, MinLevel: "金卡"})
	soon := e.reward(model.Reward{Name: "明日开抢", PointsCost: 10, Kind: model.RewardVirtual, Stock: 5, SaleStart: &later})
	over := e.reward(model.Reward{Name: "已结束", PointsCost: 10, Kind: model.RewardVirtual, Stock: 5, SaleStart: &earlier, SaleEnd: &now})
	empty := e.reward(model.Reward{Name: "已兑完", PointsCost: 10, Kind: model.RewardVirtual, Stock: 0})
	dear := e.reward(model.Reward{Name: "大件", PointsCost: 1000, Kind: model.RewardVirtual, Stock: 5})
	m := e.member(100)
	for _, tc := range []struct {
		name   string
		reward int64
		want   error
	}{
		{"level too low", gold.ID, model.ErrLevelTooLow},
		{"not yet on sale", soon.ID, model.ErrNotOnSale},
		{"sale ended", over.ID, model.ErrNotOnSale},
		{"out of stock", empty.ID, model.ErrOutOfStock},
		{"too dear", dear.ID, model.ErrInsufficientPoints},
		{"no such reward", 9999, model.ErrRewardNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: m, RewardID: tc.reward, RequestID: "r-" + tc.name})
			if !errors.Is(err, tc.want) {
				t.Errorf("Redeem = %v, want %v", err, tc.want)
			}
		})
	}
	if e.get(m).Points != 100 || e.count(&model.Redemption{}) != 0 {
		t.Errorf("refusals changed something: balance %d, %d redemptions", e.get(m).Points, e.count(&model.Redemption{}))
	}
	offers, bal, err := e.s.Offers(e.ctx, m)
	if err != nil || bal != 100 || len(offers) != 1 || offers[0].Reward.ID != dear.ID || offers[0].Short != 900 {
		t.Errorf("offers = %+v, %d, %v; want only %s, 900 short", offers, bal, err, dear.Name)
	}
}

// TestPhysicalPickup: a physical reward waits at the store and is handed
// over once, only at that store.
func TestPhysicalPickup(t *testing.T) {
	e := newEnv(t)
	r := e.reward(model.Reward{Name: "帆布袋", PointsCost: 20, Kind: model.RewardPhysical, Stock: 3, PickupStores: []string{"sh001", "sh002"}})
	m := e.member(50)
	if _, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: m, RewardID: r.ID, RequestID: "p0", PickupStore: "bj001"}); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("pickup at a store not listed: %v, want invalid", err)
	}
	res, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: m, RewardID: r.ID, RequestID: "p1", PickupStore: "sh002"})
	if err != nil || res.Redemption.Status != model.RedemptionToPickup || res.Redemption.PickupCode == nil {
		t.Fatalf("Redeem = %+v, %v", res, err)
	}
	code := *res.Redemption.PickupCode
	if _, err := e.s.PickUp(e.ctx, code, "sh001"); !errors.Is(err, model.ErrPickupNotFound) {
		t.Errorf("pickup at another store: %v, want not found", err)
	}
	if red, err := e.s.PickUp(e.ctx, code, "sh002"); err != nil || red.Status != model.RedemptionPickedUp {
		t.Errorf("pickup = %+v, %v", red, err)
	}
	if _, err := e.s.PickUp(e.ctx, code, "sh002"); model.ErrorCode(err) != model.ECONFLICT {
		t.Errorf("second pickup: %v, want conflict", err)
	}
}
