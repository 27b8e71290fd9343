// Package effect measures whether an HQ task worked: the deterministic
// control group (holdout) of a task, and the statistics that compare the
// treated and the held-out members — a two-proportion z-interval for rates
// and Welch's t-interval for means such as revenue per member.
//
// Everything here is a pure function; the queries that feed it live in
// the HQ-task package.
package effect

import (
	"math"
)

// Z95 is the two-sided 95 % quantile of the standard normal distribution.
const Z95 = 1.959963984540054

// MinGroup is the smallest group (treated or control) we compare at all.
const MinGroup = 30

// MinEvents is the least number of members with and without the outcome
// that each group needs for the normal approximation of a rate difference
// to hold (the usual n·p ≥ 5 and n·(1−p) ≥ 5 rule).
const MinEvents = 5

// Interval is a difference treated − control with its 95 % confidence
// interval. TooSmall says the groups cannot tell (then Low and High are
// zero and Note says why); Significant says the interval excludes zero.
type Interval struct {
	Diff        float64 `json:"diff"`
	Low         float64 `json:"ci_low"`
	High        float64 `json:"ci_high"`
	SE          float64 `json:"se"`
	DF          float64 `json:"df,omitempty"` // Welch's degrees of freedom
	TooSmall    bool    `json:"too_small"`
	Significant bool    `json:"significant"`
	Note        string  `json:"note"`
}

// Notes the report shows, in the reader's words.
const (
	NoteTooSmall       = "样本太小，无法判断"
	NoteNoControl      = "没有对照组，无法判断"
	NoteSignificantUp  = "显著提升（95% 置信区间不含 0）"
	NoteSignificantDn  = "显著下降（95% 置信区间不含 0）"
	NoteNotSignificant = "差异不显著（95% 置信区间包含 0）"
)

// RateDiff compares the rates x1/n1 (treated) and x2/n2 (control) with the
// unpooled two-proportion z-interval:
//
//	d = p1 − p2,  se = √(p1(1−p1)/n1 + p2(1−p2)/n2),  d ± 1.96·se.
//
// Groups under MinGroup members, or with fewer than MinEvents members with
// or without the outcome in either group, are TooSmall: the normal
// approximation would lie.
func RateDiff(x1, n1, x2, n2 int64) Interval {
	if n1 <= 0 || n2 <= 0 {
		return Interval{TooSmall: true, Note: NoteNoControl}
	}
	p1, p2 := float64(x1)/float64(n1), float64(x2)/float64(n2)
	iv := Interval{Diff: p1 - p2}
	small := func(x, n int64) bool { return n < MinGroup || x < MinEvents || n-x < MinEvents }
	if small(x1, n1) || small(x2, n2) {
		iv.TooSmall, iv.Note = true, NoteTooSmall
		return iv
	}
	iv.SE = math.Sqrt(p1*(1-p1)/float64(n1) + p2*(1-p2)/float64(n2))
	return iv.around(Z95)
}

// Sample summarises one group's values of a per-member measure: the count,
// the sum and the sum of squares, which is all Welch needs and what SQL can
// aggregate in one pass.
type Sample struct {
	N     int64
	Sum   float64
	SumSq float64
}

// Add puts one value into s.
func (s *Sample) Add(v float64) { s.N++; s.Sum += v; s.SumSq += v * v }

// Mean is the sample mean (0 for an empty sample).
func (s Sample) Mean() float64 {
	if s.N == 0 {
		return 0
	}
	return s.Sum / float64(s.N)
}

// Var is the unbiased sample variance (0 under two values).
func (s Sample) Var() float64 {
	if s.N < 2 {
		return 0
	}
	n := float64(s.N)
	v := (s.SumSq - s.Sum*s.Sum/n) / (n - 1)
	return math.Max(v, 0) // rounding can dip below zero for constant data
}

// MeanDiff compares the means of a (treated) and b (control) with Welch's
// t-interval:
//
//	d = m1 − m2,  se = √(v1/n1 + v2/n2),
//	df = se⁴ / ((v1/n1)²/(n1−1) + (v2/n2)²/(n2−1)),  d ± t(0.975, df)·se.
//
// Groups under MinGroup members, or whose variances are both zero, are
// TooSmall.
func MeanDiff(a, b Sample) Interval {
	if a.N <= 0 || b.N <= 0 {
		return Interval{TooSmall: true, Note: NoteNoControl}
	}
	iv := Interval{Diff: a.Mean() - b.Mean()}
	if a.N < MinGroup || b.N < MinGroup {
		iv.TooSmall, iv.Note = true, NoteTooSmall
		return iv
	}
	qa, qb := a.Var()/float64(a.N), b.Var()/float64(b.N)
	if qa+qb == 0 {
		iv.TooSmall, iv.Note = true, NoteTooSmall
		return iv
	}
	iv.SE = math.Sqrt(qa + qb)
	iv.DF = (qa + qb) * (qa + qb) / (qa*qa/float64(a.N-1) + qb*qb/float64(b.N-1))
	return iv.around(TQuantile(0.975, iv.DF))
}

// around sets the interval Diff ± q·SE and its note.
func (iv Interval) around(q float64) Interval {
	iv.Low, iv.High = iv.Diff-q*iv.SE, iv.Diff+q*iv.SE
	switch {
	case iv.Low > 0:
		iv.Significant, iv.Note = true, NoteSignificantUp
	case iv.High < 0:
		iv.Significant, iv.Note = true, NoteSignificantDn
	default:
		iv.Note = NoteNotSignificant
	}
	return iv
}
