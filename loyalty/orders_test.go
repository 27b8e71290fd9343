package loyalty_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

func TestOrderEarning(t *testing.T) {
	e := newEnv(t)
	silver := e.member(0)
	e.db.Model(&model.Member{}).Where("id = ?", silver).Update("level", "银卡")
	base := e.member(0)
	paid := e.clk.Now().Add(-time.Hour)
	lines := []loyalty.OrderLine{
		{OrderNo: "A1", MemberID: base, AmountFen: 12999, PaidAt: paid},   // 129.99 yuan → 129 points, 129 growth
		{OrderNo: "A2", MemberID: silver, AmountFen: 10050, PaidAt: paid}, // 100.5 × 1.2 = 120.6 → 120, growth 100
		{OrderNo: "A3", MemberID: base, AmountFen: 99, PaidAt: paid},      // under a yuan: nothing
	}
	res, err := e.s.RecordOrders(e.ctx, lines)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int64{{129, 129}, {120, 100}, {0, 0}}
	for i, r := range res {
		if r.Status != loyalty.OrderCreated || r.Order.Points != want[i][0] || r.Order.Growth != want[i][1] {
			t.Errorf("line %d = %s %d points %d growth, want created %v", i, r.Status, r.Order.Points, r.Order.Growth, want[i])
		}
	}
}

// TestOrderBatchTwiceAndRefundTwice: a batch posted twice and a refund
// posted twice are each counted once.
func TestOrderBatchTwiceAndRefundTwice(t *testing.T) {
	e := newEnv(t)
	m1, m2 := e.member(0), e.member(0)
	paid := e.clk.Now().Add(-time.Hour)
	var lines []loyalty.OrderLine
	for i := range 10 {
		lines = append(lines, loyalty.OrderLine{OrderNo: fmt.Sprintf("B%d", i), MemberID: []int64{m1, m2}[i%2], StoreCode: "sh001", AmountFen: 10000, PaidAt: paid})
	}
	lines = append(lines, lines[0]) // the same order twice in one batch
	lines = append(lines, loyalty.OrderLine{OrderNo: "bad id!", MemberID: m1, AmountFen: 100, PaidAt: paid},
		loyalty.OrderLine{OrderNo: "B99", MemberID: 99999, AmountFen: 100, PaidAt: paid},
		loyalty.OrderLine{OrderNo: "B98", MemberID: m1, AmountFen: 100, PaidAt: e.clk.Now().Add(time.Hour)})
	for round := range 2 {
		results := make([][]loyalty.OrderResult, 2)
		errs := parallel(2, func(i int) error { // the batch twice at once, then again
			var err error
			results[i], err = e.s.RecordOrders(e.ctx, lines)
			return err
		})
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		created := 0
		for _, res := range results {
			for i, r := range res {
				switch {
				case i < 10 && r.Status == loyalty.OrderCreated:
					created++
				case i < 11 && r.Status == loyalty.OrderDuplicate:
					if r.Order.Points != 100 {
						t.Errorf("duplicate line %d shows %d points, want the recorded 100", i, r.Order.Points)
					}
				case i >= 11 && r.Status == loyalty.OrderError && r.Err != nil:
				default:
					t.Errorf("round %d line %d: %s %v", round, i, r.Status, r.Err)
				}
			}
		}
		if want := []int{10, 0}[round]; created != want {
			t.Errorf("round %d: %d lines created, want %d", round, created, want)
		}
	}
	if got := e.count(&model.Order{}); got != 10 {
		t.Errorf("orders = %d, want 10", got)
	}
	if p1, p2 := e.get(m1).Points, e.get(m2).Points; p1 != 500 || p2 != 500 {
		t.Errorf("balances = %d, %d; want 500 each", p1, p2)
	}
	if _, err := e.s.RecordOrders(e.ctx, lines[11:12]); err != nil {
		t.Fatal(err)
	}

	refundB0Twice(t, e, m1)
}

// TestRefundAfterSpending: points already spent are not taken back (the
// balance stays ≥ 0); the refund records the shortfall.
func TestRefundAfterSpending(t *testing.T) {
	e := newEnv(t)
	m := e.member(0)
	if _, err := e.s.RecordOrders(e.ctx, []loyalty.OrderLine{{OrderNo: "S1", MemberID: m, AmountFen: 20000, PaidAt: e.clk.Now()}}); err != nil {
		t.Fatal(err)
	}
	r := e.reward(model.Reward{Name: "贴纸", PointsCost: 150, Kind: model.RewardVirtual, Stock: 5})
	if _, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: m, RewardID: r.ID, RequestID: "spend"}); err != nil {
		t.Fatal(err)
	}
	res, err := e.s.RefundOrder(e.ctx, loyalty.RefundRequest{OrderNo: "S1", RefundNo: "R"})
	if err != nil || res.Refund.Points != 50 || res.Refund.Shortfall != 150 || res.Refund.Growth != 200 {
		t.Errorf("refund = %+v, %v; want 50 reversed, 150 short, 200 growth", res.Refund, err)
	}
	if got := e.get(m); got.Points != 0 || got.Growth != 0 {
		t.Errorf("member = %d points %d growth, want 0 0", got.Points, got.Growth)
	}
}

// refundB0Twice refunds m1's order B0 (100 points) in part, three at once
// and twice over with one refund id, then the rest: partial reversals add up
// to the whole, and each refund id counts once.
func refundB0Twice(t *testing.T, e *env, m1 int64) {
	t.Helper()
	// Refund B0 (100 points) in part twice over with one refund id, then
	// the rest: partial reversals add up to the whole.
	for range 2 {
		errs := parallel(3, func(int) error {
			_, err := e.s.RefundOrder(e.ctx, loyalty.RefundRequest{OrderNo: "B0", RefundNo: "R1", AmountFen: 3333})
			return err
		})
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := e.get(m1); got.Points != 467 || got.Growth != 467 {
		t.Errorf("after R1: points %d growth %d, want 467 467 (33 reversed)", got.Points, got.Growth)
	}
	res, err := e.s.RefundOrder(e.ctx, loyalty.RefundRequest{OrderNo: "B0", RefundNo: "R2"})
	if err != nil || res.Refund.AmountFen != 6667 || res.Refund.Points != 67 || res.Order.Status != model.OrderRefunded {
		t.Errorf("refund of the rest = %+v, %v; want 6667 fen, 67 points, refunded", res, err)
	}
	if _, err := e.s.RefundOrder(e.ctx, loyalty.RefundRequest{OrderNo: "B0", RefundNo: "R3", AmountFen: 1}); !errors.Is(err, model.ErrOverRefund) {
		t.Errorf("refund past the amount = %v, want over-refund", err)
	}
	if _, err := e.s.RefundOrder(e.ctx, loyalty.RefundRequest{OrderNo: "nope", RefundNo: "R1"}); !errors.Is(err, model.ErrOrderNotFound) {
		t.Errorf("unknown order = %v, want not found", err)
	}
	if got := e.count(&model.PointsEntry{}, "kind = ?", model.PointsRefund); got != 2 {
		t.Errorf("refund entries = %d, want 2", got)
	}
}

func TestOrderCap(t *testing.T) {
	e := newEnv(t)
	if _, err := e.s.SaveEarningRule(e.ctx, model.EarningRule{Channel: model.ChannelOrder, Enabled: true, PointsPerYuan: 1, GrowthPerYuan: 1,
		CapPoints: 150, CapPeriod: model.CapDay}); err != nil {
		t.Fatal(err)
	}
	m := e.member(0)
	res, err := e.s.RecordOrders(e.ctx, []loyalty.OrderLine{
		{OrderNo: "C1", MemberID: m, AmountFen: 10000, PaidAt: e.clk.Now()},
		{OrderNo: "C2", MemberID: m, AmountFen: 10000, PaidAt: e.clk.Now()},
		{OrderNo: "C3", MemberID: m, AmountFen: 10000, PaidAt: e.clk.Now()},
	})
	if err != nil {
		t.Fatal(err)
	}
	if p := []int64{res[0].Order.Points, res[1].Order.Points, res[2].Order.Points}; p[0] != 100 || p[1] != 50 || p[2] != 0 {
		t.Errorf("points = %v, want [100 50 0] under a cap of 150 a day", p)
	}
	e.clk.Add(24 * time.Hour)
	res, _ = e.s.RecordOrders(e.ctx, []loyalty.OrderLine{{OrderNo: "C4", MemberID: m, AmountFen: 10000, PaidAt: e.clk.Now()}})
	if res[0].Order.Points != 100 {
		t.Errorf("next day = %d points, want 100", res[0].Order.Points)
	}
}
