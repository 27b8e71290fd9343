package loyalty_test

import (
	"testing"
	"time"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// TestPartialRefundsWithShortfall: an order of 200 points, 150 of them
// spent, refunded in three parts. Each part reverses its share of the
// points as far as the balance allows and records the rest as shortfall;
// over all parts the reversals and shortfalls add up to the order's points
// and growth exactly, and the balance never goes below zero.
func TestPartialRefundsWithShortfall(t *testing.T) {
	e := newEnv(t)
	m := e.member(0)
	if _, err := e.s.RecordOrders(e.ctx, []loyalty.OrderLine{{OrderNo: "P1", MemberID: m, AmountFen: 20000, PaidAt: e.clk.Now()}}); err != nil {
		t.Fatal(err)
	}
	r := e.reward(model.Reward{Name: "贴纸", PointsCost: 150, Kind: model.RewardVirtual, Stock: 5})
	if _, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: m, RewardID: r.ID, RequestID: "spend"}); err != nil {
		t.Fatal(err)
	}
	var points, growth, shortfall int64
	for i, tc := range []struct {
		no                         string
		amount                     int64
		wantPoints, wantShort      int64
		wantBalance, wantGrowthNow int64
	}{
		{"R1", 3333, 33, 0, 17, 167}, // floor(200 × 3333/20000) = 33 of the 50 left
		{"R2", 6667, 17, 50, 0, 100}, // 100 − 33 = 67 due, 17 left to take
		{"R3", 0, 0, 100, 0, 0},      // the rest: 100 due, nothing left
		{"R3", 0, 0, 100, 0, 0},      // replayed: nothing changes
	} {
		res, err := e.s.RefundOrder(e.ctx, loyalty.RefundRequest{OrderNo: "P1", RefundNo: tc.no, AmountFen: tc.amount})
		if err != nil {
			t.Fatalf("refund %d: %v", i, err)
		}
		if res.Refund.Points != tc.wantPoints || res.Refund.Shortfall != tc.wantShort {
			t.Errorf("refund %d = %+v, want %d reversed, %d short", i, res.Refund, tc.wantPoints, tc.wantShort)
		}
		if got := e.get(m); got.Points != tc.wantBalance || got.Growth != tc.wantGrowthNow {
			t.Errorf("after refund %d: %d points, %d growth; want %d, %d", i, got.Points, got.Growth, tc.wantBalance, tc.wantGrowthNow)
		}
		if !res.Replay {
			points, growth, shortfall = points+res.Refund.Points, growth+res.Refund.Growth, shortfall+res.Refund.Shortfall
		}
	}
	if points+shortfall != 200 || growth != 200 {
		t.Errorf("refunds reversed %d points (+%d short) and %d growth, want 200 and 200 in all", points, shortfall, growth)
	}
	var o model.Order
	if err := e.db.Where("order_no = ?", "P1").Take(&o).Error; err != nil {
		t.Fatal(err)
	}
	if o.Status != model.OrderRefunded || o.RefundedFen != 20000 || o.PointsReversed != 200 || o.GrowthReversed != 200 {
		t.Errorf("order = %+v, want fully refunded with 200 points and growth reversed", o)
	}
}

// TestRefundAfterTheOrdersPointsExpired: the order's points expired before
// the refund. They already left the balance through expiry; the refund
// must not take them a second time out of points earned later.
func TestRefundAfterTheOrdersPointsExpired(t *testing.T) {
	e := newEnv(t, func(o *loyalty.Options) { o.Expiry = loyalty.ExpiryPolicy{Kind: loyalty.ExpiryRolling, Days: 30} })
	m := e.member(0)
	if _, err := e.s.RecordOrders(e.ctx, []loyalty.OrderLine{{OrderNo: "X1", MemberID: m, AmountFen: 10000, PaidAt: e.clk.Now()}}); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(25 * 24 * time.Hour)
	e.adjust(m, 40) // earned later, still valid at the refund
	e.clk.Add(10 * 24 * time.Hour)
	if run, err := e.s.ExpireDue(e.ctx); err != nil || run.Points != 100 {
		t.Fatalf("expiry = %+v, %v; want the order's 100 expired", run, err)
	}
	res, err := e.s.RefundOrder(e.ctx, loyalty.RefundRequest{OrderNo: "X1", RefundNo: "RX"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Refund.Points != 0 || res.Refund.Shortfall != 100 || res.Refund.Growth != 100 {
		t.Errorf("refund = %+v, want nothing reversed (100 expired already, recorded as shortfall), 100 growth", res.Refund)
	}
	if got := e.get(m); got.Points != 40 || got.Growth != 0 {
		t.Errorf("member = %d points, %d growth; want the later 40 kept, growth 0", got.Points, got.Growth)
	}
}

// TestRefundAfterPartOfTheOrdersPointsExpired: of an order's 100 points 30
// were spent and 70 expired; a full refund takes back the 30 spent (out of
// later points), never the 70 that expired.
func TestRefundAfterPartOfTheOrdersPointsExpired(t *testing.T) {
	e := newEnv(t, func(o *loyalty.Options) { o.Expiry = loyalty.ExpiryPolicy{Kind: loyalty.ExpiryRolling, Days: 30} })
	m := e.member(0)
	if _, err := e.s.RecordOrders(e.ctx, []loyalty.OrderLine{{OrderNo: "X2", MemberID: m, AmountFen: 10000, PaidAt: e.clk.Now()}}); err != nil {
		t.Fatal(err)
	}
	r := e.reward(model.Reward{Name: "贴纸", PointsCost: 30, Kind: model.RewardVirtual, Stock: 5})
	if _, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: m, RewardID: r.ID, RequestID: "spend30"}); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(25 * 24 * time.Hour)
	e.adjust(m, 80)
	e.clk.Add(10 * 24 * time.Hour) // the order's 70 left are due
	half, err := e.s.RefundOrder(e.ctx, loyalty.RefundRequest{OrderNo: "X2", RefundNo: "H1", AmountFen: 5000})
	if err != nil {
		t.Fatal(err)
	}
	rest, err := e.s.RefundOrder(e.ctx, loyalty.RefundRequest{OrderNo: "X2", RefundNo: "H2"})
	if err != nil {
		t.Fatal(err)
	}
	if taken := half.Refund.Points + rest.Refund.Points; taken != 30 || half.Refund.Shortfall+rest.Refund.Shortfall != 70 {
		t.Errorf("refunds = %+v and %+v; want 30 taken back and 70 short in all", half.Refund, rest.Refund)
	}
	if got := e.get(m); got.Points != 50 {
		t.Errorf("balance = %d, want 80 − 30 = 50", got.Points)
	}
}
