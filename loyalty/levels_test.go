package loyalty_test

import (
	"testing"
	"time"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// TestUpgradeReviewAndCoupons: growth that crosses a threshold upgrades at
// once and grants the level's coupons; the review downgrades a member who
// earned too little, resets their growth, and runs once per period.
func TestUpgradeReviewAndCoupons(t *testing.T) {
	e := newEnv(t)
	up := e.template(model.CouponTemplate{Name: "升级礼", Kind: model.CouponGift, Gift: "咖啡", ValidDays: 30, Active: true})
	monthly := e.template(model.CouponTemplate{Name: "月礼", Kind: model.CouponCash, ValueFen: 1000, ValidDays: 30, Active: true})
	if _, created, err := e.s.SaveLevel(e.ctx, model.Level{Name: "银卡", Threshold: 500, KeepThreshold: 250, Multiplier: 1.2,
		UpgradeCoupons: []int64{up.ID}, MonthlyCoupons: []int64{monthly.ID}}); err != nil || created {
		t.Fatalf("SaveLevel = %v, created %v", err, created)
	}
	m := e.member(0)
	res, err := e.s.RecordOrders(e.ctx, []loyalty.OrderLine{{OrderNo: "U1", MemberID: m, AmountFen: 60000, PaidAt: e.clk.Now()}})
	if err != nil || res[0].LevelUp == nil || res[0].LevelUp.Change.To != "银卡" || len(res[0].LevelUp.Coupons) != 1 {
		t.Fatalf("order = %+v, %v; want an upgrade to 银卡 with one coupon", res, err)
	}
	// Points of the next order use the new multiplier.
	res, err = e.s.RecordOrders(e.ctx, []loyalty.OrderLine{{OrderNo: "U2", MemberID: m, AmountFen: 10000, PaidAt: e.clk.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Order.Points != 120 || res[0].LevelUp != nil {
		t.Errorf("second order = %d points, level up %v; want 120 and none", res[0].Order.Points, res[0].LevelUp)
	}
	info, err := e.s.MemberLevel(e.ctx, m)
	if err != nil || info.Level.Name != "银卡" || info.Next == nil || info.Next.Name != "金卡" || info.ToNext != 1300 {
		t.Errorf("MemberLevel = %+v, %v; want 银卡, 1300 to 金卡", info, err)
	}
	for range 2 {
		if n, err := e.s.IssueMonthlyCoupons(e.ctx, "2025-03"); err != nil {
			t.Fatal(err)
		} else if n > 1 {
			t.Errorf("monthly coupons issued %d, want at most 1", n)
		}
	}
	if n := e.count(&model.Coupon{}, "source = ?", model.SourceLevelMonthly); n != 1 {
		t.Errorf("monthly coupons = %d, want 1", n)
	}

	// A year later, nothing earned: the review moves the member down.
	e.clk.Add(400 * 24 * time.Hour)
	for run := range 2 {
		rr, err := e.s.ReviewLevels(e.ctx, "2026-04")
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{1, 0}[run]; len(rr.Downgraded) != want {
			t.Errorf("review run %d downgraded %d, want %d", run, len(rr.Downgraded), want)
		}
	}
	got := e.get(m)
	if got.Level != "普通" || got.Growth != 0 {
		t.Errorf("after review: %s with %d growth, want 普通 with 0", got.Level, got.Growth)
	}
	hist, err := e.s.LevelHistory(e.ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Reason != model.LevelReview || hist[1].Reason != model.LevelUpgrade {
		t.Errorf("history = %+v, want upgrade then review", hist)
	}
	// Growth must cross the threshold again.
	res, err = e.s.RecordOrders(e.ctx, []loyalty.OrderLine{{OrderNo: "U3", MemberID: m, AmountFen: 10000, PaidAt: e.clk.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].LevelUp != nil {
		t.Errorf("a small order after the downgrade upgraded again: %+v", res[0].LevelUp)
	}
}

// TestReviewCatchUp: lowering a threshold upgrades members at the review.
func TestReviewCatchUp(t *testing.T) {
	e := newEnv(t)
	m := e.member(0)
	if _, err := e.s.RecordOrders(e.ctx, []loyalty.OrderLine{{OrderNo: "K1", MemberID: m, AmountFen: 30000, PaidAt: e.clk.Now()}}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.s.SaveLevel(e.ctx, model.Level{Name: "银卡", Threshold: 300, KeepThreshold: 100, Multiplier: 1.2}); err != nil {
		t.Fatal(err)
	}
	rr, err := e.s.ReviewLevels(e.ctx, "2025-04")
	if err != nil || len(rr.Upgraded) != 1 || e.get(m).Level != "银卡" {
		t.Errorf("review = %+v, %v; level %s; want a catch-up to 银卡", rr, err, e.get(m).Level)
	}
}

func TestLevelAdmin(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		l    model.Level
		code string
	}{
		{"new base", model.Level{Name: "新手", Threshold: 0}, model.EINVALID},
		{"base above 0", model.Level{Name: "普通", Threshold: 10}, model.EINVALID},
		{"taken threshold", model.Level{Name: "白金", Threshold: 2000}, model.ECONFLICT},
		{"keep above threshold", model.Level{Name: "白金", Threshold: 3000, KeepThreshold: 4000}, model.EINVALID},
		{"unknown coupon", model.Level{Name: "白金", Threshold: 3000, UpgradeCoupons: []int64{77}}, model.EINVALID},
		{"multiplier", model.Level{Name: "白金", Threshold: 3000, Multiplier: 0.5}, model.EINVALID},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := e.s.SaveLevel(e.ctx, tc.l); model.ErrorCode(err) != tc.code {
				t.Errorf("SaveLevel = %v, want %s", err, tc.code)
			}
		})
	}
	if _, created, err := e.s.SaveLevel(e.ctx, model.Level{Name: "白金", Threshold: 3000, KeepThreshold: 1500, Multiplier: 1.8}); err != nil || !created {
		t.Fatalf("SaveLevel = %v, created %v", err, created)
	}
	m := e.member(0)
	if err := e.db.Model(&model.Member{}).Where("id = ?", m).Update("level", "白金").Error; err != nil {
		t.Fatal(err)
	}
	if err := e.s.DeleteLevel(e.ctx, "白金"); model.ErrorCode(err) != model.ECONFLICT {
		t.Errorf("delete a held level = %v, want conflict", err)
	}
	if err := e.s.DeleteLevel(e.ctx, "普通"); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("delete the base level = %v, want invalid", err)
	}
	ls, err := e.s.Levels(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 5 || ls[0].Name != "普通" || ls[3].Name != "白金" {
		t.Errorf("levels = %+v", ls)
	}
}
