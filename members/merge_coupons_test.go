package members_test

import (
	"context"
	"sync"
	"testing"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/servicetest"
)

// TestMergeCouponsFollowTheirMember: both sides hold coupons — an HQ
// coupon each and this month's level coupon each. After the merge every
// coupon is the survivor's, codes are unique and redeemable, the survivor
// holds one usable coupon of the month (not two), and a re-run of the
// month's issue gives nothing more.
func TestMergeCouponsFollowTheirMember(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	if err := e.Loy.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	oa, wc := twoSides(e)
	hq, err := e.Loy.CreateCouponTemplate(ctx, model.CouponTemplate{Name: "新品券", Kind: model.CouponCash, ValueFen: 500, ValidDays: 30, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	monthly, err := e.Loy.CreateCouponTemplate(ctx, model.CouponTemplate{Name: "月礼", Kind: model.CouponGift, Gift: "咖啡", ValidDays: 30, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Loy.SaveLevel(ctx, model.Level{Name: "普通", MonthlyCoupons: []int64{monthly.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Loy.IssueCoupons(ctx, hq.ID, []int64{oa, wc}, model.SourceHQ, "hq-push-1"); err != nil {
		t.Fatal(err)
	}
	if n, err := e.Loy.IssueMonthlyCoupons(ctx, "2026-03"); err != nil || n != 2 {
		t.Fatalf("monthly coupons = %d, %v; want one for each side", n, err)
	}
	if _, err := e.Members.MergeByUnionID(ctx, oa, "u_alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Members.MergeByUnionID(ctx, wc, "u_alice"); err != nil {
		t.Fatal(err)
	}
	survivor := min(oa, wc)
	if n := e.Count(&model.Coupon{}, "member_id <> ?", survivor); n != 0 {
		t.Errorf("coupons left on the merged member: %d", n)
	}
	if n := e.Count(&model.Coupon{}, "template_id = ? AND status = ?", hq.ID, model.CouponIssued); n != 2 {
		t.Errorf("HQ coupons = %d, want both, usable", n)
	}
	if n := e.Count(&model.Coupon{}, "template_id = ? AND status = ?", monthly.ID, model.CouponIssued); n != 1 {
		t.Errorf("usable coupons of March's level gift = %d, want 1", n)
	}
	if n, err := e.Loy.IssueMonthlyCoupons(ctx, "2026-03"); err != nil || n != 0 {
		t.Errorf("March issued again after the merge = %d, %v; want 0", n, err)
	}
	if n := e.Count(&model.Coupon{}, "template_id = ? AND status = ?", monthly.ID, model.CouponIssued); n != 1 {
		t.Errorf("usable coupons of March's level gift after a re-run = %d, want 1", n)
	}
	var usable []model.Coupon
	if err := e.DB.Where("status = ?", model.CouponIssued).Find(&usable).Error; err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	for _, c := range usable {
		if codes[c.Code] {
			t.Errorf("code %s twice", c.Code)
		}
		codes[c.Code] = true
		got, replay, err := e.Loy.RedeemCoupon(ctx, loyalty.CouponRedeem{Code: c.Code, StoreCode: "sh001", RequestID: "r-" + c.Code})
		if err != nil || replay || got.MemberID != survivor || got.Status != model.CouponRedeemed {
			t.Errorf("redeem %s = %+v, %v, replay %v; want redeemed for member %d", c.Code, got, err, replay, survivor)
		}
	}
}

// TestMergeRacesCredits: credits to the newer side run while the merge
// retires it. Each credit lands before the merge (and moves with it) or is
// refused; none is stranded on the merged-away member, and the survivor's
// balance is its ledger.
func TestMergeRacesCredits(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	oa, wc := twoSides(e)
	if _, err := e.Members.MergeByUnionID(ctx, oa, "u_alice"); err != nil {
		t.Fatal(err)
	}
	loser := max(oa, wc)
	const n = 12
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, n)
	var mergeErr error
	wg.Add(n + 1)
	go func() {
		defer wg.Done()
		<-start
		_, mergeErr = e.Members.MergeByUnionID(ctx, wc, "u_alice")
	}()
	for i := range n {
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = e.Loy.Post(ctx, loyalty.Entry{MemberID: loser, Delta: 1, Kind: model.PointsAdjust, IdemKey: "race:" + string(rune('a'+i))})
		}()
	}
	close(start)
	wg.Wait()
	if mergeErr != nil {
		t.Fatal(mergeErr)
	}
	var credited int64
	for i, err := range errs {
		switch {
		case err == nil:
			credited++
		case model.ErrorCode(err) != model.ECONFLICT:
			t.Errorf("credit %d = %v, want success or a conflict", i, err)
		}
	}
	if n := e.Count(&model.PointsEntry{}, "member_id = ?", loser); n != 0 {
		t.Errorf("ledger entries stranded on the merged member: %d", n)
	}
	m, err := e.Members.GetMember(ctx, min(oa, wc))
	if err != nil {
		t.Fatal(err)
	}
	if want := 120 + credited; m.Points != want {
		t.Errorf("survivor balance = %d, want %d (120 + %d credits that landed)", m.Points, want, credited)
	}
}

// TestMergeKeepsAMonthsRedeemedLevelCoupon: the merged-away side had used
// this month's level coupon already; after the merge the survivor cannot
// use the month's coupon a second time, and the redeemed one stays as it
// was.
func TestMergeKeepsAMonthsRedeemedLevelCoupon(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	if err := e.Loy.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	oa, wc := twoSides(e)
	monthly, err := e.Loy.CreateCouponTemplate(ctx, model.CouponTemplate{Name: "月礼", Kind: model.CouponGift, Gift: "咖啡", ValidDays: 30, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Loy.SaveLevel(ctx, model.Level{Name: "普通", MonthlyCoupons: []int64{monthly.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Loy.IssueMonthlyCoupons(ctx, "2026-03"); err != nil {
		t.Fatal(err)
	}
	loser := max(oa, wc)
	var used model.Coupon
	if err := e.DB.Where("member_id = ? AND template_id = ?", loser, monthly.ID).Take(&used).Error; err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Loy.RedeemCoupon(ctx, loyalty.CouponRedeem{Code: used.Code, StoreCode: "sh001"}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{oa, wc} {
		if _, err := e.Members.MergeByUnionID(ctx, id, "u_alice"); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.Count(&model.Coupon{}, "template_id = ? AND status = ?", monthly.ID, model.CouponIssued); n != 0 {
		t.Errorf("usable coupons of March's level gift = %d, want 0: the month's was used", n)
	}
	var after model.Coupon
	if err := e.DB.Take(&after, used.ID).Error; err != nil {
		t.Fatal(err)
	}
	if after.Status != model.CouponRedeemed || after.MemberID != min(oa, wc) || after.RedeemedAt == nil {
		t.Errorf("the redeemed coupon = %+v, want it redeemed, now the survivor's", after)
	}
}
