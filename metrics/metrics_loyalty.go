package metrics

import (
	"context"

	"github.com/siyu/siyu/model"
)

// streakBuckets group check-in streaks for the distribution.
var streakBuckets = []struct {
	name   string
	lo, hi int
}{{"1", 1, 1}, {"2-3", 2, 3}, {"4-6", 4, 6}, {"7-13", 7, 13}, {"14-29", 14, 29}, {"30+", 30, 1 << 30}}

// CheckInMetrics gives the check-in DAU (members who checked in) per
// business day of r, and the distribution of the longest streak each
// member reached in r (extra.streaks: bucket → members). Errors: the
// database's.
func (s *Service) CheckInMetrics(ctx context.Context, r DayRange) (Chart, error) {
	c := newChart(r)
	db := s.db.WithContext(ctx)
	var rows []struct {
		Day string
		N   float64
	}
	where, args := "x.day >= ? AND x.day <= ?", []any{r.From, r.To}
	if r.Store != "" {
		where += " AND " + storeCond("check_ins x")
		args = append(args, r.Store)
	}
	if err := db.Raw("SELECT x.day AS day, COUNT(*) AS n FROM check_ins x WHERE "+where+" GROUP BY x.day", args...).
		Scan(&rows).Error; err != nil {
		return c, err
	}
	dau := map[string]float64{}
	for _, row := range rows {
		dau[row.Day] = row.N
	}
	c.setSeries("dau", dau)
	var streaks []struct {
		S int
		N int64
	}
	if err := db.Raw(`SELECT s, COUNT(*) AS n FROM (SELECT x.member_id, MAX(x.streak) AS s FROM check_ins x
		WHERE `+where+` GROUP BY x.member_id) y GROUP BY s`, args...).Scan(&streaks).Error; err != nil {
		return c, err
	}
	dist := map[string]int64{}
	for _, b := range streakBuckets {
		dist[b.name] = 0
	}
	for _, st := range streaks {
		for _, b := range streakBuckets {
			if st.S >= b.lo && st.S <= b.hi {
				dist[b.name] += st.N
			}
		}
	}
	c.Extra = map[string]map[string]int64{"streaks": dist}
	return c, nil
}

// PointsMetrics gives per business day of r the points issued (every
// credit), redeemed (spent on rewards) and expired. Errors: the database's.
func (s *Service) PointsMetrics(ctx context.Context, r DayRange) (Chart, error) {
	c := newChart(r)
	for _, m := range []struct{ name, agg, where string }{
		{"issued", "SUM(x.delta)", "x.delta > 0"},
		{"redeemed", "-SUM(x.delta)", "x.kind = '" + model.PointsRedeem + "'"},
		{"expired", "-SUM(x.delta)", "x.kind = '" + model.PointsExpire + "'"},
	} {
		v, err := s.byDay(ctx, r, "points_entries x", "x.created_at", m.agg, m.where)
		if err != nil {
			return c, err
		}
		c.setSeries(m.name, v)
	}
	return c, nil
}

// CouponMetrics gives per business day of r the coupons issued and
// redeemed (核销). Errors: the database's.
func (s *Service) CouponMetrics(ctx context.Context, r DayRange) (Chart, error) {
	c := newChart(r)
	issued, err := s.byDay(ctx, r, "coupons x", "x.created_at", "COUNT(*)", "")
	if err != nil {
		return c, err
	}
	redeemed, err := s.byDay(ctx, r, "coupons x", "x.redeemed_at", "COUNT(*)", "x.redeemed_at IS NOT NULL")
	if err != nil {
		return c, err
	}
	c.setSeries("issued", issued)
	c.setSeries("redeemed", redeemed)
	return c, nil
}
