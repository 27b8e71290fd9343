package metrics

import (
	"context"

	"github.com/siyu/siyu/model"
)

// reachableSQL holds for a member x who can still be reached: follows the
// Official Account or keeps an active WeCom guide relation.
const reachableSQL = `(x.subscribed = ? OR EXISTS (SELECT 1 FROM guide_relations g WHERE g.member_id = x.id AND g.ended_at IS NULL))`

// effectiveSQL holds for an effective member (有效会员): still reachable, or
// has checked in or ordered at least once.
const effectiveSQL = `(` + reachableSQL + ` OR EXISTS (SELECT 1 FROM check_ins c WHERE c.member_id = x.id)
	OR EXISTS (SELECT 1 FROM orders o WHERE o.member_id = x.id))`

// churnKinds are the member events that mean a member left: unfollowing the
// Official Account, or a WeCom relation ended by either side.
var churnKinds = []string{model.EventUnfollow, model.EventWeComChurn}

// memberDims are the breakdowns of the members metric.
var memberDims = map[string]string{
	"scene":   "x.first_scene",
	"store":   "x.store_code",
	"channel": "COALESCE((SELECT i.platform FROM identities i WHERE i.member_id = x.id ORDER BY i.id LIMIT 1), '')",
}

// MemberMetrics counts, per business day of r, new members (joined that
// day), effective ones among them (see effectiveSQL) and churned members
// (distinct members who unfollowed or whose WeCom relation ended that day),
// with totals by first scene, store and channel (the platform the member
// first came from). Each grouping is one pass over the range's members
// that counts new and effective together. Errors: the database's.
func (s *Service) MemberMetrics(ctx context.Context, r DayRange) (Chart, error) {
	c := newChart(r)
	newDay, effDay, err := s.joinedByDay(ctx, r, effectiveSQL)
	if err != nil {
		return c, err
	}
	churnDay, err := s.byDay(ctx, r, "member_events e", "e.created_at", "COUNT(DISTINCT e.member_id)", "e.kind IN ?", churnKinds)
	if err != nil {
		return c, err
	}
	c.setSeries("new", newDay)
	c.setSeries("effective", effDay)
	c.setSeries("churned", churnDay)
	c.Breakdown = map[string][]Bucket{}
	db := s.db.WithContext(ctx)
	for dim, expr := range memberDims {
		q := `SELECT ` + expr + ` AS k, 'new' AS name, COUNT(*) AS v, 'effective' AS name2, SUM(CASE WHEN ` + effectiveSQL + ` THEN 1 ELSE 0 END) AS v2
				FROM ` + s.joinedFrom() + ` WHERE x.created_at >= ? AND x.created_at < ? AND x.merged_into IS NULL AND (? = '' OR x.store_code = ?) GROUP BY k
			UNION ALL SELECT ` + expr + ` AS k, 'churned' AS name, COUNT(DISTINCT e.member_id) AS v, '' AS name2, 0 AS v2 FROM member_events e
				JOIN members x ON x.id = e.member_id WHERE e.created_at >= ? AND e.created_at < ? AND e.kind IN ? AND (? = '' OR x.store_code = ?) GROUP BY k
			ORDER BY k`
		st := r.Store
		b, err := scanBuckets(db, q, true, r.Start(), r.End(), st, st, r.Start(), r.End(), churnKinds, st, st)
		if err != nil {
			return c, err
		}
		c.Breakdown[dim] = b
	}
	return c, nil
}

// joinedFrom is the members table for a scan of members by join time: on
// MySQL pinned to idx_members_joined, which covers what the charts read;
// the optimizer otherwise picks the GROUP BY column's index (or the table)
// and reads every member's row.
func (s *Service) joinedFrom() string {
	if model.IsMySQL(s.db) {
		return "members x USE INDEX (idx_members_joined)"
	}
	return "members x"
}

// joinedByDay counts, per business day of r, the members who joined that
// day and those among them matching cond (with one bool argument, true),
// in one pass.
func (s *Service) joinedByDay(ctx context.Context, r DayRange, cond string) (joined, matching map[string]float64, err error) {
	dt, dargs := r.dayTable(model.IsMySQL(s.db))
	q := "SELECT d.day AS day, COUNT(*) AS n, SUM(CASE WHEN " + cond + " THEN 1 ELSE 0 END) AS m FROM (" + dt + ") d JOIN " + s.joinedFrom() +
		" ON x.created_at >= d.lo AND x.created_at < d.hi WHERE x.created_at >= ? AND x.created_at < ? AND x.merged_into IS NULL"
	args := append([]any{true}, dargs...)
	args = append(args, r.Start(), r.End())
	if r.Store != "" {
		q += " AND x.store_code = ?"
		args = append(args, r.Store)
	}
	var rows []struct {
		Day  string
		N, M float64
	}
	if err := s.db.WithContext(ctx).Raw(q+" GROUP BY d.day", args...).Scan(&rows).Error; err != nil {
		return nil, nil, err
	}
	joined, matching = map[string]float64{}, map[string]float64{}
	for _, row := range rows {
		joined[row.Day], matching[row.Day] = row.N, row.M
	}
	return joined, matching, nil
}

// RetentionMetrics gives, per business day of r: the day's new members,
// how many of them are still reachable now and that share
// (retention_rate), the members who churned that day and the churn rate
// (churned over the members who had joined before the day). Errors: the
// database's.
func (s *Service) RetentionMetrics(ctx context.Context, r DayRange) (Chart, error) {
	c := newChart(r)
	newDay, kept, err := s.joinedByDay(ctx, r, reachableSQL)
	if err != nil {
		return c, err
	}
	churn, err := s.byDay(ctx, r, "member_events e", "e.created_at", "COUNT(DISTINCT e.member_id)", "e.kind IN ?", churnKinds)
	if err != nil {
		return c, err
	}
	var base int64
	if err := s.db.WithContext(ctx).Model(&model.Member{}).Where("created_at < ? AND merged_into IS NULL", r.Start()).
		Where("? = '' OR store_code = ?", r.Store, r.Store).Count(&base).Error; err != nil {
		return c, err
	}
	rate, churnRate := map[string]float64{}, map[string]float64{}
	members := float64(base)
	for _, d := range r.days {
		if newDay[d] > 0 {
			rate[d] = round4(kept[d] / newDay[d])
		}
		if members > 0 {
			churnRate[d] = round4(churn[d] / members)
		}
		members += newDay[d]
	}
	c.setSeries("new", newDay)
	c.setSeries("retained", kept)
	c.setSeries("retention_rate", rate)
	c.setSeries("churned", churn)
	c.setSeries("churn_rate", churnRate)
	return c, nil
}

func round4(f float64) float64 { return float64(int64(f*10000+0.5)) / 10000 }
