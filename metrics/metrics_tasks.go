package metrics

import (
	"context"

	"github.com/siyu/siyu/model"
)

// TaskMetrics gives HQ task execution: per business day of r the items
// assigned (dispatched), done and skipped; and by store, over the items
// dispatched in r, how many were assigned, done, skipped and overdue, with
// the completion rate in per mille (done / assigned × 1000, so the
// breakdown stays whole numbers). Errors: the database's.
func (s *Service) TaskMetrics(ctx context.Context, r DayRange) (Chart, error) {
	c := newChart(r)
	for _, m := range []struct{ name, col, where string }{
		{"assigned", "x.created_at", ""},
		{"done", "x.done_at", "x.status = '" + model.ItemDone + "'"},
		{"skipped", "x.done_at", "x.status = '" + model.ItemSkipped + "'"},
	} {
		where := m.where
		if m.col == "x.done_at" {
			where += " AND x.done_at IS NOT NULL"
		}
		v, err := s.byDay(ctx, r, "task_items x", m.col, "COUNT(*)", where)
		if err != nil {
			return c, err
		}
		c.setSeries(m.name, v)
	}
	byStore, err := scanBuckets(s.db.WithContext(ctx), `SELECT store_code AS k, status AS name, COUNT(*) AS v FROM task_items
		WHERE created_at >= ? AND created_at < ? AND (? = '' OR store_code = ?) GROUP BY store_code, status
		UNION ALL SELECT store_code AS k, 'overdue' AS name, COUNT(*) AS v FROM task_items
		WHERE created_at >= ? AND created_at < ? AND (? = '' OR store_code = ?) AND overdue = ? AND status = ? GROUP BY store_code
		ORDER BY k`, r.Start(), r.End(), r.Store, r.Store, r.Start(), r.End(), r.Store, r.Store, true, model.ItemOpen)
	if err != nil {
		return c, err
	}
	for i := range byStore {
		v := byStore[i].Values
		assigned := v[model.ItemOpen] + v[model.ItemDone] + v[model.ItemSkipped]
		v["assigned"] = assigned
		if assigned > 0 {
			v["rate_permille"] = v[model.ItemDone] * 1000 / assigned
		}
	}
	c.Breakdown = map[string][]Bucket{"store": byStore}
	return c, nil
}
