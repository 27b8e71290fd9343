package metrics

import (
	"context"
	"time"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
)

// LifecycleMetrics is the lifecycle distribution: per business day of r
// from the recompute's daily snapshots (one series per state), the
// distribution now, the one a week before to, and the change. Errors:
// the database's.
func (s *Service) LifecycleMetrics(ctx context.Context, r DayRange) (Chart, error) {
	return s.segmentMetrics(ctx, r, model.SnapshotLifecycle, "lifecycle", segments.Lifecycles)
}

// RFMMetrics is the RFM distribution, like LifecycleMetrics. Errors: the
// database's.
func (s *Service) RFMMetrics(ctx context.Context, r DayRange) (Chart, error) {
	return s.segmentMetrics(ctx, r, model.SnapshotRFM, "rfm_segment", segments.RFMSegments)
}

func (s *Service) segmentMetrics(ctx context.Context, r DayRange, kind, col string, values []string) (Chart, error) {
	c := newChart(r)
	db := s.db.WithContext(ctx)
	var snaps []model.SegmentSnapshot
	// The daily snapshots are brand-wide: a store sees only the present.
	if err := db.Where("kind = ? AND day >= ? AND day <= ? AND ? = ''", kind, r.From, r.To, r.Store).Find(&snaps).Error; err != nil {
		return c, err
	}
	per := map[string]map[string]float64{}
	for _, v := range values {
		per[v] = map[string]float64{}
	}
	for _, sn := range snaps {
		if per[sn.Value] == nil {
			per[sn.Value] = map[string]float64{}
		}
		per[sn.Value][sn.Day] = float64(sn.Count)
	}
	for v, byDay := range per {
		c.setSeries(v, byDay)
	}
	// Now: the members table itself; a week ago: the last snapshot on or
	// before to − 7 days.
	c.Current = map[string]int64{}
	var rows []struct {
		Value string
		N     int64
	}
	cur := db.Table("members").Select(col + " AS value, COUNT(*) AS n").Where("merged_into IS NULL AND " + col + " <> ''")
	if r.Store != "" {
		cur = cur.Where("store_code = ?", r.Store)
	}
	if err := cur.Group(col).Scan(&rows).Error; err != nil {
		return c, err
	}
	for _, row := range rows {
		c.Current[row.Value] = row.N
	}
	to, _ := time.ParseInLocation(time.DateOnly, r.To, r.Location)
	weekAgo := to.AddDate(0, 0, -7).Format(time.DateOnly)
	var day string
	if err := db.Model(&model.SegmentSnapshot{}).Where("kind = ? AND day <= ?", kind, weekAgo).
		Select("COALESCE(MAX(day), '')").Scan(&day).Error; err != nil {
		return c, err
	}
	c.WeekAgo, c.Change = map[string]int64{}, map[string]int64{}
	if day != "" && r.Store == "" {
		var old []model.SegmentSnapshot
		if err := db.Where("kind = ? AND day = ?", kind, day).Find(&old).Error; err != nil {
			return c, err
		}
		for _, o := range old {
			c.WeekAgo[o.Value] = o.Count
		}
	}
	for _, v := range values {
		c.Change[v] = c.Current[v] - c.WeekAgo[v]
	}
	return c, nil
}
