package segments

import "time"

// Lifecycle states (model.Member.Lifecycle).
const (
	LifecycleNew      = "新客" // joined within NewDays and still reachable
	LifecycleActive   = "活跃" // last interaction within ActiveDays
	LifecycleSilent   = "沉默" // last interaction ActiveDays+1 .. SilentDays ago
	LifecycleSleeping = "睡眠" // last interaction SilentDays+1 .. SleepingDays ago
	LifecycleChurned  = "流失" // older than SleepingDays, or unreachable
)

// Lifecycles lists every lifecycle state, in order.
var Lifecycles = []string{LifecycleNew, LifecycleActive, LifecycleSilent, LifecycleSleeping, LifecycleChurned}

// lifecycleCase is the SQL CASE for a member row m, the last-touch
// aggregate t (column at) and the active-relation count r (column n). The
// first matching rule wins:
//
//  1. unreachable (not following the Official Account and no active WeCom
//     relation: unfollowed, or deleted by or deleting every guide) → 流失
//  2. joined at or after newCut → 新客
//  3. last interaction at or after activeCut → 活跃, silentCut → 沉默,
//     sleepCut → 睡眠
//  4. otherwise (or never) → 流失
func lifecycleCase(newCut, activeCut, silentCut, sleepCut time.Time) (string, []any) {
	return `CASE WHEN m.subscribed = ? AND r.n IS NULL THEN ?
		WHEN m.created_at >= ? THEN ?
		WHEN t.at >= ? THEN ?
		WHEN t.at >= ? THEN ?
		WHEN t.at >= ? THEN ?
		ELSE ? END`,
		[]any{false, LifecycleChurned, newCut.UTC(), LifecycleNew, activeCut.UTC(), LifecycleActive,
			silentCut.UTC(), LifecycleSilent, sleepCut.UTC(), LifecycleSleeping, LifecycleChurned}
}

// touchAgg is each member's last interaction at or after since, for the
// members of sc: the member's last_active_at (check-ins, messages, menu clicks,
// scans, follows and a guide's sidebar actions keep it), paid orders,
// redemptions and behaviour events posted by HQ. Anything before since is
// past the churn threshold and would not change the state.
func touchAgg(since time.Time, sc memberScope) (string, []any) {
	s := since.UTC()
	id, idArgs := sc.cond("id")
	mid, midArgs := sc.cond("member_id")
	var args []any
	for _, a := range [][]any{idArgs, {s}, midArgs, {s}, midArgs, {s}, midArgs, {s}} {
		args = append(args, a...)
	}
	return `SELECT member_id, MAX(at) AS at FROM (
			SELECT id AS member_id, last_active_at AS at FROM members WHERE ` + id + ` AND last_active_at >= ?
			UNION ALL SELECT member_id, paid_at FROM orders WHERE ` + mid + ` AND paid_at >= ?
			UNION ALL SELECT member_id, created_at FROM redemptions WHERE ` + mid + ` AND created_at >= ?
			UNION ALL SELECT member_id, occurred_at FROM behavior_events WHERE ` + mid + ` AND occurred_at >= ?
		) u GROUP BY member_id`, args
}

// relationAgg counts the active WeCom guide relations of the members of sc.
func relationAgg(sc memberScope) (string, []any) {
	w, args := sc.cond("member_id")
	return `SELECT member_id, COUNT(*) AS n FROM guide_relations
		WHERE ` + w + ` AND ended_at IS NULL GROUP BY member_id`, args
}
