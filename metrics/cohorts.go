package metrics

import (
	"context"
	"sort"
	"time"

	"github.com/siyu/siyu/model"
)

// Cohort period lengths.
const (
	ByWeek  = "week"  // Monday to Sunday, business days
	ByMonth = "month" // calendar months, business days
)

// Cohort is the members who joined in one period and, for each period
// since (index 0 is the joining period itself), how many of them were
// active (checked in or ordered) and how many ordered, with the shares.
// The last entries belong to the period still running.
type Cohort struct {
	Period       string    `json:"period"` // the first business day of the period
	Size         int64     `json:"size"`
	Active       []int64   `json:"active"`
	ActiveRate   []float64 `json:"active_rate"`
	Ordering     []int64   `json:"ordering"`
	OrderingRate []float64 `json:"ordering_rate"`
}

// Cohorts is the retention triangle: one row per joining period, each
// shorter by one period than the row before.
type Cohorts struct {
	From    string   `json:"from"`
	To      string   `json:"to"`
	By      string   `json:"by"`
	Channel string   `json:"channel,omitempty"`
	Periods []string `json:"periods"` // every period start from the first cohort to now
	Cohorts []Cohort `json:"cohorts"`
}

// periodStart is the first instant (in loc) of the week or month holding t.
func periodStart(t time.Time, by string, loc *time.Location) time.Time {
	t = t.In(loc)
	y, m, d := t.Date()
	if by == ByMonth {
		return time.Date(y, m, 1, 0, 0, 0, 0, loc)
	}
	back := (int(t.Weekday()) + 6) % 7 // days since Monday
	return time.Date(y, m, d-back, 0, 0, 0, 0, loc)
}

func nextPeriod(t time.Time, by string) time.Time {
	y, m, d := t.Date()
	if by == ByMonth {
		return time.Date(y, m+1, 1, 0, 0, 0, 0, t.Location())
	}
	return time.Date(y, m, d+7, 0, 0, 0, 0, t.Location())
}

// CohortMetrics groups the members who joined in r's periods (by week or
// month of the business calendar; r's ends widen to whole periods) and
// counts, for each period since, the share active and the share ordering.
// Errors: EINVALID for by other than week or month; the database's.
func (s *Service) CohortMetrics(ctx context.Context, r DayRange, by string, f CohortFilter) (Cohorts, error) {
	switch by {
	case "":
		by = ByWeek
	case ByWeek, ByMonth:
	default:
		return Cohorts{}, model.Errorf(model.EINVALID, "by %q: want week or month", by)
	}
	loc, now := r.Location, s.now()
	out := Cohorts{From: r.From, To: r.To, By: by, Channel: f.Channel, Periods: []string{}, Cohorts: []Cohort{}}
	first, last := periodStart(r.Start(), by, loc), nextPeriod(periodStart(r.End().Add(-time.Nanosecond), by, loc), by)
	var starts []time.Time
	for p := first; !p.After(now) || p.Equal(first); p = nextPeriod(p, by) {
		starts = append(starts, p)
		out.Periods = append(out.Periods, p.Format(time.DateOnly))
	}
	data, err := s.loadCohort(ctx, f, first.UTC(), last.UTC(), now)
	if err != nil {
		return out, err
	}
	index := func(t time.Time) int {
		return sort.Search(len(starts), func(i int) bool { return starts[i].After(t) }) - 1
	}
	rows := map[int]*Cohort{}
	for _, m := range data.members {
		ci := index(m.CreatedAt)
		if ci < 0 {
			continue // cannot happen: the query starts at the first period
		}
		c := rows[ci]
		if c == nil {
			n := len(starts) - ci
			c = &Cohort{Period: out.Periods[ci], Active: make([]int64, n), Ordering: make([]int64, n)}
			rows[ci] = c
		}
		c.Size++
		seenA, seenO := map[int]bool{}, map[int]bool{}
		for _, a := range data.acts[m.ID] {
			k := index(a.At) - ci
			if a.At.Before(m.CreatedAt) || k < 0 || k >= len(c.Active) {
				continue
			}
			if !seenA[k] {
				seenA[k] = true
				c.Active[k]++
			}
			if a.Order && !seenO[k] {
				seenO[k] = true
				c.Ordering[k]++
			}
		}
	}
	for ci := range starts {
		if c := rows[ci]; c != nil {
			c.ActiveRate, c.OrderingRate = rates(c.Active, c.Size), rates(c.Ordering, c.Size)
			out.Cohorts = append(out.Cohorts, *c)
		}
	}
	return out, nil
}

func rates(counts []int64, size int64) []float64 {
	out := make([]float64, len(counts))
	for i, n := range counts {
		if size > 0 {
			out[i] = float64(n) / float64(size)
		}
	}
	return out
}
