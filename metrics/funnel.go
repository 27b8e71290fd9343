package metrics

import (
	"context"
	"sort"
	"time"
)

// Funnel windows, from the moment a member joined.
const (
	ActivationDays = 7  // activation: first check-in or order within a week
	RetentionDays  = 35 // retention: active again in the 4 weeks after that
)

// Funnel steps, in order.
var funnelSteps = []string{"acquisition", "activation", "retention", "revenue_first", "revenue_repeat", "referral"}

// funnelFrom names the step each step's conversion is counted from.
var funnelFrom = map[string]string{
	"activation": "acquisition", "retention": "activation", "revenue_first": "acquisition",
	"revenue_repeat": "revenue_first", "referral": "acquisition",
}

// FunnelStep is one AARRR step: how many members reached it and the share
// of the step it converts from (From; empty for acquisition).
type FunnelStep struct {
	Step  string  `json:"step"`
	Count int64   `json:"count"`
	From  string  `json:"from,omitempty"`
	Rate  float64 `json:"rate"`
}

// FunnelRow is the funnel of one scene or channel.
type FunnelRow struct {
	Key   string       `json:"key"`
	Steps []FunnelStep `json:"steps"`
}

// Funnel is the AARRR funnel of the members who joined in a range.
type Funnel struct {
	From           string       `json:"from"`
	To             string       `json:"to"`
	Scene          string       `json:"scene,omitempty"`
	StoreCode      string       `json:"store_code,omitempty"`
	ActivationDays int          `json:"activation_days"`
	RetentionDays  int          `json:"retention_days"`
	Steps          []FunnelStep `json:"steps"`
	ByScene        []FunnelRow  `json:"by_scene"`
	ByChannel      []FunnelRow  `json:"by_channel"`
}

// FunnelMetrics follows the members who joined in r (and match f) through
// AARRR, each from their own join time: acquisition (joined by a follow
// or a WeCom add), activation (a check-in or an order within
// ActivationDays), retention (activated, and active again between day
// ActivationDays and RetentionDays), revenue (a first order, and a repeat
// order, within RetentionDays) and referral (an invite that brought a new
// member, credited within RetentionDays). Windows are cut at now, so the
// latest joiners' later steps are still filling. Overall, per first scene
// and per channel. Errors: the database's.
func (s *Service) FunnelMetrics(ctx context.Context, r DayRange, f CohortFilter) (Funnel, error) {
	now := s.now()
	out := Funnel{From: r.From, To: r.To, Scene: f.Scene, StoreCode: f.StoreCode,
		ActivationDays: ActivationDays, RetentionDays: RetentionDays}
	data, err := s.loadCohort(ctx, f, r.Start(), r.End(), now)
	if err != nil {
		return out, err
	}
	total := map[string]int64{}
	byScene, byChannel := map[string]map[string]int64{}, map[string]map[string]int64{}
	for _, m := range data.members {
		reached := funnelOf(m.CreatedAt, data.acts[m.ID], data.referrals[m.ID])
		for _, counts := range []map[string]int64{total, bucket(byScene, m.Scene), bucket(byChannel, m.Channel)} {
			for _, step := range reached {
				counts[step]++
			}
		}
	}
	out.Steps = funnelStepsOf(total)
	out.ByScene, out.ByChannel = funnelRows(byScene), funnelRows(byChannel)
	return out, nil
}

// funnelOf lists the steps one member who joined at join reached.
func funnelOf(join time.Time, acts []activity, referrals []time.Time) []string {
	actEnd, retEnd := join.AddDate(0, 0, ActivationDays), join.AddDate(0, 0, RetentionDays)
	var activated, retained bool
	var orders int
	for _, a := range acts {
		switch {
		case a.At.Before(join) || !a.At.Before(retEnd):
			continue
		case a.At.Before(actEnd):
			activated = true
		default:
			retained = true
		}
		if a.Order {
			orders++
		}
	}
	reached := []string{"acquisition"}
	if activated {
		reached = append(reached, "activation")
	}
	if activated && retained {
		reached = append(reached, "retention")
	}
	if orders >= 1 {
		reached = append(reached, "revenue_first")
	}
	if orders >= 2 {
		reached = append(reached, "revenue_repeat")
	}
	for _, at := range referrals {
		if !at.Before(join) && at.Before(retEnd) {
			return append(reached, "referral")
		}
	}
	return reached
}

func bucket(m map[string]map[string]int64, key string) map[string]int64 {
	if m[key] == nil {
		m[key] = map[string]int64{}
	}
	return m[key]
}

// funnelStepsOf turns step counts into the ordered steps with conversions.
func funnelStepsOf(counts map[string]int64) []FunnelStep {
	out := make([]FunnelStep, 0, len(funnelSteps))
	for _, step := range funnelSteps {
		fs := FunnelStep{Step: step, Count: counts[step], From: funnelFrom[step]}
		if fs.From != "" && counts[fs.From] > 0 {
			fs.Rate = float64(fs.Count) / float64(counts[fs.From])
		} else if fs.From == "" && fs.Count > 0 {
			fs.Rate = 1
		}
		out = append(out, fs)
	}
	return out
}

func funnelRows(m map[string]map[string]int64) []FunnelRow {
	out := make([]FunnelRow, 0, len(m))
	for k, counts := range m {
		out = append(out, FunnelRow{Key: k, Steps: funnelStepsOf(counts)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
