package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Segments configures the daily segment recompute (RFM, lifecycle,
// activity). Zero values mean the built-in defaults (see docs/segments.md).
type Segments struct {
	RFMWindowDays  int   // SIYU_RFM_WINDOW_DAYS (30)
	RecentDays     int   // SIYU_RFM_RECENT_DAYS (15)
	FrequentOrders int   // SIYU_RFM_FREQUENT_ORDERS (8)
	MonetaryFen    int64 // SIYU_RFM_MONETARY_FEN (0 = the window's average order value)

	NewDays, ActiveDays, SilentDays, SleepingDays int // SIYU_LIFECYCLE_DAYS "new,active,silent,sleeping" (7,30,60,90)

	ActivityWindowDays int                // SIYU_ACTIVITY_WINDOW_DAYS (90)
	HalfLifeDays       float64            // SIYU_ACTIVITY_HALF_LIFE_DAYS (14)
	Weights            map[string]float64 // SIYU_ACTIVITY_WEIGHTS "light=1,medium=3,core=5"
}

// loadSegments reads the segment variables into s and returns what is
// wrong with them, each naming its variable.
func loadSegments(getenv func(string) string, s *Segments) []string {
	var errs []string
	num := func(name string, dst *int, lo, hi int) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < lo || n > hi {
			errs = append(errs, fmt.Sprintf("%s=%q: want a whole number %d..%d", name, v, lo, hi))
			return
		}
		*dst = n
	}
	num("SIYU_RFM_WINDOW_DAYS", &s.RFMWindowDays, 1, 730)
	num("SIYU_RFM_RECENT_DAYS", &s.RecentDays, 1, 730)
	num("SIYU_RFM_FREQUENT_ORDERS", &s.FrequentOrders, 1, 100000)
	num("SIYU_ACTIVITY_WINDOW_DAYS", &s.ActivityWindowDays, 1, 730)
	if v := strings.TrimSpace(getenv("SIYU_RFM_MONETARY_FEN")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Sprintf("SIYU_RFM_MONETARY_FEN=%q: want fen ≥ 0 (0 = the average order value)", v))
		}
		s.MonetaryFen = n
	}
	if v := strings.TrimSpace(getenv("SIYU_ACTIVITY_HALF_LIFE_DAYS")); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 3650 {
			errs = append(errs, fmt.Sprintf("SIYU_ACTIVITY_HALF_LIFE_DAYS=%q: want days > 0", v))
		}
		s.HalfLifeDays = f
	}
	if v := strings.TrimSpace(getenv("SIYU_LIFECYCLE_DAYS")); v != "" {
		parts := strings.Split(v, ",")
		var d [4]int
		ok := len(parts) == 4
		for i := 0; ok && i < 4; i++ {
			n, err := strconv.Atoi(strings.TrimSpace(parts[i]))
			ok = err == nil && n >= 1 && (i == 0 || i == 1 || n > d[i-1])
			d[i] = n
		}
		if !ok {
			errs = append(errs, fmt.Sprintf("SIYU_LIFECYCLE_DAYS=%q: want new,active,silent,sleeping days, e.g. 7,30,60,90 (active < silent < sleeping)", v))
		} else {
			s.NewDays, s.ActiveDays, s.SilentDays, s.SleepingDays = d[0], d[1], d[2], d[3]
		}
	}
	if v := strings.TrimSpace(getenv("SIYU_ACTIVITY_WEIGHTS")); v != "" {
		w := map[string]float64{}
		for _, kv := range strings.Split(v, ",") {
			k, val, _ := strings.Cut(strings.TrimSpace(kv), "=")
			f, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
			if k != "light" && k != "medium" && k != "core" || err != nil || f < 0 || f > 1000 {
				errs = append(errs, fmt.Sprintf("SIYU_ACTIVITY_WEIGHTS=%q: want light=N,medium=N,core=N with 0 ≤ N ≤ 1000", v))
				w = nil
				break
			}
			w[k] = f
		}
		s.Weights = w
	}
	return errs
}
