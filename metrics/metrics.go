package metrics

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// MaxMetricDays bounds a metrics date range.
const MaxMetricDays = 366

// DayRange is an inclusive range of business days in Location.
type DayRange struct {
	From, To string // YYYY-MM-DD
	Location *time.Location
	// Store, when set, limits the metric to that store's members (and
	// its task items); empty is the whole brand.
	Store  string
	days   []string
	bounds []time.Time // len(days)+1 day starts, UTC
}

// NewDayRange parses from and to (YYYY-MM-DD, business days in loc);
// empty from/to mean the 30 days up to today. Errors: EINVALID for a bad
// date, to before from, or more than MaxMetricDays days.
func NewDayRange(from, to string, loc *time.Location, now time.Time) (DayRange, error) {
	today := now.In(loc).Format(time.DateOnly)
	if to == "" {
		to = today
	}
	end, err := time.ParseInLocation(time.DateOnly, to, loc)
	if err != nil {
		return DayRange{}, model.Errorf(model.EINVALID, "to %q: want YYYY-MM-DD", to)
	}
	if from == "" {
		from = end.AddDate(0, 0, -29).Format(time.DateOnly)
	}
	start, err := time.ParseInLocation(time.DateOnly, from, loc)
	if err != nil {
		return DayRange{}, model.Errorf(model.EINVALID, "from %q: want YYYY-MM-DD", from)
	}
	if end.Before(start) {
		return DayRange{}, model.Errorf(model.EINVALID, "to %s is before from %s", to, from)
	}
	r := DayRange{From: from, To: to, Location: loc}
	for d := start; !d.After(end); {
		if len(r.days) == MaxMetricDays {
			return DayRange{}, model.Errorf(model.EINVALID, "at most %d days per request", MaxMetricDays)
		}
		r.days = append(r.days, d.Format(time.DateOnly))
		r.bounds = append(r.bounds, d.UTC())
		y, m, dd := d.Date()
		d = time.Date(y, m, dd+1, 0, 0, 0, 0, loc) // DST-safe: the next local midnight
	}
	y, m, dd := end.Date()
	r.bounds = append(r.bounds, time.Date(y, m, dd+1, 0, 0, 0, 0, loc).UTC())
	return r, nil
}

// Days lists the range's business days.
func (r DayRange) Days() []string { return r.days }

// Start and End are the range's first instant and the instant after it.
func (r DayRange) Start() time.Time { return r.bounds[0] }

// End is the first instant after the range.
func (r DayRange) End() time.Time { return r.bounds[len(r.bounds)-1] }

// dayTable is a derived table (day, lo, hi) of the range's business days
// with their UTC bounds, so rows stored in UTC bucket into local days on
// both MySQL and SQLite, across midnight and DST alike.
func (r DayRange) dayTable(mysql bool) (string, []any) {
	ts := "?"
	if mysql {
		ts = "CAST(? AS DATETIME(3))"
	}
	var b strings.Builder
	args := make([]any, 0, 3*len(r.days))
	for i, d := range r.days {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT ? AS day, " + ts + " AS lo, " + ts + " AS hi")
		args = append(args, d, r.bounds[i], r.bounds[i+1])
	}
	return b.String(), args
}

// Chart is the shape every metrics endpoint answers with: the days, and
// named series with one value per day; breakdowns and snapshots where the
// metric has them.
type Chart struct {
	From      string                      `json:"from"`
	To        string                      `json:"to"`
	Days      []string                    `json:"days"`
	Series    map[string][]float64        `json:"series"`
	Breakdown map[string][]Bucket         `json:"breakdown,omitempty"`
	Current   map[string]int64            `json:"current,omitempty"`
	WeekAgo   map[string]int64            `json:"week_ago,omitempty"`
	Change    map[string]int64            `json:"change,omitempty"`
	Extra     map[string]map[string]int64 `json:"extra,omitempty"`
}

// Bucket is one key of a breakdown (a scene, a store, a channel) with its
// totals over the range.
type Bucket struct {
	Key    string           `json:"key"`
	Values map[string]int64 `json:"values"`
}

func newChart(r DayRange) Chart {
	return Chart{From: r.From, To: r.To, Days: r.days, Series: map[string][]float64{}}
}

// setSeries puts per-day values into the chart, zero for missing days.
func (c *Chart) setSeries(name string, byDay map[string]float64) {
	vals := make([]float64, len(c.Days))
	for i, d := range c.Days {
		vals[i] = byDay[d]
	}
	c.Series[name] = vals
}

// byDay sums agg per business day over rows of from (aliased x) whose
// timestamp col falls in the range and that match where.
func (s *Service) byDay(ctx context.Context, r DayRange, from, col, agg, where string, args ...any) (map[string]float64, error) {
	dt, dargs := r.dayTable(model.IsMySQL(s.db))
	q := "SELECT d.day AS day, " + agg + " AS v FROM (" + dt + ") d JOIN " + from + " ON " + col + " >= d.lo AND " + col + " < d.hi WHERE " +
		col + " >= ? AND " + col + " < ?"
	if where != "" {
		q += " AND " + where
	}
	all := append(dargs, r.Start(), r.End())
	all = append(all, args...)
	if r.Store != "" {
		q += " AND " + storeCond(from)
		all = append(all, r.Store)
	}
	q += " GROUP BY d.day"
	var rows []struct {
		Day string
		V   float64
	}
	if err := s.db.WithContext(ctx).Raw(q, all...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(rows))
	for _, row := range rows {
		out[row.Day] = row.V
	}
	return out, nil
}

// scanBuckets runs a GROUP BY query returning (k, name, v) rows, or
// (k, name, v, name2, v2) where one pass counts two things (v2 counts only
// when not zero), and folds them into buckets ordered by first appearance.
func scanBuckets(db *gorm.DB, q string, args ...any) ([]Bucket, error) {
	var rows []struct {
		K, Name, Name2 string
		V, V2          int64
	}
	if err := db.Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	var out []Bucket
	index := map[string]int{}
	for _, row := range rows {
		i, ok := index[row.K]
		if !ok {
			i = len(out)
			index[row.K] = i
			out = append(out, Bucket{Key: row.K, Values: map[string]int64{}})
		}
		out[i].Values[row.Name] += row.V
		if row.Name2 != "" && row.V2 != 0 {
			out[i].Values[row.Name2] += row.V2
		}
	}
	return out, nil
}
