package hqtasks

import (
	"context"
	"time"

	"github.com/siyu/siyu/effect"
	"github.com/siyu/siyu/model"
)

// Groups of the effect query.
const (
	grpTreated = "treated" // the task's items: customers who got the task
	grpControl = "control" // the held-out customers (model.TaskHoldout)
)

// effectRow is one (group, store) line of the effect query.
type effectRow struct {
	Grp          string
	StoreCode    string
	Members      int64
	Ordered      int64
	Orders       int64
	Revenue      int64
	RevenueSq    float64
	CheckedIn    int64
	Redeemed     int64
	UsedCoupon   int64
	Unfollowed   int64
	DeletedGuide int64
}

// EffectSQL is the one aggregation behind an effect report: one row per
// targeted customer (items: treated; holdouts: control), summed per group
// and store. It is set-based, not a probe per customer: the window's orders
// are aggregated per member in one pass over the covering index
// idx_order_member_paid_amount (no row reads, no sort: the index is in
// member order), check-ins (narrowed by their business day, an index, then
// the exact instant) and customers' guide deletions are folded in by the
// same GROUP BY, and redemptions and unfollows are joined from the targeted
// members through their member indexes. Per-customer correlated
// subqueries cost ~10× more on MariaDB (each is re-executed per row).
// The cost follows the window's orders brand-wide, not the task's size.
// Arguments as EffectArgs gives them. Exported so `siyu bench effect` can
// time the bare query beside the service call.
const EffectSQL = `SELECT m.grp AS grp, m.store_code AS store_code, COUNT(*) AS members,
	SUM(CASE WHEN m.ord > 0 THEN 1 ELSE 0 END) AS ordered, SUM(m.ord) AS orders,
	SUM(m.rev) AS revenue, SUM(m.rev * 1.0 * m.rev) AS revenue_sq,
	SUM(m.ci) AS checked_in, SUM(m.red) AS redeemed, SUM(m.cu) AS used_coupon,
	SUM(m.unf) AS unfollowed, SUM(m.del) AS deleted_guide
FROM (SELECT g.grp, g.store_code, COALESCE(a.ord, 0) AS ord, COALESCE(a.rev, 0) AS rev,
		COALESCE(a.ci, 0) AS ci, COALESCE(a.del, 0) AS del,
		CASE WHEN rd.member_id IS NULL THEN 0 ELSE 1 END AS red,
		CASE WHEN cp.id IS NULL THEN 0 ELSE 1 END AS cu,
		CASE WHEN uf.member_id IS NULL THEN 0 ELSE 1 END AS unf
	FROM (SELECT 'treated' AS grp, i.store_code, i.member_id, i.coupon_id FROM task_items i WHERE i.task_id = ?
		UNION ALL SELECT 'control' AS grp, h.store_code, h.member_id, NULL AS coupon_id FROM task_holdouts h WHERE h.task_id = ?) g
	LEFT JOIN (SELECT u.member_id, SUM(u.ord) AS ord, SUM(u.rev) AS rev, MAX(u.ci) AS ci, MAX(u.del) AS del FROM (
			SELECT o.member_id, COUNT(*) AS ord, SUM(o.amount_fen - o.refunded_fen) AS rev, 0 AS ci, 0 AS del FROM orders o
				WHERE o.paid_at >= ? AND o.paid_at < ? GROUP BY o.member_id
			UNION ALL SELECT c.member_id, 0, 0, 1, 0 FROM check_ins c
				WHERE c.day >= ? AND c.day <= ? AND c.created_at >= ? AND c.created_at < ?
			UNION ALL SELECT gr.member_id, 0, 0, 0, 1 FROM guide_relations gr
				WHERE gr.ended_by = 'customer' AND gr.ended_at >= ? AND gr.ended_at < ?
		) u GROUP BY u.member_id) a ON a.member_id = g.member_id
	LEFT JOIN coupons cp ON cp.id = g.coupon_id AND cp.status = 'redeemed' AND cp.redeemed_at >= ? AND cp.redeemed_at < ?
	LEFT JOIN (SELECT DISTINCT t.member_id FROM (SELECT i.member_id FROM task_items i WHERE i.task_id = ?
			UNION ALL SELECT h.member_id FROM task_holdouts h WHERE h.task_id = ?) t
		JOIN redemptions r ON r.member_id = t.member_id AND r.created_at >= ? AND r.created_at < ?) rd ON rd.member_id = g.member_id
	LEFT JOIN (SELECT DISTINCT t.member_id FROM (SELECT i.member_id FROM task_items i WHERE i.task_id = ?
			UNION ALL SELECT h.member_id FROM task_holdouts h WHERE h.task_id = ?) t
		JOIN member_events e ON e.member_id = t.member_id AND e.kind = 'unfollow' AND e.created_at >= ? AND e.created_at < ?) uf
		ON uf.member_id = g.member_id
) m GROUP BY m.grp, m.store_code ORDER BY m.store_code, m.grp`

// EffectArgs are EffectSQL's arguments for a task and a window. Check-ins
// are first narrowed by business day: whatever SIYU_TIMEZONE is (±14 h),
// an instant's local day lies within a day of its UTC date.
func EffectArgs(taskID int64, lo, hi time.Time) []any {
	l, h := lo.UTC(), hi.UTC()
	dayLo, dayHi := l.AddDate(0, 0, -1).Format(time.DateOnly), h.AddDate(0, 0, 1).Format(time.DateOnly)
	return []any{taskID, taskID, l, h, dayLo, dayHi, l, h, l, h, l, h, taskID, taskID, l, h, taskID, taskID, l, h}
}

// effectRows runs EffectSQL for the task over [lo, hi), keeping only the
// rows of store if it is not empty.
func (s *Service) effectRows(ctx context.Context, taskID int64, lo, hi time.Time, store string) ([]effectRow, error) {
	var rows []effectRow
	if err := s.db.WithContext(ctx).Raw(EffectSQL, EffectArgs(taskID, lo, hi)...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	if store == "" {
		return rows, nil
	}
	kept := rows[:0]
	for _, r := range rows {
		if r.StoreCode == store {
			kept = append(kept, r)
		}
	}
	return kept, nil
}

// EffectGroup is what one group (treated, control, or the targeted members
// before or after dispatch) did within the window: how many members
// ordered, checked in, redeemed points, used the pushed coupon, unfollowed
// the Official Account or deleted their guide, the orders and the revenue
// (fen, net of refunds), and the per-member rates.
type EffectGroup struct {
	Members      int64              `json:"members"`
	Ordered      int64              `json:"ordered"`
	Orders       int64              `json:"orders"`
	RevenueFen   int64              `json:"revenue_fen"`
	CheckedIn    int64              `json:"checked_in"`
	Redeemed     int64              `json:"redeemed"`
	UsedCoupon   int64              `json:"used_coupon"`
	Unfollowed   int64              `json:"unfollowed"`
	DeletedGuide int64              `json:"deleted_guide"`
	Rates        map[string]float64 `json:"rates"`
	revenue      effect.Sample
}

// Measures of an effect report: rates by the count they divide, then the
// means.
var rateMeasures = []struct {
	name  string
	count func(EffectGroup) int64
}{
	{"order_rate", func(g EffectGroup) int64 { return g.Ordered }},
	{"checkin_rate", func(g EffectGroup) int64 { return g.CheckedIn }},
	{"redeem_rate", func(g EffectGroup) int64 { return g.Redeemed }},
	{"coupon_use_rate", func(g EffectGroup) int64 { return g.UsedCoupon }},
	{"unfollow_rate", func(g EffectGroup) int64 { return g.Unfollowed }},
	{"guide_deleted_rate", func(g EffectGroup) int64 { return g.DeletedGuide }},
}

func (g *EffectGroup) add(r effectRow) {
	g.Members += r.Members
	g.Ordered += r.Ordered
	g.Orders += r.Orders
	g.RevenueFen += r.Revenue
	g.CheckedIn += r.CheckedIn
	g.Redeemed += r.Redeemed
	g.UsedCoupon += r.UsedCoupon
	g.Unfollowed += r.Unfollowed
	g.DeletedGuide += r.DeletedGuide
	g.revenue.N += r.Members
	g.revenue.Sum += float64(r.Revenue)
	g.revenue.SumSq += r.RevenueSq
}

// finish fills in the rates.
func (g *EffectGroup) finish() {
	g.Rates = map[string]float64{}
	for _, m := range rateMeasures {
		g.Rates[m.name] = ratio(m.count(*g), g.Members)
	}
	g.Rates["orders_per_member"] = ratio(g.Orders, g.Members)
	g.Rates["revenue_per_member_fen"] = ratio(g.RevenueFen, g.Members)
}

func ratio(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}

// uplift compares treated with control on every measure: rates with the
// two-proportion z-interval, revenue per member with Welch's interval.
// The coupon measure only for coupon pushes.
func uplift(t, c EffectGroup, kind string) map[string]effect.Interval {
	out := map[string]effect.Interval{}
	for _, m := range rateMeasures {
		if m.name == "coupon_use_rate" && kind != model.TaskKindCoupon {
			continue
		}
		out[m.name] = effect.RateDiff(m.count(t), t.Members, m.count(c), c.Members)
	}
	out["revenue_per_member_fen"] = effect.MeanDiff(t.revenue, c.revenue)
	return out
}
