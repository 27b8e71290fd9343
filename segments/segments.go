package segments

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// SegmentRules are the thresholds of the daily segment recompute. Zero
// values take the defaults of DefaultSegmentRules.
type SegmentRules struct {
	Location *time.Location // business time zone; nil = Asia/Shanghai

	RFMWindowDays  int   // orders counted for RFM: the last N business days (30)
	RecentDays     int   // R is high when the last order is at most N days old (15)
	FrequentOrders int   // F is high from this many orders in the window (8)
	MonetaryFen    int64 // M is high from this average order value; 0 = the window's average order value

	NewDays      int // 新客: joined within N days (7)
	ActiveDays   int // 活跃: last interaction within N days (30)
	SilentDays   int // 沉默: up to N days (60)
	SleepingDays int // 睡眠: up to N days (90); beyond: 流失

	ActivityWindowDays int     // events counted for the activity score (90)
	HalfLifeDays       float64 // an event's weight halves every N days (14)
	Weights            ActivityWeights

	BatchSize int // members per set-based batch, by id range (50000)
}

// DefaultSegmentRules are the brand's rules.
func DefaultSegmentRules() SegmentRules {
	return SegmentRules{RFMWindowDays: 30, RecentDays: 15, FrequentOrders: 8,
		NewDays: 7, ActiveDays: 30, SilentDays: 60, SleepingDays: 90,
		ActivityWindowDays: 90, HalfLifeDays: 14, Weights: ActivityWeights{Light: 1, Medium: 3, Core: 5}, BatchSize: 50000}
}

// withDefaults fills zero fields from DefaultSegmentRules.
func (r SegmentRules) withDefaults() SegmentRules {
	d := DefaultSegmentRules()
	if r.Location == nil {
		r.Location, _ = time.LoadLocation("Asia/Shanghai")
	}
	for _, p := range []struct{ v, def *int }{{&r.RFMWindowDays, &d.RFMWindowDays}, {&r.RecentDays, &d.RecentDays},
		{&r.FrequentOrders, &d.FrequentOrders}, {&r.NewDays, &d.NewDays}, {&r.ActiveDays, &d.ActiveDays},
		{&r.SilentDays, &d.SilentDays}, {&r.SleepingDays, &d.SleepingDays}, {&r.ActivityWindowDays, &d.ActivityWindowDays},
		{&r.BatchSize, &d.BatchSize}} {
		if *p.v == 0 {
			*p.v = *p.def
		}
	}
	if r.HalfLifeDays == 0 {
		r.HalfLifeDays = d.HalfLifeDays
	}
	if r.Weights == (ActivityWeights{}) {
		r.Weights = d.Weights
	}
	return r
}

// rulesHash names the rules a run used: an incremental run after a change
// of rules would mix values computed under both, so it runs in full.
func (r SegmentRules) rulesHash() string {
	loc := ""
	if r.Location != nil {
		loc = r.Location.String()
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s|%d|%d|%d|%d|%d|%d|%d|%d|%d|%g|%+v", loc, r.RFMWindowDays, r.RecentDays, r.FrequentOrders, r.MonetaryFen,
		r.NewDays, r.ActiveDays, r.SilentDays, r.SleepingDays, r.ActivityWindowDays, r.HalfLifeDays, r.Weights)
	return fmt.Sprintf("%016x", h.Sum64())
}

// SegmentChange is a member whose segment tags changed in a recompute.
type SegmentChange struct {
	MemberID int64    `json:"member_id"`
	Add      []string `json:"add"`    // segment tags just put on the member
	Remove   []string `json:"remove"` // segment tags just taken off
}

// RecomputeResult says what one recompute did.
type RecomputeResult struct {
	Run        int64         `json:"run"`    // the segment_runs row
	RunID      string        `json:"run_id"` // the staging rows' id
	Kind       string        `json:"kind"`   // what ran: full or incremental
	Day        string        `json:"day"`    // the business day the values are as of
	Members    int64         `json:"members"`
	Changed    int64         `json:"changed"`     // members whose lifecycle, RFM, score or window average changed
	TagChanged int64         `json:"tag_changed"` // members whose lifecycle or RFM (their tags) changed
	Took       time.Duration `json:"took_ns"`
}

// cuts are the cut-off times of one business day, all as of ref: the end
// of that day, so runs on the same day agree.
type cuts struct {
	ref, windowFrom, recentCut, activityFrom time.Time
	newCut, activeCut, silentCut, sleepCut   time.Time
}

// cutsOf returns the cut-offs of the business day of t.
func cutsOf(t time.Time, r SegmentRules) cuts {
	y, m, d := t.In(r.Location).Date()
	// back(n) is the start of the business day n days before: "at most n
	// days ago" counts whole business days.
	back := func(days int) time.Time { return time.Date(y, m, d-days, 0, 0, 0, 0, r.Location) }
	return cuts{ref: back(-1), windowFrom: back(r.RFMWindowDays), recentCut: back(r.RecentDays), activityFrom: back(r.ActivityWindowDays),
		newCut: back(r.NewDays), activeCut: back(r.ActiveDays), silentCut: back(r.SilentDays), sleepCut: back(r.SleepingDays)}
}

// segmentRun holds one run's cut-off times and the M threshold in force.
type segmentRun struct {
	id, day      string
	cuts         cuts
	thresholdFen float64
	scale        scoreScale
	rules        SegmentRules
	mysql        bool
}

// thresholdSlack is how far (relative) the window's average order value
// may drift from the M threshold in force before it becomes the new one:
// see docs/segments.md, "The average-based monetary threshold".
const thresholdSlack = 0.01

// newSegmentRun fixes the run's cut-off times and the M threshold in force:
// the fixed amount, or the window's average unless it stays within
// thresholdSlack of the previous run's threshold (prev may be nil).
func (s *Service) newSegmentRun(ctx context.Context, r SegmentRules, prev *model.SegmentRun) (segmentRun, error) {
	now := s.now().In(r.Location)
	c := cutsOf(now, r)
	run := segmentRun{id: runID(s.now()), day: now.Format(time.DateOnly), cuts: c, rules: r, mysql: model.IsMySQL(s.db),
		scale: newScoreScale(c.ref, r.HalfLifeDays)}
	run.thresholdFen = float64(r.MonetaryFen)
	if r.MonetaryFen == 0 {
		avg, err := averageOrderFen(ctx, s.db, c.windowFrom, c.ref)
		if err != nil {
			return run, err
		}
		run.thresholdFen = avg
		if prev != nil && prev.RulesHash == r.rulesHash() && prev.ThresholdFen > 0 &&
			math.Abs(avg-prev.ThresholdFen) <= thresholdSlack*prev.ThresholdFen {
			run.thresholdFen = prev.ThresholdFen
		}
	}
	return run, nil
}

// runID is sortable by start time, and unique enough for concurrent runs.
func runID(t time.Time) string { return fmt.Sprintf("%013d%06d", t.UnixMilli(), rand.N(1000000)) }

// segmentBatch computes the members of sc into the staging table in one
// INSERT … SELECT, then applies the changes; it returns the members seen.
func (s *Service) segmentBatch(ctx context.Context, run segmentRun, sc memberScope, res *RecomputeResult, onChange func(context.Context, []SegmentChange) error) (seen int64, err error) {
	db := s.db.WithContext(ctx)
	c := run.cuts
	oq, oargs := ordersAgg(c.windowFrom, c.ref, sc)
	tq, targs := touchAgg(c.sleepCut, sc)
	sq, sargs := scoreAgg(run.mysql, run.rules.Weights, run.scale, c.activityFrom, c.ref, sc)
	rq, rargs := relationAgg(sc)
	lc, lcargs := lifecycleCase(c.newCut, c.activeCut, c.silentCut, c.sleepCut)
	rfm, rfmargs := rfmCase(c.recentCut, run.rules.FrequentOrders, run.thresholdFen)
	mc, margs := sc.cond("m.id")
	q := `INSERT INTO segment_work (run_id, member_id, lifecycle, rfm_segment, activity_log2, rfm_avg_fen, old_lifecycle, old_rfm, changed, tag_changed)
		SELECT ?, x.id, x.lc, x.rfm, x.l2, x.avg, x.old_lc, x.old_rfm,
			CASE WHEN x.lc <> x.old_lc OR x.rfm <> x.old_rfm OR ` + distinct(run.mysql, "x.l2", "x.old_l2") + ` OR ` + distinct(run.mysql, "x.avg", "x.old_avg") + ` THEN ? ELSE ? END,
			CASE WHEN x.lc <> x.old_lc OR x.rfm <> x.old_rfm THEN ? ELSE ? END
		FROM (SELECT m.id, m.lifecycle AS old_lc, m.rfm_segment AS old_rfm, m.activity_log2 AS old_l2, m.rfm_avg_fen AS old_avg,
				` + lc + ` AS lc, ` + rfm + ` AS rfm, sc.l2 AS l2, o.amt * 1.0 / o.n AS avg
			FROM members m
			LEFT JOIN (` + oq + `) o ON o.member_id = m.id
			LEFT JOIN (` + tq + `) t ON t.member_id = m.id
			LEFT JOIN (` + sq + `) sc ON sc.member_id = m.id
			LEFT JOIN (` + rq + `) r ON r.member_id = m.id
			WHERE ` + mc + ` AND m.merged_into IS NULL) x`
	args := []any{run.id, true, false, true, false}
	for _, a := range [][]any{lcargs, rfmargs, oargs, targs, sargs, rargs, margs} {
		args = append(args, a...)
	}
	ins := db.Exec(q, args...)
	if ins.Error != nil {
		return 0, ins.Error
	}
	lo, hi := sc.bounds()
	defer func() { // the staged rows are scratch: a failure to clear them fails the batch
		if derr := db.Where("run_id = ? AND member_id >= ? AND member_id < ?", run.id, lo, hi).Delete(&model.SegmentStaging{}).Error; derr != nil && err == nil {
			err = derr
		}
	}()

	var changes []SegmentChange
	err = s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		if err := recordLifecycleChanges(tx, run, lo, hi, s.now()); err != nil { // win-back history; before the apply
			return err
		}
		changed, err := s.applyStaged(tx, run, lo, hi)
		if err != nil {
			return err
		}
		res.Changed += changed
		changes, err = s.replaceSegmentTags(tx, run, lo, hi)
		return err
	})
	if err != nil {
		return 0, err
	}
	res.TagChanged += int64(len(changes))
	if onChange != nil && len(changes) > 0 {
		if err := onChange(ctx, changes); err != nil {
			return 0, err
		}
	}
	return ins.RowsAffected, nil
}

// distinct is a NULL-safe "a differs from b".
func distinct(mysql bool, a, b string) string {
	if mysql {
		return "NOT (" + a + " <=> " + b + ")"
	}
	return "(" + a + " IS NOT " + b + ")"
}

// applyStaged writes the changed values of [lo, hi) onto members. MySQL
// and SQLite spell an UPDATE from another table differently.
func (s *Service) applyStaged(tx *gorm.DB, run segmentRun, lo, hi int64) (int64, error) {
	now := s.now().UTC()
	var q string
	if run.mysql {
		q = `UPDATE members m JOIN segment_work s ON s.member_id = m.id
			SET m.lifecycle = s.lifecycle, m.rfm_segment = s.rfm_segment, m.activity_log2 = s.activity_log2, m.rfm_avg_fen = s.rfm_avg_fen, m.segmented_at = ?
			WHERE s.run_id = ? AND s.changed = ? AND s.member_id >= ? AND s.member_id < ?`
	} else {
		q = `UPDATE members SET lifecycle = s.lifecycle, rfm_segment = s.rfm_segment, activity_log2 = s.activity_log2, rfm_avg_fen = s.rfm_avg_fen, segmented_at = ?
			FROM segment_work s
			WHERE s.member_id = members.id AND s.run_id = ? AND s.changed = ? AND s.member_id >= ? AND s.member_id < ?`
	}
	r := tx.Exec(q, now, run.id, true, lo, hi)
	return r.RowsAffected, r.Error
}

// writeSnapshot records today's lifecycle and RFM distribution (replacing
// an earlier run's of the same day). When no tag changed and the day has
// one, it is still right and is kept (a run that changed nothing stays
// cheap).
func (s *Service) writeSnapshot(ctx context.Context, day string, changed bool) error {
	if !changed {
		var n int64
		if err := s.db.WithContext(ctx).Model(&model.SegmentSnapshot{}).Where("day = ?", day).Count(&n).Error; err != nil || n > 0 {
			return err
		}
	}
	return s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		if err := tx.Where("day = ?", day).Delete(&model.SegmentSnapshot{}).Error; err != nil {
			return err
		}
		now := s.now().UTC()
		for kind, col := range map[string]string{model.SnapshotLifecycle: "lifecycle", model.SnapshotRFM: "rfm_segment"} {
			var rows []struct {
				Value string
				N     int64
			}
			if err := tx.Raw("SELECT " + col + " AS value, COUNT(*) AS n FROM members WHERE merged_into IS NULL GROUP BY " + col).Scan(&rows).Error; err != nil {
				return err
			}
			for _, r := range rows {
				if r.Value == "" {
					continue
				}
				if err := tx.Create(&model.SegmentSnapshot{Day: day, Kind: kind, Value: r.Value, Count: r.N, CreatedAt: now}).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
}
