package metrics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/siyu/siyu/metrics"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/servicetest"
)

func TestCouponTemplateStats(t *testing.T) {
	e := servicetest.New(t)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	tpl := model.CouponTemplate{Name: "咖啡券", Kind: model.CouponGift, Gift: "咖啡", ValidDays: 30, Active: true}
	e.Must(e.DB.Create(&tpl).Error)
	issued := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	used := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	n := 0
	coupon := func(member int64, source string, at time.Time, usedAt *time.Time) {
		n++
		c := model.Coupon{Code: fmt.Sprintf("C%d", n), TemplateID: tpl.ID, MemberID: member, Title: "x", Status: model.CouponIssued,
			Source: source, IssueKey: fmt.Sprintf("k%d", n), CreatedAt: at, ValidTo: at.AddDate(0, 0, 30)}
		if usedAt != nil {
			c.Status, c.RedeemedAt, c.RedeemedStore = model.CouponRedeemed, usedAt, "sh001"
		}
		e.Must(e.DB.Create(&c).Error)
	}
	order := func(member int64, store string, at time.Time, fen int64) {
		n++
		e.Must(e.DB.Create(&model.Order{OrderNo: fmt.Sprintf("o%d", n), MemberID: member, StoreCode: store, AmountFen: fen,
			PaidAt: at, Status: model.OrderPaid}).Error)
	}
	coupon(1, model.SourceTask, issued, &used)                       // push, used with an order
	coupon(2, model.SourceTask, issued, nil)                         // push, not used
	coupon(3, model.SourceGuide, issued, &used)                      // guide, used, no order
	coupon(4, model.SourceRedemption, issued.AddDate(0, 0, -2), nil) // before the range
	// Business-day edges in Shanghai: 1 Mar 00:30 is in (28 Feb in UTC),
	// 3 Mar 00:30 is out (2 Mar in UTC).
	coupon(5, model.SourceRedemption, time.Date(2026, 2, 28, 16, 30, 0, 0, time.UTC), nil) // mall, in
	coupon(6, model.SourceRedemption, time.Date(2026, 3, 2, 16, 30, 0, 0, time.UTC), nil)  // mall, out
	coupon(7, model.SourceHQ, time.Date(2026, 3, 2, 15, 59, 0, 0, time.UTC), nil)          // push (HQ issue), in
	coupon(8, model.SourceLevelUp, time.Date(2026, 2, 28, 15, 59, 0, 0, time.UTC), nil)    // level, 28 Feb 23:59: out
	order(1, "sh001", used.Add(30*time.Minute), 5000)                                      // the order that used it
	order(1, "sh002", used.Add(10*time.Minute), 7000)                                      // another store
	order(1, "sh001", used.Add(3*time.Hour), 9000)                                         // too late
	r, err := metrics.NewDayRange("2026-03-01", "2026-03-02", loc, e.Now)
	e.Must(err)
	got, err := e.Metrics.CouponTemplateStats(context.Background(), r)
	e.Must(err)
	want := fmt.Sprintf("[{%d 咖啡券 guide 1 1 1 0} {%d 咖啡券 mall 1 0 0 0} {%d 咖啡券 push 3 1 0.3333333333333333 5000}]", tpl.ID, tpl.ID, tpl.ID)
	if fmt.Sprint(got) != want {
		t.Errorf("stats = %v\nwant    %s", got, want)
	}
}
