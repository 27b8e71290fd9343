package loyalty_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// TestRestockRewardUnderRedemptions: restocks and take-aways race
// redemptions; stock never goes below zero, every unit is sold at most
// once, and what is left is the stock put in less what was sold and taken.
func TestRestockRewardUnderRedemptions(t *testing.T) {
	e := newEnv(t)
	r := e.reward(model.Reward{Name: "帆布袋", PointsCost: 10, Kind: model.RewardVirtual, Stock: 5})
	const buyers = 12
	members := make([]int64, buyers)
	for i := range members {
		members[i] = e.member(10)
	}
	errs := parallel(buyers+6, func(i int) error {
		switch {
		case i < buyers:
			_, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: members[i], RewardID: r.ID, RequestID: fmt.Sprintf("rs-%d", i)})
			return err
		case i < buyers+3:
			_, err := e.s.RestockReward(e.ctx, r.ID, 1)
			return err
		default:
			_, err := e.s.RestockReward(e.ctx, r.ID, -2)
			return err
		}
	})
	var sold, added, taken int64
	for i, err := range errs {
		switch {
		case err == nil && i < buyers:
			sold++
		case err == nil && i < buyers+3:
			added++
		case err == nil:
			taken += 2
		case !errors.Is(err, model.ErrOutOfStock):
			t.Errorf("call %d = %v, want success or out of stock", i, err)
		}
	}
	got, err := e.s.Reward(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if added != 3 || got.Stock < 0 || got.Stock != 5+added-sold-taken {
		t.Errorf("stock = %d after %d sold, %d added, %d taken; want 5 + added − sold − taken ≥ 0", got.Stock, sold, added, taken)
	}
	if n := e.count(&model.Redemption{}, "reward_id = ?", r.ID); n != sold {
		t.Errorf("redemptions = %d, want %d", n, sold)
	}
	if _, err := e.s.RestockReward(e.ctx, r.ID, -(got.Stock + 1)); !errors.Is(err, model.ErrOutOfStock) {
		t.Errorf("taking one more than is left = %v, want out of stock", err)
	}
	for _, tc := range []struct {
		id, delta int64
		want      error
		code      string
	}{
		{r.ID, 0, nil, model.EINVALID},
		{r.ID, 1e8 + 1, nil, model.EINVALID},
		{99999, 1, model.ErrRewardNotFound, ""},
	} {
		_, err := e.s.RestockReward(e.ctx, tc.id, tc.delta)
		if tc.want != nil && !errors.Is(err, tc.want) || tc.code != "" && model.ErrorCode(err) != tc.code {
			t.Errorf("RestockReward(%d, %d) = %v, want %v %s", tc.id, tc.delta, err, tc.want, tc.code)
		}
	}
	if after, _ := e.s.Reward(e.ctx, r.ID); after.Stock != got.Stock {
		t.Errorf("refused restocks moved the stock from %d to %d", got.Stock, after.Stock)
	}
}

// TestUpdateRewardKeepsStock: an update replaces the fields but never the
// stock (redemptions may be moving it), and refuses bad input and unknown
// rewards without changing anything.
func TestUpdateRewardKeepsStock(t *testing.T) {
	e := newEnv(t)
	r := e.reward(model.Reward{Name: "帆布袋", PointsCost: 10, Kind: model.RewardVirtual, Stock: 5})
	m := e.member(10)
	if _, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: m, RewardID: r.ID, RequestID: "u1"}); err != nil {
		t.Fatal(err)
	}
	upd := r
	upd.Name, upd.PointsCost, upd.Stock, upd.PerMemberLimit = "大帆布袋", 20, 1000, 2
	got, err := e.s.UpdateReward(e.ctx, upd)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "大帆布袋" || got.PointsCost != 20 || got.PerMemberLimit != 2 || got.Stock != 4 {
		t.Errorf("updated = %+v, want the new fields and the stock left (4), not the 1000 sent", got)
	}
	bad := got
	bad.Name = ""
	if _, err := e.s.UpdateReward(e.ctx, bad); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("nameless update = %v, want invalid", err)
	}
	missing := got
	missing.ID = 99999
	if _, err := e.s.UpdateReward(e.ctx, missing); !errors.Is(err, model.ErrRewardNotFound) {
		t.Errorf("update of an unknown reward = %v, want not found", err)
	}
	if now, err := e.s.Reward(e.ctx, r.ID); err != nil || now.Name != "大帆布袋" || now.Stock != 4 {
		t.Errorf("after refused updates = %+v, %v; want unchanged", now, err)
	}
}

// TestUpdateCouponTemplate: coupons already issued keep their title and
// validity; those issued after the update carry the new ones. Bad input and
// unknown templates are refused and change nothing.
func TestUpdateCouponTemplate(t *testing.T) {
	e := newEnv(t)
	tpl := e.template(model.CouponTemplate{})
	m := e.member(0)
	before, err := e.s.IssueCoupons(e.ctx, tpl.ID, []int64{m}, model.SourceHQ, "before")
	if err != nil || before[0].Coupon == nil {
		t.Fatalf("issue = %+v, %v", before, err)
	}
	upd := tpl
	upd.Name, upd.ValueFen, upd.ValidDays = "换季券", 3000, 7
	got, err := e.s.UpdateCouponTemplate(e.ctx, upd)
	if err != nil || got.Name != "换季券" || got.CreatedAt.IsZero() {
		t.Fatalf("update = %+v, %v", got, err)
	}
	after, err := e.s.IssueCoupons(e.ctx, tpl.ID, []int64{m}, model.SourceHQ, "after")
	if err != nil || after[0].Coupon == nil {
		t.Fatalf("issue = %+v, %v", after, err)
	}
	old, err := e.s.GetCoupon(e.ctx, before[0].Coupon.Code)
	if err != nil {
		t.Fatal(err)
	}
	if old.Title != before[0].Coupon.Title || !old.ValidTo.Equal(before[0].Coupon.ValidTo) {
		t.Errorf("issued coupon changed with its template: %+v, was %+v", old, before[0].Coupon)
	}
	nu := after[0].Coupon
	if nu.Title == old.Title || nu.Title != got.Title() || !nu.ValidTo.Before(old.ValidTo) {
		t.Errorf("new coupon = %q valid to %s; want %q, valid 7 days (before %s)", nu.Title, nu.ValidTo, got.Title(), old.ValidTo)
	}
	bad := got
	bad.ValueFen = 0
	if _, err := e.s.UpdateCouponTemplate(e.ctx, bad); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("cash template without value = %v, want invalid", err)
	}
	missing := got
	missing.ID = 99999
	if _, err := e.s.UpdateCouponTemplate(e.ctx, missing); !errors.Is(err, model.ErrCouponTemplateMissing) {
		t.Errorf("update of an unknown template = %v, want not found", err)
	}
	if now, err := e.s.CouponTemplate(e.ctx, tpl.ID); err != nil || now.Name != "换季券" || now.ValueFen != 3000 {
		t.Errorf("after refused updates = %+v, %v; want unchanged", now, err)
	}
}
