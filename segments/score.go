package segments

import (
	"context"
	"errors"
	"math"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// The activity score decays every day for everyone with events; stored as
// it is, every member with an event in the window would change every day.
// So a member's row holds L = log2 Σ w·2^((e − epoch)/h), which depends
// only on the events in the window, and the score at a time t is
// 2^(L − (t − epoch)/h): only new events and events leaving the window
// change the row. The log keeps the number small however far t is from
// the epoch (L grows by one per half-life).
var scoreEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// scoreAnchorStep keeps the powers summed in SQL within a DOUBLE: event
// exponents are taken relative to an anchor, a multiple of this many
// half-lives that changes only every this many half-lives.
const scoreAnchorStep = 256

// scoreScale converts between the stored log2 and the score at one time.
type scoreScale struct {
	offset   float64 // (ref − epoch) in half-lives
	anchor   float64 // a multiple of scoreAnchorStep at or below offset
	halfLife float64 // days
}

func newScoreScale(ref time.Time, halfLifeDays float64) scoreScale {
	off := ref.Sub(scoreEpoch).Seconds() / 86400 / halfLifeDays
	return scoreScale{offset: off, anchor: math.Floor(off/scoreAnchorStep) * scoreAnchorStep, halfLife: halfLifeDays}
}

// scoreAgg is log2 of each member's activity at the epoch, L (see
// scoreEpoch), over the events in [from, ref) of the members of sc:
// behaviour events posted by HQ (their class's weight), paid orders and
// redemptions (core), Official Account messages (core: an interaction),
// check-ins and menu clicks (light). Rounded to 9 decimals so that the
// order the database sums in cannot change a stored value; NULL without
// events.
func scoreAgg(mysql bool, w ActivityWeights, sc scoreScale, from, ref time.Time, scope memberScope) (string, []any) {
	x := func(col string) string { // half-lives from the epoch, less the anchor
		if mysql {
			return "(TIMESTAMPDIFF(SECOND, ?, " + col + ") / 86400.0 / ? - ?)"
		}
		return "((julianday(" + col + ") - julianday(?)) / ? - ?)"
	}
	e := []any{scoreEpoch, sc.halfLife, sc.anchor}
	mid, midArgs := scope.cond("member_id")
	f, r := from.UTC(), ref.UTC()
	q := `SELECT member_id, CASE WHEN SUM(w * POWER(2, x)) > 0 THEN ROUND(? + LOG2(SUM(w * POWER(2, x))), 9) END AS l2 FROM (
			SELECT member_id, CASE class WHEN ? THEN ? WHEN ? THEN ? ELSE ? END AS w, ` + x("occurred_at") + ` AS x
				FROM behavior_events WHERE ` + mid + ` AND occurred_at >= ? AND occurred_at < ?
			UNION ALL SELECT member_id, ?, ` + x("paid_at") + ` FROM orders
				WHERE ` + mid + ` AND paid_at >= ? AND paid_at < ? AND status <> ?
			UNION ALL SELECT member_id, ?, ` + x("created_at") + ` FROM redemptions
				WHERE ` + mid + ` AND created_at >= ? AND created_at < ?
			UNION ALL SELECT member_id, ?, ` + x("created_at") + ` FROM check_ins
				WHERE ` + mid + ` AND created_at >= ? AND created_at < ?
			UNION ALL SELECT member_id, CASE kind WHEN ? THEN ? ELSE ? END, ` + x("created_at") + ` FROM member_events
				WHERE ` + mid + ` AND created_at >= ? AND created_at < ? AND kind IN (?, ?)
		) e GROUP BY member_id`
	var args []any
	for _, a := range [][]any{{sc.anchor},
		{model.WeightLight, w.Light, model.WeightMedium, w.Medium, w.Core}, e, midArgs, {f, r},
		{w.Core}, e, midArgs, {f, r, model.OrderRefunded},
		{w.Core}, e, midArgs, {f, r},
		{w.Light}, e, midArgs, {f, r},
		{model.EventClick, w.Light, w.Core}, e, midArgs, {f, r, model.EventClick, model.EventMessage}} {
		args = append(args, a...)
	}
	return q, args
}

// ScoreScale turns stored activity (model.Member.ActivityLog2) into the
// score as of the last segment run's business day, the day the score
// always described: the API shows the same numbers as when the score was
// stored decayed.
type ScoreScale struct {
	Offset float64 // half-lives from the epoch to the end of that day
}

// LoadScoreScale reads the scale of the last done segment run (zero before
// the first). Errors: the database's.
func LoadScoreScale(ctx context.Context, db *gorm.DB) (ScoreScale, error) {
	var run model.SegmentRun
	err := db.WithContext(ctx).Model(&model.SegmentRun{}).Select("score_offset").Where("state = ?", model.SegmentRunDone).
		Order("inputs_at DESC, id DESC").Take(&run).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ScoreScale{}, nil
	}
	return ScoreScale{Offset: run.ScoreOffset}, err
}

// Score is the activity score of a stored log2 value, rounded to 2
// decimals; 0 for none.
func (s ScoreScale) Score(log2 *float64) float64 {
	if log2 == nil {
		return 0
	}
	return math.Round(math.Pow(2, *log2-s.Offset)*100) / 100
}

// Fill sets ActivityScore of the members from their stored log2.
func (s ScoreScale) Fill(ms []model.MemberView) {
	for i := range ms {
		ms[i].ActivityScore = s.Score(ms[i].ActivityLog2)
	}
}

// scaleSQL is the last done run's offset in SQL (see LoadScoreScale), so
// that a filter reads it in its own statement.
const scaleSQL = `COALESCE((SELECT score_offset FROM segment_runs WHERE state = ? ORDER BY inputs_at DESC, id DESC LIMIT 1), 0)`

// activityAtLeast is the condition on the stored log2 column for "shown
// score ≥ x": the score rounded to cents is at least x when the score is
// at least the next cent at or above x, less half a cent. It returns ""
// when every member matches.
func activityAtLeast(col string, x float64) (string, []any) {
	c := math.Ceil(math.Round(x*1e6)/1e4) / 100 // x up to the next cent (ignoring float noise)
	if c-0.005 <= 0 {
		return "", nil
	}
	return col + " >= " + scaleSQL + " + ?", []any{model.SegmentRunDone, math.Log2(c - 0.005)}
}

// activityAtMost is the condition for "shown score ≤ x".
func activityAtMost(col string, x float64) (string, []any) {
	f := math.Floor(math.Round(x*1e6)/1e4) / 100
	if f < 0 {
		return "1 = 0", nil
	}
	return "(" + col + " IS NULL OR " + col + " < " + scaleSQL + " + ?)", []any{model.SegmentRunDone, math.Log2(f + 0.005)}
}
