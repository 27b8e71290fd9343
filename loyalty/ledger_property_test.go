package loyalty_test

import (
	"flag"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tagging"
)

// ledgerCases is how many random sequences TestLedgerProperties runs when
// -rapid.checks is not given: small enough for about a minute in CI on
// MySQL. Run longer with e.g. -rapid.checks=200 -rapid.steps=60.
const ledgerCases = 30

// ledgerGuide issues the guide coupons of the property test.
const ledgerGuide = "g_prop"

// TestLedgerProperties drives random sequences of everything that moves
// points, stock and coupons — check-in, capped interaction earnings,
// orders and partial refunds, redemptions, guide coupons and their 核销,
// the expiry run, the level review, a unionid merge and adjustments —
// several at once on the database (MySQL in CI), with the clock moving
// forward, and checks after every step:
//   - balance = ledger sum = open credits, never negative (CheckLedger);
//   - no stock below zero, and stock put in − stock left = redemptions;
//   - every idempotency key once in the ledger, and a replayed request
//     (same key) changes nothing;
//   - a coupon is redeemed at most once.
//
// A failing sequence is shrunk by rapid and saved under testdata/rapid,
// where every later run replays it first.
func TestLedgerProperties(t *testing.T) {
	if f := flag.Lookup("rapid.checks"); f != nil && !flagPassed("rapid.checks") {
		saved := f.Value.String()
		if err := f.Value.Set(strconv.Itoa(ledgerCases)); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := f.Value.Set(saved); err != nil {
				t.Errorf("restore rapid.checks: %v", err)
			}
		})
	}
	e := newEnv(t, func(o *loyalty.Options) { o.Expiry = loyalty.ExpiryPolicy{Kind: loyalty.ExpiryRolling, Days: 30} })
	if _, err := e.s.SaveEarningRule(e.ctx, model.EarningRule{Channel: model.ChannelShare, Enabled: true, Points: 7, Growth: 3,
		CapPoints: 20, CapPeriod: model.CapDay}); err != nil {
		t.Fatal(err)
	}
	tags := members.New(e.st, tagging.New(e.st, e.clk.Now), e.clk.Now)
	caseNo := 0
	rapid.Check(t, func(rt *rapid.T) {
		caseNo++
		p := newLedgerProp(rt, e, tags, caseNo)
		rt.Repeat(map[string]func(*rapid.T){
			"":       p.check,
			"batch":  p.batch,
			"replay": p.replay,
			"time":   p.advance,
		})
	})
}

func flagPassed(name string) bool {
	passed := false
	flag.Visit(func(f *flag.Flag) { passed = passed || f.Name == name })
	return passed
}

// ledgerProp is one random sequence's world: its members, rewards and
// coupon template, and what the operations reported.
type ledgerProp struct {
	e       *env
	tags    *members.Service
	c       int // the case number, in every key and name
	members []int64
	rewards []model.Reward
	stockIn map[int64]int64 // reward → stock put in
	tpl     model.CouponTemplate

	mu       sync.Mutex
	seq      int
	orders   []string       // order numbers recorded
	redeemed map[string]int // coupon code → successful first 核销
	done     []ledgerOp     // operations that succeeded, to replay
	failures []string       // unexpected errors
	merged   map[int64]bool // members merged away
}

// ledgerOp is one operation, drawn before it runs so that several can run
// at once.
type ledgerOp struct {
	kind   string
	member int // index into members
	other  int
	amount int64
	key    string
	ref    string // the order a refund names, the coupon a 核销 names
}

func newLedgerProp(rt *rapid.T, e *env, tags *members.Service, c int) *ledgerProp {
	p := &ledgerProp{e: e, tags: tags, c: c, stockIn: map[int64]int64{}, redeemed: map[string]int{}, merged: map[int64]bool{}}
	for i := range 4 {
		m := model.Member{Level: "普通"}
		if err := e.db.Create(&m).Error; err != nil {
			rt.Fatal(err)
		}
		p.members = append(p.members, m.ID)
		if pts := rapid.Int64Range(0, 300).Draw(rt, fmt.Sprintf("points%d", i)); pts > 0 {
			if _, err := e.s.AdjustPoints(e.ctx, loyalty.Adjustment{MemberID: m.ID, Delta: pts, Reason: "起始",
				RequestID: fmt.Sprintf("p%d-start-%d", c, i)}); err != nil {
				rt.Fatal(err)
			}
		}
	}
	for i := range 2 {
		stock := rapid.Int64Range(0, 3).Draw(rt, fmt.Sprintf("stock%d", i))
		r, err := e.s.CreateReward(e.ctx, model.Reward{Name: fmt.Sprintf("礼品%d-%d", c, i), Kind: model.RewardVirtual,
			PointsCost: rapid.Int64Range(10, 120).Draw(rt, fmt.Sprintf("cost%d", i)), Stock: stock,
			PerMemberLimit: int64(i), Active: true})
		if err != nil {
			rt.Fatal(err)
		}
		p.rewards = append(p.rewards, r)
		p.stockIn[r.ID] = stock
	}
	tpl, err := e.s.CreateCouponTemplate(e.ctx, model.CouponTemplate{Name: fmt.Sprintf("导购券%d", c), Kind: model.CouponCash,
		ValueFen: 500, ValidDays: 10, Active: true, GuideDailyQuota: 3})
	if err != nil {
		rt.Fatal(err)
	}
	p.tpl = tpl
	return p
}

var ledgerKinds = []string{"checkin", "share", "order", "refund", "redeem", "guide_coupon", "use_coupon",
	"expire", "review", "merge", "adjust", "restock"}

// draw draws one operation.
func (p *ledgerProp) draw(rt *rapid.T, label string) ledgerOp {
	op := ledgerOp{
		kind:   rapid.SampledFrom(ledgerKinds).Draw(rt, label+"kind"),
		member: rapid.IntRange(0, len(p.members)-1).Draw(rt, label+"member"),
	}
	p.seq++
	op.key = fmt.Sprintf("p%d-%d", p.c, p.seq)
	switch op.kind {
	case "order":
		op.amount = rapid.Int64Range(100, 30000).Draw(rt, label+"fen")
	case "refund":
		op.other = rapid.IntRange(0, 1000).Draw(rt, label+"order")
		op.amount = rapid.Int64Range(0, 20000).Draw(rt, label+"fen") // 0: all that is left
	case "redeem", "restock":
		op.other = rapid.IntRange(0, len(p.rewards)-1).Draw(rt, label+"reward")
		op.amount = rapid.Int64Range(-2, 3).Draw(rt, label+"delta")
	case "use_coupon":
		op.other = rapid.IntRange(0, 1000).Draw(rt, label+"coupon")
	case "merge":
		op.other = rapid.IntRange(0, len(p.members)-1).Draw(rt, label+"with")
	case "adjust":
		op.amount = rapid.Int64Range(-150, 150).Draw(rt, label+"delta")
	}
	return op
}

// batch runs two to four operations at once.
func (p *ledgerProp) batch(rt *rapid.T) {
	n := rapid.IntRange(2, 4).Draw(rt, "n")
	ops := make([]ledgerOp, n)
	for i := range ops {
		ops[i] = p.draw(rt, fmt.Sprintf("op%d.", i))
	}
	// Orders and coupons the drawn indexes refer to, as they are now.
	p.mu.Lock()
	orders := append([]string(nil), p.orders...)
	p.mu.Unlock()
	var codes []string
	if err := p.e.db.Model(&model.Coupon{}).Where("template_id = ?", p.tpl.ID).Order("id").Pluck("code", &codes).Error; err != nil {
		rt.Fatal(err)
	}
	for i, op := range ops {
		switch {
		case op.kind == "refund" && len(orders) > 0:
			ops[i].ref = orders[op.other%len(orders)]
		case op.kind == "use_coupon" && len(codes) > 0:
			ops[i].ref = codes[op.other%len(codes)]
		}
	}
	errs := parallel(n, func(i int) error { return p.run(ops[i]) })
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, err := range errs {
		noop := (ops[i].kind == "refund" || ops[i].kind == "use_coupon") && ops[i].ref == ""
		if err == nil && !noop {
			p.done = append(p.done, ops[i])
		} else if model.ErrorCode(err) == model.EINTERNAL {
			p.failures = append(p.failures, fmt.Sprintf("%+v: %v", ops[i], err))
		}
	}
}

// run runs one operation; refusals (not enough points, out of stock, a
// merged member…) are errors with a code, failures are internal errors.
func (p *ledgerProp) run(op ledgerOp) error {
	ctx, s, m := p.e.ctx, p.e.s, p.members[op.member]
	switch op.kind {
	case "checkin":
		_, err := s.CheckIn(ctx, m)
		return err
	case "share":
		_, err := s.RecordInteraction(ctx, loyalty.Interaction{EventID: op.key, Type: model.ChannelShare, MemberID: m})
		return err
	case "order":
		return p.order(op, m)
	case "refund":
		if op.ref == "" {
			return nil
		}
		_, err := s.RefundOrder(ctx, loyalty.RefundRequest{OrderNo: op.ref, RefundNo: op.key, AmountFen: op.amount})
		return err
	case "redeem":
		_, err := s.Redeem(ctx, loyalty.RedeemRequest{MemberID: m, RewardID: p.rewards[op.other].ID, RequestID: op.key})
		return err
	case "restock":
		if op.amount == 0 {
			return nil
		}
		r, err := s.RestockReward(ctx, p.rewards[op.other].ID, op.amount)
		if err == nil {
			p.mu.Lock()
			p.stockIn[r.ID] += op.amount
			p.mu.Unlock()
		}
		return err
	case "guide_coupon":
		_, _, err := s.IssueCouponByGuide(ctx, p.tpl.ID, m, ledgerGuide, op.key)
		return err
	case "use_coupon":
		if op.ref == "" {
			return nil
		}
		code := op.ref
		_, replay, err := s.RedeemCoupon(ctx, loyalty.CouponRedeem{Code: code, StoreCode: "sh001", RequestID: op.key})
		if err == nil && !replay {
			p.mu.Lock()
			p.redeemed[code]++
			p.mu.Unlock()
		}
		return err
	case "expire":
		_, err := s.ExpireDue(ctx)
		return err
	case "review":
		_, err := s.ReviewLevels(ctx, op.key)
		return err
	case "merge":
		return p.merge(op, m)
	case "adjust":
		if op.amount == 0 {
			return nil
		}
		_, err := s.AdjustPoints(ctx, loyalty.Adjustment{MemberID: m, Delta: op.amount, Reason: "调整", RequestID: op.key})
		return err
	}
	return fmt.Errorf("unknown operation %q", op.kind)
}

// order posts the order op for member m and remembers it for refunds.
func (p *ledgerProp) order(op ledgerOp, m int64) error {
	res, err := p.e.s.RecordOrders(p.e.ctx, []loyalty.OrderLine{{OrderNo: op.key, MemberID: m, AmountFen: op.amount, PaidAt: p.e.clk.Now()}})
	if err == nil && res[0].Err != nil {
		err = res[0].Err
	}
	if err == nil {
		p.mu.Lock()
		p.orders = append(p.orders, op.key)
		p.mu.Unlock()
	}
	return err
}

// merge gives member m and op's other member one unionid, so one absorbs
// the other, and remembers which was merged away.
func (p *ledgerProp) merge(op ledgerOp, m int64) error {
	union := fmt.Sprintf("u_prop_%d", p.c)
	if _, err := p.tags.MergeByUnionID(p.e.ctx, m, union); err != nil {
		return err
	}
	res, err := p.tags.MergeByUnionID(p.e.ctx, p.members[op.other], union)
	if err == nil && res.MergedID != 0 {
		p.mu.Lock()
		p.merged[res.MergedID] = true
		p.mu.Unlock()
	}
	return err
}

// replay runs an operation that succeeded before once more, with its key:
// it must change nothing in the ledger, the stock or the coupons.
func (p *ledgerProp) replay(rt *rapid.T) {
	var keyed []ledgerOp
	for _, op := range p.done {
		switch op.kind {
		case "share", "order", "refund", "redeem", "guide_coupon", "use_coupon", "adjust":
			keyed = append(keyed, op)
		}
	}
	if len(keyed) == 0 {
		rt.Skip("nothing to replay yet")
	}
	op := rapid.SampledFrom(keyed).Draw(rt, "replay")
	before := p.snapshot(rt)
	err := p.run(op)
	if model.ErrorCode(err) == model.EINTERNAL {
		rt.Fatalf("replay of %+v: %v", op, err)
	}
	if after := p.snapshot(rt); after != before {
		rt.Fatalf("replay of %+v (%v) changed %+v to %+v", op, err, before, after)
	}
}

// ledgerSnapshot is what a replay must not change. Expiry entries are left
// out: a replay may run the expiry due at its time first.
type ledgerSnapshot struct {
	Entries, Points, Stock, Coupons, Redemptions int64
}

func (p *ledgerProp) snapshot(rt *rapid.T) ledgerSnapshot {
	var s ledgerSnapshot
	db := p.e.db
	if err := db.Raw(`SELECT COUNT(*) AS entries, COALESCE(SUM(delta), 0) AS points FROM points_entries WHERE kind <> ?`,
		model.PointsExpire).Scan(&s).Error; err != nil {
		rt.Fatal(err)
	}
	if err := db.Raw(`SELECT COALESCE(SUM(stock), 0) FROM rewards`).Scan(&s.Stock).Error; err != nil {
		rt.Fatal(err)
	}
	if err := db.Model(&model.Coupon{}).Count(&s.Coupons).Error; err != nil {
		rt.Fatal(err)
	}
	if err := db.Model(&model.Redemption{}).Count(&s.Redemptions).Error; err != nil {
		rt.Fatal(err)
	}
	return s
}

// advance moves the clock on by minutes to forty days.
func (p *ledgerProp) advance(rt *rapid.T) {
	d := time.Duration(rapid.Int64Range(1, 40*24*60).Draw(rt, "minutes")) * time.Minute
	p.e.clk.Add(d)
}

// check is the invariant, run after every step.
func (p *ledgerProp) check(rt *rapid.T) {
	e := p.e
	p.mu.Lock()
	failures := append([]string(nil), p.failures...)
	redeemed := map[string]int{}
	for k, v := range p.redeemed {
		redeemed[k] = v
	}
	stockIn := map[int64]int64{}
	for k, v := range p.stockIn {
		stockIn[k] = v
	}
	p.mu.Unlock()
	if len(failures) > 0 {
		rt.Fatalf("operations failed: %v", failures)
	}
	bad, err := e.s.CheckLedger(e.ctx)
	if err != nil {
		rt.Fatal(err)
	}
	if len(bad) > 0 {
		rt.Fatalf("ledger mismatches: %+v", bad)
	}
	var dupKeys []string
	if err := e.db.Raw(`SELECT idem_key FROM points_entries GROUP BY idem_key HAVING COUNT(*) > 1`).Scan(&dupKeys).Error; err != nil {
		rt.Fatal(err)
	}
	if len(dupKeys) > 0 {
		rt.Fatalf("idempotency keys used twice: %v", dupKeys)
	}
	for _, r := range p.rewards {
		cur, err := e.s.Reward(e.ctx, r.ID)
		if err != nil {
			rt.Fatal(err)
		}
		var sold int64
		if err := e.db.Model(&model.Redemption{}).Where("reward_id = ?", r.ID).Count(&sold).Error; err != nil {
			rt.Fatal(err)
		}
		if cur.Stock < 0 || stockIn[r.ID]-cur.Stock != sold {
			rt.Fatalf("reward %d: stock %d, put in %d, %d redemptions; want put in − stock = redemptions, stock ≥ 0",
				r.ID, cur.Stock, stockIn[r.ID], sold)
		}
	}
	for code, n := range redeemed {
		if n > 1 {
			rt.Fatalf("coupon %s redeemed %d times", code, n)
		}
	}
	var usedTwice, redeemedWithout int64
	if err := e.db.Raw(`SELECT COUNT(*) FROM coupons WHERE status = ? AND redeemed_at IS NULL`, model.CouponRedeemed).
		Scan(&redeemedWithout).Error; err != nil {
		rt.Fatal(err)
	}
	if err := e.db.Raw(`SELECT COUNT(*) FROM (SELECT code FROM coupons GROUP BY code HAVING COUNT(*) > 1) d`).Scan(&usedTwice).Error; err != nil {
		rt.Fatal(err)
	}
	if usedTwice+redeemedWithout > 0 {
		rt.Fatalf("%d coupon codes held twice, %d coupons redeemed without a time", usedTwice, redeemedWithout)
	}
	var negative int64
	if err := e.db.Model(&model.Member{}).Where("points < 0 OR growth < 0").Count(&negative).Error; err != nil {
		rt.Fatal(err)
	}
	if negative > 0 {
		rt.Fatalf("%d members below zero", negative)
	}
}
