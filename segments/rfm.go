package segments

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// RFM cells: every combination of R (recent), F (frequent) and M
// (valuable) has exactly one name, and members without an order in the
// window have their own. The brand's four rules fix six of the eight
// cells; 重点唤回会员 and 潜力会员 name the two it leaves open.
const (
	RFMBest      = "最好会员"   // R high, F high, M high (brand rule)
	RFMDevelop   = "重点突破会员" // F low, M high, any R (brand rule)
	RFMMaintain  = "重点维护会员" // F high, M low, any R (brand rule)
	RFMGeneral   = "一般会员"   // R low, F low, M low (brand rule)
	RFMWinBack   = "重点唤回会员" // R low, F high, M high: frequent and valuable, but lapsing
	RFMPotential = "潜力会员"   // R high, F low, M low: recent but rare and small so far
	RFMNone      = "无消费会员"  // no paid order in the window
)

// RFMSegments lists every RFM value a member can have.
var RFMSegments = []string{RFMBest, RFMWinBack, RFMDevelop, RFMMaintain, RFMPotential, RFMGeneral, RFMNone}

// RFMCell is the segment of a member who ordered in the window: recent
// means the last order is at most RecentDays old, frequent at least
// FrequentOrders orders, valuable an average order value at least the
// threshold. The mapping is total over the eight combinations.
func RFMCell(recent, frequent, valuable bool) string {
	switch {
	case frequent && valuable && recent:
		return RFMBest
	case frequent && valuable:
		return RFMWinBack
	case !frequent && valuable:
		return RFMDevelop
	case frequent && !valuable:
		return RFMMaintain
	case recent:
		return RFMPotential
	default:
		return RFMGeneral
	}
}

// rfmCase is the SQL CASE computing the RFM value from the order
// aggregate o (n orders, amt net fen, last_at), built from RFMCell so the
// SQL and the documented mapping cannot drift apart.
func rfmCase(recentCut time.Time, frequent int, thresholdFen float64) (string, []any) {
	var b strings.Builder
	var args []any
	b.WriteString("CASE WHEN o.n IS NULL THEN ? ")
	args = append(args, RFMNone)
	for _, r := range []bool{true, false} {
		for _, f := range []bool{true, false} {
			for _, m := range []bool{true, false} {
				b.WriteString("WHEN ")
				b.WriteString(cond(r, "o.last_at >= ?", "o.last_at < ?"))
				args = append(args, recentCut.UTC())
				b.WriteString(" AND ")
				b.WriteString(cond(f, "o.n >= ?", "o.n < ?"))
				args = append(args, frequent)
				b.WriteString(" AND ")
				// Average order value amt/n against the threshold, without
				// dividing: amt >= threshold * n.
				b.WriteString(cond(m, "o.amt >= ? * o.n", "o.amt < ? * o.n"))
				args = append(args, thresholdFen)
				b.WriteString(" THEN ? ")
				args = append(args, RFMCell(r, f, m))
			}
		}
	}
	b.WriteString("ELSE ? END")
	args = append(args, RFMGeneral)
	return b.String(), args
}

func cond(ok bool, yes, no string) string {
	if ok {
		return yes
	}
	return no
}

// ordersAgg aggregates each member's paid orders in [from, to) of the
// members of sc: count n, net amount amt (fen, less refunds) and last
// paid_at. Fully refunded orders do not count.
func ordersAgg(from, to time.Time, sc memberScope) (string, []any) {
	w, args := sc.cond("member_id")
	return `SELECT member_id, COUNT(*) AS n, SUM(amount_fen - refunded_fen) AS amt, MAX(paid_at) AS last_at
		FROM orders WHERE ` + w + ` AND paid_at >= ? AND paid_at < ? AND status <> ?
		GROUP BY member_id`, append(args, from.UTC(), to.UTC(), model.OrderRefunded)
}

// averageOrderFen is the average net order value of the paid orders in
// [from, to), the default M threshold; 0 without orders.
func averageOrderFen(ctx context.Context, db *gorm.DB, from, to time.Time) (float64, error) {
	var r struct {
		N   int64
		Amt float64
	}
	err := db.WithContext(ctx).Raw(`SELECT COUNT(*) AS n, COALESCE(SUM(amount_fen - refunded_fen), 0) AS amt
		FROM orders WHERE paid_at >= ? AND paid_at < ? AND status <> ?`, from.UTC(), to.UTC(), model.OrderRefunded).Scan(&r).Error
	if err != nil || r.N == 0 {
		return 0, err
	}
	return r.Amt / float64(r.N), nil
}
