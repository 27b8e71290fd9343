package loyalty_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// TestCouponRedeemedOnce: one code redeemed from 20 goroutines at once is
// redeemed exactly once.
func TestCouponRedeemedOnce(t *testing.T) {
	e := newEnv(t)
	tpl := e.template(model.CouponTemplate{})
	m := e.member(0)
	res, err := e.s.IssueCoupons(e.ctx, tpl.ID, []int64{m}, model.SourceHQ, "push-1")
	if err != nil || len(res) != 1 || res[0].Coupon == nil {
		t.Fatalf("IssueCoupons = %+v, %v", res, err)
	}
	code := res[0].Coupon.Code
	errs := parallel(20, func(i int) error {
		_, _, err := e.s.RedeemCoupon(e.ctx, loyalty.CouponRedeem{Code: code, StoreCode: fmt.Sprintf("s%02d", i)})
		return err
	})
	ok := 0
	for i, err := range errs {
		if err == nil {
			ok++
		} else if !errors.Is(err, model.ErrCouponUsed) {
			t.Errorf("attempt %d: %v, want success or already redeemed", i, err)
		}
	}
	if ok != 1 {
		t.Errorf("redeemed %d times, want exactly once", ok)
	}
	if c, _ := e.s.GetCoupon(e.ctx, code); c.Status != model.CouponRedeemed || c.RedeemedStore == "" {
		t.Errorf("coupon = %+v, want redeemed at a store", c)
	}
}

func TestCouponCodesAndStates(t *testing.T) {
	e := newEnv(t)
	tpl := e.template(model.CouponTemplate{Name: "周末券", Kind: model.CouponDiscount, DiscountPercent: 85, ValidDays: 7, Active: true})
	m := e.member(0)
	res, err := e.s.IssueCoupons(e.ctx, tpl.ID, []int64{m, m + 1000}, model.SourceHQ, "push-2")
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Coupon == nil || !errors.Is(res[1].Error, model.ErrMemberNotFound) {
		t.Fatalf("results = %+v, want a coupon and a member-not-found", res)
	}
	c := *res[0].Coupon
	if !regexp.MustCompile(`^[A-Z2-7]{16}$`).MatchString(c.Code) || c.Title != "周末券（8.5折）" {
		t.Errorf("coupon code %q, title %q; want 16 base32 characters and 周末券（8.5折）", c.Code, c.Title)
	}
	// The same push again issues nothing new.
	again, _ := e.s.IssueCoupons(e.ctx, tpl.ID, []int64{m}, model.SourceHQ, "push-2")
	if again[0].Coupon.Code != c.Code || e.count(&model.Coupon{}) != 1 {
		t.Errorf("repeated push issued another coupon")
	}
	// A till retrying with its request id gets the first answer.
	lower := strings.ToLower(c.Code[:8]) + "-" + c.Code[8:]
	if _, replay, err := e.s.RedeemCoupon(e.ctx, loyalty.CouponRedeem{Code: lower, StoreCode: "sh001", RequestID: "pos-1"}); err != nil || replay {
		t.Fatalf("redeem = %v, replay %v", err, replay)
	}
	if _, replay, err := e.s.RedeemCoupon(e.ctx, loyalty.CouponRedeem{Code: c.Code, StoreCode: "sh001", RequestID: "pos-1"}); err != nil || !replay {
		t.Errorf("retry with the same request id = %v, replay %v; want the first answer", err, replay)
	}
	if _, _, err := e.s.RedeemCoupon(e.ctx, loyalty.CouponRedeem{Code: c.Code, StoreCode: "sh001", RequestID: "pos-2"}); !errors.Is(err, model.ErrCouponUsed) {
		t.Errorf("another request = %v, want already redeemed", err)
	}
	if _, _, err := e.s.RedeemCoupon(e.ctx, loyalty.CouponRedeem{Code: "AAAAAAAAAAAAAAAA", StoreCode: "sh001"}); !errors.Is(err, model.ErrCouponNotFound) {
		t.Errorf("unknown code = %v, want not found", err)
	}
	// A coupon past its validity cannot be redeemed, and the expiry job
	// marks it expired.
	res, _ = e.s.IssueCoupons(e.ctx, tpl.ID, []int64{m}, model.SourceHQ, "push-3")
	e.clk.Add(8 * 24 * time.Hour)
	if _, _, err := e.s.RedeemCoupon(e.ctx, loyalty.CouponRedeem{Code: res[0].Coupon.Code, StoreCode: "sh001"}); !errors.Is(err, model.ErrCouponExpired) {
		t.Errorf("expired coupon = %v, want expired", err)
	}
	run, err := e.s.ExpireDue(e.ctx)
	if err != nil || run.Coupons != 1 {
		t.Errorf("ExpireDue = %+v, %v; want 1 coupon expired", run, err)
	}
	if valid, _ := e.s.MemberCoupons(e.ctx, m, true, 0); len(valid) != 0 {
		t.Errorf("valid coupons = %d, want 0", len(valid))
	}
}

func TestCouponTitles(t *testing.T) {
	for _, tc := range []struct {
		t    model.CouponTemplate
		want string
	}{
		{model.CouponTemplate{Name: "A", Kind: model.CouponCash, ValueFen: 2000, ThresholdFen: 10000}, "A（满100元减20元）"},
		{model.CouponTemplate{Name: "B", Kind: model.CouponCash, ValueFen: 550}, "B（减5.5元）"},
		{model.CouponTemplate{Name: "C", Kind: model.CouponDiscount, DiscountPercent: 80, ThresholdFen: 9950}, "C（满99.5元8折）"},
		{model.CouponTemplate{Name: "D", Kind: model.CouponGift, Gift: "帆布袋"}, "D（赠品：帆布袋）"},
	} {
		if got := tc.t.Title(); got != tc.want {
			t.Errorf("Title(%+v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestCouponTemplateValidation(t *testing.T) {
	e := newEnv(t)
	now := e.clk.Now()
	for _, tc := range []struct {
		name string
		t    model.CouponTemplate
	}{
		{"no kind", model.CouponTemplate{Name: "x", ValidDays: 1}},
		{"cash without value", model.CouponTemplate{Name: "x", Kind: model.CouponCash, ValidDays: 1}},
		{"value above threshold", model.CouponTemplate{Name: "x", Kind: model.CouponCash, ValueFen: 500, ThresholdFen: 100, ValidDays: 1}},
		{"discount 100", model.CouponTemplate{Name: "x", Kind: model.CouponDiscount, DiscountPercent: 100, ValidDays: 1}},
		{"gift without gift", model.CouponTemplate{Name: "x", Kind: model.CouponGift, ValidDays: 1}},
		{"no validity", model.CouponTemplate{Name: "x", Kind: model.CouponGift, Gift: "g"}},
		{"both validities", model.CouponTemplate{Name: "x", Kind: model.CouponGift, Gift: "g", ValidDays: 3, ValidFrom: &now, ValidTo: &now}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := e.s.CreateCouponTemplate(e.ctx, tc.t); model.ErrorCode(err) != model.EINVALID {
				t.Errorf("CreateCouponTemplate = %v, want invalid", err)
			}
		})
	}
	if n := e.count(&model.CouponTemplate{}); n != 0 {
		t.Errorf("%d templates saved, want 0", n)
	}
}
