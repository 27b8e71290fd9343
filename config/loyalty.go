package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Loyalty configures the loyalty engine. Earning rules and levels given
// here seed the database on first start (a channel without a rule, an
// empty levels table); after that the HQ API changes them.
type Loyalty struct {
	// Earn holds the rules set through SIYU_EARN_<CHANNEL>, by channel.
	Earn map[string]EarnRule
	// Levels from SIYU_LEVELS; nil: the built-in 普通/银卡/金卡/钻石.
	Levels []LevelDef
	// Expiry is none, rolling or year_end (SIYU_POINTS_EXPIRY); ExpiryDays
	// goes with rolling.
	Expiry     string
	ExpiryDays int
	// RemindDays: members are reminded of points expiring within this many
	// days (SIYU_POINTS_EXPIRY_REMIND_DAYS).
	RemindDays int
	// Review is how often levels are reviewed: monthly, quarterly, yearly
	// or off (SIYU_LEVEL_REVIEW), over ReviewMonths of growth
	// (SIYU_LEVEL_REVIEW_MONTHS).
	Review       string
	ReviewMonths int
}

// EarnRule is one channel's rule: points and growth per event (per yuan
// for orders), and an optional cap of points per day, week or month.
type EarnRule struct {
	Points, Growth float64
	CapPoints      int64
	CapPeriod      string
}

// LevelDef is one level: the growth that reaches it, the growth over the
// review window that keeps it, and its points multiplier for orders.
type LevelDef struct {
	Name            string
	Threshold, Keep int64
	Multiplier      float64
}

// earnChannels are the channels with a SIYU_EARN_<CHANNEL> variable.
var earnChannels = []string{"follow", "order", "share", "review", "survey", "birthday", "referral"}

func defaultLoyalty() Loyalty {
	return Loyalty{Earn: map[string]EarnRule{}, Expiry: "year_end", RemindDays: 30, Review: "monthly", ReviewMonths: 12}
}

// loadLoyalty reads the loyalty variables into l and returns what is wrong
// with them, each naming its variable.
func loadLoyalty(getenv func(string) string, l *Loyalty) []string {
	var errs []string
	for _, ch := range earnChannels {
		name := "SIYU_EARN_" + strings.ToUpper(ch)
		if v := strings.TrimSpace(getenv(name)); v != "" {
			r, err := parseEarnRule(v, ch == "order")
			if err != nil {
				errs = append(errs, fmt.Sprintf("%s=%q: %v", name, v, err))
				continue
			}
			l.Earn[ch] = r
		}
	}
	if v := strings.TrimSpace(getenv("SIYU_LEVELS")); v != "" {
		levels, err := parseLevels(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("SIYU_LEVELS=%q: %v", v, err))
		}
		l.Levels = levels
	}
	if v := strings.TrimSpace(getenv("SIYU_POINTS_EXPIRY")); v != "" {
		kind, days, err := parseExpiry(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("SIYU_POINTS_EXPIRY=%q: %v", v, err))
		}
		l.Expiry, l.ExpiryDays = kind, days
	}
	intIn := func(name string, dst *int, lo, hi int) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < lo || n > hi {
				errs = append(errs, fmt.Sprintf("%s=%q: want a whole number %d..%d", name, v, lo, hi))
				return
			}
			*dst = n
		}
	}
	intIn("SIYU_POINTS_EXPIRY_REMIND_DAYS", &l.RemindDays, 1, 365)
	intIn("SIYU_LEVEL_REVIEW_MONTHS", &l.ReviewMonths, 1, 60)
	if v := strings.TrimSpace(getenv("SIYU_LEVEL_REVIEW")); v != "" {
		switch v {
		case "monthly", "quarterly", "yearly", "off":
			l.Review = v
		default:
			errs = append(errs, fmt.Sprintf("SIYU_LEVEL_REVIEW=%q: want monthly, quarterly, yearly or off", v))
		}
	}
	return errs
}

// parseEarnRule reads points[,growth[,cap/period]]: "5,1,15/day", "20",
// "1.5,1" (orders: per yuan, up to 3 decimals).
func parseEarnRule(v string, perYuan bool) (EarnRule, error) {
	var r EarnRule
	parts := strings.Split(v, ",")
	if len(parts) > 3 {
		return r, fmt.Errorf("want points[,growth[,cap/day|week|month]]")
	}
	nums := []*float64{&r.Points, &r.Growth}
	for i, p := range parts[:min(len(parts), 2)] {
		n, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || n < 0 || n > 1e6 || (!perYuan && n != float64(int64(n))) || (perYuan && n > 100) {
			if perYuan {
				return r, fmt.Errorf("points and growth per yuan: want numbers 0..100")
			}
			return r, fmt.Errorf("points and growth: want whole numbers 0..1000000")
		}
		*nums[i] = n
	}
	if len(parts) == 3 {
		cp, period, ok := strings.Cut(strings.TrimSpace(parts[2]), "/")
		n, err := strconv.ParseInt(cp, 10, 64)
		if !ok || err != nil || n <= 0 || (period != "day" && period != "week" && period != "month") {
			return r, fmt.Errorf("cap: want <points>/day, /week or /month, e.g. 15/day")
		}
		r.CapPoints, r.CapPeriod = n, period
	}
	return r, nil
}

// parseLevels reads name:threshold[:keep[:multiplier]] entries separated
// by commas; one must have threshold 0.
func parseLevels(v string) ([]LevelDef, error) {
	var out []LevelDef
	base := 0
	names, thresholds := map[string]bool{}, map[int64]bool{}
	for _, entry := range strings.Split(v, ",") {
		f := strings.Split(strings.TrimSpace(entry), ":")
		if len(f) < 2 || len(f) > 4 || f[0] == "" {
			return nil, fmt.Errorf("entry %q: want name:threshold[:keep[:multiplier]]", entry)
		}
		l := LevelDef{Name: f[0], Multiplier: 1}
		var err error
		if l.Threshold, err = strconv.ParseInt(f[1], 10, 64); err != nil || l.Threshold < 0 {
			return nil, fmt.Errorf("entry %q: threshold is not a whole number ≥ 0", entry)
		}
		if len(f) > 2 {
			if l.Keep, err = strconv.ParseInt(f[2], 10, 64); err != nil || l.Keep < 0 || l.Keep > l.Threshold {
				return nil, fmt.Errorf("entry %q: keep must be a whole number 0..threshold", entry)
			}
		}
		if len(f) > 3 {
			if l.Multiplier, err = strconv.ParseFloat(f[3], 64); err != nil || l.Multiplier < 1 || l.Multiplier > 10 {
				return nil, fmt.Errorf("entry %q: multiplier must be 1..10", entry)
			}
		}
		if names[l.Name] || thresholds[l.Threshold] {
			return nil, fmt.Errorf("entry %q: each level needs its own name and threshold", entry)
		}
		names[l.Name], thresholds[l.Threshold] = true, true
		if l.Threshold == 0 {
			base++
		}
		out = append(out, l)
	}
	if base != 1 {
		return nil, fmt.Errorf("exactly one level needs threshold 0 (where new members start)")
	}
	return out, nil
}

// parseExpiry reads none, year_end or rolling:<N>d.
func parseExpiry(v string) (string, int, error) {
	switch {
	case v == "none" || v == "year_end":
		return v, 0, nil
	case strings.HasPrefix(v, "rolling:") && strings.HasSuffix(v, "d"):
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(v, "rolling:"), "d"))
		if err == nil && n >= 1 && n <= 3660 {
			return "rolling", n, nil
		}
	}
	return "", 0, fmt.Errorf("want none, year_end or rolling:<days>d (1..3660), e.g. rolling:365d")
}
