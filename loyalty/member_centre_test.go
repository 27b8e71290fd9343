package loyalty_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// TestMallStates: each reward carries the state a redeem would answer with,
// redeemable first, then what the member can work towards.
func TestMallStates(t *testing.T) {
	e := newEnv(t)
	m := e.member(300)
	now := e.clk.Now()
	later, earlier, longAgo := now.Add(24*time.Hour), now.Add(-24*time.Hour), now.Add(-72*time.Hour)
	tpl := e.template(model.CouponTemplate{})
	ok := e.reward(model.Reward{Name: "券", PointsCost: 100, Kind: model.RewardCoupon, CouponTemplateID: &tpl.ID, Stock: 5, PerMemberLimit: 1})
	short := e.reward(model.Reward{Name: "包", PointsCost: 500, Kind: model.RewardVirtual, Stock: 5})
	level := e.reward(model.Reward{Name: "金卡礼", PointsCost: 10, Kind: model.RewardVirtual, Stock: 5, MinLevel: "金卡"})
	sold := e.reward(model.Reward{Name: "杯", PointsCost: 20, Kind: model.RewardVirtual, Stock: 0})
	soon := e.reward(model.Reward{Name: "礼盒", PointsCost: 30, Kind: model.RewardVirtual, Stock: 5, SaleStart: &later})
	gone := e.reward(model.Reward{Name: "旧礼", PointsCost: 40, Kind: model.RewardVirtual, Stock: 5, SaleStart: &longAgo, SaleEnd: &earlier})
	states := func() string {
		items, bal, err := e.s.Mall(e.ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		var s string
		for _, it := range items {
			s += fmt.Sprintf("%d:%s ", it.Reward.ID, it.State)
		}
		return fmt.Sprintf("%s| %d", s, bal)
	}
	want := fmt.Sprintf("%d:ok %d:short %d:upcoming %d:level %d:soldout %d:ended | 300", ok.ID, short.ID, soon.ID, level.ID, sold.ID, gone.ID)
	if got := states(); got != want {
		t.Errorf("mall = %s\nwant   %s", got, want)
	}
	if _, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: m, RewardID: ok.ID, RequestID: "r1"}); err != nil {
		t.Fatal(err)
	}
	want = fmt.Sprintf("%d:short %d:upcoming %d:level %d:limit %d:soldout %d:ended | 200", short.ID, soon.ID, level.ID, ok.ID, sold.ID, gone.ID)
	if got := states(); got != want {
		t.Errorf("after redeeming the limit: %s\nwant %s", got, want)
	}
}

// TestCheckInMonth: the month's check-ins and what today and tomorrow earn
// follow the check-in rules, before and after today's check-in.
func TestCheckInMonth(t *testing.T) {
	e := newEnv(t)
	m := e.member(0)
	for range 3 { // 03-10, 03-11, 03-12
		if _, err := e.s.CheckIn(e.ctx, m); err != nil {
			t.Fatal(err)
		}
		e.clk.Add(24 * time.Hour)
	}
	o, err := e.s.CheckInMonth(e.ctx, m, "")
	if err != nil {
		t.Fatal(err)
	}
	if o.Today != "2025-03-13" || o.CheckedIn || o.Streak != 3 || o.TodayPoints != 8 || o.TomorrowPoint != 9 || len(o.Days) != 3 {
		t.Errorf("before today's check-in: %+v", o)
	}
	if _, err := e.s.CheckIn(e.ctx, m); err != nil {
		t.Fatal(err)
	}
	if o, _ = e.s.CheckInMonth(e.ctx, m, "2025-03"); !o.CheckedIn || o.Streak != 4 || o.TodayPoints != 8 || o.TomorrowPoint != 9 || len(o.Days) != 4 {
		t.Errorf("after: %+v", o)
	}
	if o, _ = e.s.CheckInMonth(e.ctx, m, "2025-02"); len(o.Days) != 0 {
		t.Errorf("February has %d check-ins", len(o.Days))
	}
	if _, err := e.s.CheckInMonth(e.ctx, m, "2025-3"); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("a bad month: %v", err)
	}
	e.clk.Add(48 * time.Hour) // a missed day starts again at 1
	if o, _ = e.s.CheckInMonth(e.ctx, m, ""); o.Streak != 0 || o.TodayPoints != 5 || o.TomorrowPoint != 6 {
		t.Errorf("after a missed day: %+v", o)
	}
}

// TestMemberCouponAndBirthday: a coupon is found only for its member; the
// birthday is set once, even by two requests at once.
func TestMemberCouponAndBirthday(t *testing.T) {
	e := newEnv(t)
	a, b := e.member(0), e.member(0)
	tpl := e.template(model.CouponTemplate{})
	res, err := e.s.IssueCoupons(e.ctx, tpl.ID, []int64{a}, model.SourceHQ, "i1")
	if err != nil || len(res) != 1 {
		t.Fatal(err)
	}
	var c model.Coupon
	e.db.Where("member_id = ?", a).Take(&c)
	if got, _, err := e.s.MemberCoupon(e.ctx, a, c.ID); err != nil || got.Code != c.Code {
		t.Errorf("own coupon: %v", err)
	}
	if _, _, err := e.s.MemberCoupon(e.ctx, b, c.ID); !errors.Is(err, model.ErrCouponNotFound) {
		t.Errorf("another member's coupon: %v, want ErrCouponNotFound", err)
	}
	errs := parallel(2, func(i int) error { return e.s.SetBirthdayOnce(e.ctx, a, fmt.Sprintf("05-0%d", i+1)) })
	set := 0
	for _, err := range errs {
		if err == nil {
			set++
		} else if !errors.Is(err, loyalty.ErrBirthdaySet) {
			t.Errorf("birthday: %v", err)
		}
	}
	if set != 1 {
		t.Errorf("birthdays set = %d, want 1", set)
	}
}
