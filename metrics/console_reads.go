package metrics

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// Summary is the 概览 page's KPI cards: member counts now, today's
// activity, and the points and coupons of the requested range.
type Summary struct {
	From      string `json:"from"`
	To        string `json:"to"`
	StoreCode string `json:"store_code,omitempty"`

	Members       int64 `json:"members"`
	NewToday      int64 `json:"new_today"`
	New7Days      int64 `json:"new_7_days"`
	Effective     int64 `json:"effective"`
	CheckInsToday int64 `json:"checkins_today"`

	PointsIssued   int64 `json:"points_issued"`
	PointsRedeemed int64 `json:"points_redeemed"`
	PointsExpired  int64 `json:"points_expired"`
	CouponsUsed    int64 `json:"coupons_used"`
	OpenTaskItems  int64 `json:"open_task_items"`
}

// memberOf is the condition "x's member belongs to the store" for tables
// with a member_id column aliased x.
const memberOf = "x.member_id IN (SELECT id FROM members WHERE store_code = ?)"

// Summary counts the KPI cards: members now (all, effective, new today
// and in the last 7 business days, today's check-ins, open task items)
// and the points and coupons of r. storeCode, when not empty, keeps only
// that store's members (and its task items). Errors: the database's.
func (s *Service) Summary(ctx context.Context, r DayRange, storeCode string) (Summary, error) {
	out := Summary{From: r.From, To: r.To, StoreCode: storeCode}
	loc := r.Location
	today := s.now().In(loc)
	y, m, d := today.Date()
	dayStart := time.Date(y, m, d, 0, 0, 0, 0, loc).UTC()
	weekStart := time.Date(y, m, d-6, 0, 0, 0, 0, loc).UTC()
	db := s.db.WithContext(ctx)
	mem := func(where string, args ...any) *gorm.DB {
		q := db.Table("members x").Where("x.merged_into IS NULL")
		if storeCode != "" {
			q = q.Where("x.store_code = ?", storeCode)
		}
		return q.Where(where, args...)
	}
	of := func(q *gorm.DB) *gorm.DB {
		if storeCode != "" {
			q = q.Where(memberOf, storeCode)
		}
		return q
	}
	counts := []struct {
		dst *int64
		q   *gorm.DB
	}{
		{&out.Members, mem("1 = 1")},
		{&out.NewToday, mem("x.created_at >= ?", dayStart)},
		{&out.New7Days, mem("x.created_at >= ?", weekStart)},
		{&out.Effective, mem(effectiveSQL, true)},
		{&out.CheckInsToday, of(db.Table("check_ins x").Where("x.day = ?", today.Format(time.DateOnly)))},
		{&out.CouponsUsed, of(db.Table("coupons x").Where("x.redeemed_at >= ? AND x.redeemed_at < ?", r.Start(), r.End()))},
	}
	items := db.Table("task_items x").Where("x.status = ?", model.ItemOpen)
	if storeCode != "" {
		items = items.Where("x.store_code = ?", storeCode)
	}
	counts = append(counts, struct {
		dst *int64
		q   *gorm.DB
	}{&out.OpenTaskItems, items})
	for _, c := range counts {
		if err := c.q.Count(c.dst).Error; err != nil {
			return out, err
		}
	}
	return out, s.summaryPoints(ctx, r, storeCode, &out)
}

// summaryPoints sums the points issued, redeemed and expired in r.
func (s *Service) summaryPoints(ctx context.Context, r DayRange, storeCode string, out *Summary) error {
	q := s.db.WithContext(ctx).Table("points_entries x").
		Select(`COALESCE(SUM(CASE WHEN x.delta > 0 THEN x.delta ELSE 0 END), 0) AS issued,
			COALESCE(SUM(CASE WHEN x.kind = ? THEN -x.delta ELSE 0 END), 0) AS redeemed,
			COALESCE(SUM(CASE WHEN x.kind = ? THEN -x.delta ELSE 0 END), 0) AS expired`, model.PointsRedeem, model.PointsExpire).
		Where("x.created_at >= ? AND x.created_at < ?", r.Start(), r.End())
	if storeCode != "" {
		q = q.Where(memberOf, storeCode)
	}
	var row struct{ Issued, Redeemed, Expired int64 }
	if err := q.Scan(&row).Error; err != nil {
		return err
	}
	out.PointsIssued, out.PointsRedeemed, out.PointsExpired = row.Issued, row.Redeemed, row.Expired
	return nil
}

// SceneStats gives, per business day of r, what one scene (a channel code)
// brought: scans, follows of the Official Account, WeCom adds, and members
// brought (members whose first scene it is, by the day they joined), with
// the range's totals in Current. Errors: the database's.
func (s *Service) SceneStats(ctx context.Context, r DayRange, scene string) (Chart, error) {
	c := newChart(r)
	c.Current = map[string]int64{}
	for _, m := range []struct{ name, from, col, agg, where, arg string }{
		{"scans", "member_events x", "x.created_at", "COUNT(*)", "x.scene = ? AND x.kind = ?", model.EventScan},
		{"follows", "member_events x", "x.created_at", "COUNT(*)", "x.scene = ? AND x.kind = ?", model.EventFollow},
		{"adds", "member_events x", "x.created_at", "COUNT(*)", "x.scene = ? AND x.kind = ?", model.EventWeComAdd},
		{"members", "members x", "x.created_at", "COUNT(*)", "x.first_scene = ? AND x.merged_into IS NULL", ""},
	} {
		args := []any{scene}
		if m.arg != "" {
			args = append(args, m.arg)
		}
		v, err := s.byDay(ctx, r, m.from, m.col, m.agg, m.where, args...)
		if err != nil {
			return c, err
		}
		c.setSeries(m.name, v)
		var total float64
		for _, n := range v {
			total += n
		}
		c.Current[m.name] = int64(total)
	}
	return c, nil
}

// ItemCounts is how many of a task's items there are and how many are
// done or skipped.
type ItemCounts struct {
	Items        int64 `json:"items"`
	ItemsDone    int64 `json:"items_done"`
	ItemsSkipped int64 `json:"items_skipped"`
}

// TaskItemCounts counts the items of each task in ids in one query (only
// storeCode's items when it is not empty); tasks without items are absent.
// Errors: the database's.
func (s *Service) TaskItemCounts(ctx context.Context, ids []int64, storeCode string) (map[int64]ItemCounts, error) {
	out := map[int64]ItemCounts{}
	if len(ids) == 0 {
		return out, nil
	}
	q := s.db.WithContext(ctx).Table("task_items").Select("task_id, status, COUNT(*) AS n").Where("task_id IN ?", ids)
	if storeCode != "" {
		q = q.Where("store_code = ?", storeCode)
	}
	var rows []struct {
		TaskID int64
		Status string
		N      int64
	}
	if err := q.Group("task_id, status").Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		c := out[r.TaskID]
		c.Items += r.N
		switch r.Status {
		case model.ItemDone:
			c.ItemsDone += r.N
		case model.ItemSkipped:
			c.ItemsSkipped += r.N
		}
		out[r.TaskID] = c
	}
	return out, nil
}

// storeCond is the condition "the row belongs to the store" (one ?) for a
// table named with its alias, "members x" or "points_entries x": members
// and task items by their own store, other rows by their member's.
func storeCond(from string) string {
	table, alias, _ := strings.Cut(from, " ")
	switch table {
	case "members", "task_items":
		return alias + ".store_code = ?"
	}
	return alias + ".member_id IN (SELECT id FROM members WHERE store_code = ?)"
}
