package segments

import (
	"context"
	"slices"
	"time"
)

// inputOverlap is how far before the last run's start an incremental run
// looks for changed inputs: a transaction that committed after the run
// began reading but stamped its rows earlier is still seen. Looking again
// at a member costs a little; missing one would keep a stale value.
const inputOverlap = 10 * time.Minute

// dirtySource is one query returning member ids.
type dirtySource struct {
	q    string
	args []any
}

// dirtyMembers returns, sorted, the members an incremental run must
// compute: those whose inputs changed since since, those whose time-based
// state crosses a boundary between the previous run's day (prev) and this
// one's, and, when the M threshold in force moved from prevThreshold,
// those whose window average lies between the two. Every query is an
// index range on one time column. Errors: the database's.
func (s *Service) dirtyMembers(ctx context.Context, run segmentRun, prev cuts, prevThreshold float64, since time.Time) ([]int64, error) {
	srcs := changedInputs(since.UTC())
	srcs = append(srcs, crossings(run.cuts, prev, since.UTC())...)
	if run.thresholdFen != prevThreshold {
		lo, hi := min(run.thresholdFen, prevThreshold), max(run.thresholdFen, prevThreshold)
		// Averages are stored rounded by the database: widen by a fen.
		srcs = append(srcs, dirtySource{"SELECT id FROM members WHERE rfm_avg_fen >= ? AND rfm_avg_fen <= ?", []any{lo - 1, hi + 1}})
	}
	seen := map[int64]struct{}{}
	db := s.db.WithContext(ctx)
	for _, src := range srcs {
		var ids []int64
		if err := db.Raw(src.q, src.args...).Scan(&ids).Error; err != nil {
			return nil, err
		}
		for _, id := range ids {
			seen[id] = struct{}{}
		}
	}
	out := make([]int64, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}

// changedInputs are the members with a row written since: orders (paid,
// refunded: orders.updated_at, order_refunds), check-ins, behaviour and
// member events (follows, messages, clicks, tag changes), guide relations,
// redemptions, and the member rows themselves (joined, followed or
// unfollowed, last activity, merged: members.updated_at).
func changedInputs(since time.Time) []dirtySource {
	var out []dirtySource
	for _, t := range []struct{ table, id, col string }{
		{"orders", "member_id", "updated_at"}, {"check_ins", "member_id", "created_at"},
		{"behavior_events", "member_id", "created_at"}, {"member_events", "member_id", "created_at"},
		{"guide_relations", "member_id", "updated_at"}, {"redemptions", "member_id", "created_at"},
		{"members", "id", "updated_at"},
	} {
		out = append(out, dirtySource{"SELECT " + t.id + " FROM " + t.table + " WHERE " + t.col + " >= ?", []any{since}})
	}
	return append(out, dirtySource{"SELECT o.member_id FROM order_refunds r JOIN orders o ON o.id = r.order_id WHERE r.created_at >= ?", []any{since}})
}

// crossings are the members whose time-based state may differ between the
// previous run's day p and this run's day c although nothing of theirs was
// written: an order leaving the RFM window or the recency cut; the join
// date leaving the 新客 days; a last interaction crossing the active,
// silent or sleeping cut; an event leaving the activity window, or one
// dated past the previous run's day (a clock ahead) entering it. Each is a
// range of the days between the two runs, empty when both ran on one day.
func crossings(c, p cuts, since time.Time) []dirtySource {
	var out []dirtySource
	cross := func(table, id, col string, from, to time.Time, extra string, args ...any) {
		if !from.Before(to) {
			return
		}
		out = append(out, dirtySource{"SELECT " + id + " FROM " + table + " WHERE " + col + " >= ? AND " + col + " < ?" + extra,
			append([]any{from.UTC(), to.UTC()}, args...)})
	}
	cross("orders", "member_id", "paid_at", p.windowFrom, c.windowFrom, "")
	cross("orders", "member_id", "paid_at", p.recentCut, c.recentCut, "")
	cross("members", "id", "created_at", p.newCut, c.newCut, "")
	for _, cut := range [][2]time.Time{{p.activeCut, c.activeCut}, {p.silentCut, c.silentCut}, {p.sleepCut, c.sleepCut}} {
		cross("members", "id", "last_active_at", cut[0], cut[1], "")
		cross("orders", "member_id", "paid_at", cut[0], cut[1], "")
		cross("redemptions", "member_id", "created_at", cut[0], cut[1], "")
		cross("behavior_events", "member_id", "occurred_at", cut[0], cut[1], "")
	}
	for _, t := range []struct{ table, col string }{{"behavior_events", "occurred_at"}, {"orders", "paid_at"},
		{"redemptions", "created_at"}, {"check_ins", "created_at"}, {"member_events", "created_at"}} {
		cross(t.table, "member_id", t.col, p.activityFrom, c.activityFrom, "")
	}
	cross("behavior_events", "member_id", "occurred_at", p.ref, c.ref, " AND created_at < ?", since)
	cross("orders", "member_id", "paid_at", p.ref, c.ref, " AND updated_at < ?", since)
	return out
}
