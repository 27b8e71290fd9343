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
// targeted customer (items: treated; holdouts: control) with their orders
// aggregated once per member and EXISTS probes for the rest, summed per
// group and store. Arguments as EffectArgs gives them. Exported so `siyu bench effect` can
// time the bare query beside the service call.
const EffectSQL = `SELECT m.grp AS grp, m.store_code AS store_code, COUNT(*) AS members,
	SUM(CASE WHEN m.ord > 0 THEN 1 ELSE 0 END) AS ordered, SUM(m.ord) AS orders,
	SUM(m.rev) AS revenue, SUM(m.rev * 1.0 * m.rev) AS revenue_sq,
	SUM(m.ci) AS checked_in, SUM(m.red) AS redeemed, SUM(m.cu) AS used_coupon,
	SUM(m.unf) AS unfollowed, SUM(m.del) AS deleted_guide
FROM (SELECT g.grp, g.store_code, COALESCE(os.n, 0) AS ord, COALESCE(os.rev, 0) AS rev,
	CASE WHEN EXISTS (SELECT 1 FROM check_ins c WHERE c.member_id = g.member_id AND c.created_at >= ? AND c.created_at < ?) THEN 1 ELSE 0 END AS ci,
	CASE WHEN EXISTS (SELECT 1 FROM redemptions r WHERE r.member_id = g.member_id AND r.created_at >= ? AND r.created_at < ?) THEN 1 ELSE 0 END AS red,
	CASE WHEN EXISTS (SELECT 1 FROM coupons cp WHERE cp.id = g.coupon_id AND cp.status = 'redeemed'
		AND cp.redeemed_at >= ? AND cp.redeemed_at < ?) THEN 1 ELSE 0 END AS cu,
	CASE WHEN EXISTS (SELECT 1 FROM member_events e WHERE e.member_id = g.member_id AND e.kind = 'unfollow'
		AND e.created_at >= ? AND e.created_at < ?) THEN 1 ELSE 0 END AS unf,
	CASE WHEN EXISTS (SELECT 1 FROM guide_relations gr WHERE gr.member_id = g.member_id AND gr.ended_by = 'customer'
		AND gr.ended_at >= ? AND gr.ended_at < ?) THEN 1 ELSE 0 END AS del
	FROM (SELECT 'treated' AS grp, i.store_code, i.member_id, i.coupon_id FROM task_items i WHERE i.task_id = ?
		UNION ALL SELECT 'control' AS grp, h.store_code, h.member_id, NULL AS coupon_id FROM task_holdouts h WHERE h.task_id = ?) g
	LEFT JOIN (SELECT o.member_id, COUNT(*) AS n, SUM(o.amount_fen - o.refunded_fen) AS rev FROM orders o
		WHERE o.paid_at >= ? AND o.paid_at < ? AND o.member_id IN (SELECT i2.member_id FROM task_items i2 WHERE i2.task_id = ?
			UNION ALL SELECT h2.member_id FROM task_holdouts h2 WHERE h2.task_id = ?)
		GROUP BY o.member_id) os ON os.member_id = g.member_id
) m GROUP BY m.grp, m.store_code ORDER BY m.store_code, m.grp`

// EffectArgs are EffectSQL's arguments for a task and a window.
func EffectArgs(taskID int64, lo, hi time.Time) []any {
	args := make([]any, 0, 16)
	for i := 0; i < 5; i++ { // check-ins, redemptions, coupon, unfollows, deletions
		args = append(args, lo.UTC(), hi.UTC())
	}
	return append(args, taskID, taskID, lo.UTC(), hi.UTC(), taskID, taskID)
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
