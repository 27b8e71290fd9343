package segments

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tagging"
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

// SegmentChange is a member whose segment tags changed in a recompute.
type SegmentChange struct {
	MemberID int64    `json:"member_id"`
	Add      []string `json:"add"`    // segment tags just put on the member
	Remove   []string `json:"remove"` // segment tags just taken off
}

// RecomputeResult says what one recompute did.
type RecomputeResult struct {
	RunID      string        `json:"run_id"`
	Day        string        `json:"day"`         // the business day the values are as of
	Members    int64         `json:"members"`     // members computed (merged-away ones are skipped)
	Changed    int64         `json:"changed"`     // members whose lifecycle, RFM or score changed
	TagChanged int64         `json:"tag_changed"` // members whose lifecycle or RFM (their tags) changed
	Took       time.Duration `json:"took_ns"`
}

// segmentRun holds one run's cut-off times, all as of ref: the end of the
// business day the run belongs to, so runs on the same day agree.
type segmentRun struct {
	id, day                                  string
	ref, windowFrom, recentCut, activityFrom time.Time
	newCut, activeCut, silentCut, sleepCut   time.Time
	thresholdFen                             float64
	rules                                    SegmentRules
	mysql                                    bool
}

// RecomputeSegments computes every member's lifecycle, RFM cell and
// activity score with set-based SQL, batch by batch of member ids, writes
// only the values that changed, replaces the segment tags of members whose
// lifecycle or RFM changed, records the day's distribution snapshot and
// calls onChange (may be nil) once per batch with the members whose tags
// changed, for syncing them out. A second run on the same day over the
// same data changes nothing and reports no change. Errors: the database's
// and onChange's.
func (s *Service) RecomputeSegments(ctx context.Context, rules SegmentRules, onChange func(context.Context, []SegmentChange) error) (RecomputeResult, error) {
	start := time.Now()
	run, err := s.newSegmentRun(ctx, rules.withDefaults())
	if err != nil {
		return RecomputeResult{}, err
	}
	res := RecomputeResult{RunID: run.id, Day: run.day}
	db := s.db.WithContext(ctx)
	// Staging rows of runs that died more than a day ago are garbage.
	if err := db.Where("run_id < ?", runID(s.now().Add(-24*time.Hour))).Delete(&model.SegmentStaging{}).Error; err != nil {
		return res, err
	}
	if _, err := tagging.EnsureTags(db, segmentTagNames()); err != nil {
		return res, err
	}
	var bounds struct{ Lo, Hi int64 }
	if err := db.Raw("SELECT COALESCE(MIN(id), 0) AS lo, COALESCE(MAX(id), 0) AS hi FROM members").Scan(&bounds).Error; err != nil {
		return res, err
	}
	step := int64(run.rules.BatchSize)
	for lo := bounds.Lo; bounds.Hi > 0 && lo <= bounds.Hi; lo += step {
		n, err := s.segmentBatch(ctx, run, lo, lo+step, &res, onChange)
		if err != nil {
			return res, fmt.Errorf("segments: batch from member %d: %w", lo, err)
		}
		res.Members += n
	}
	if err := s.writeSnapshot(ctx, run.day); err != nil {
		return res, err
	}
	res.Took = time.Since(start)
	return res, nil
}

// newSegmentRun fixes the run's cut-off times and the M threshold.
func (s *Service) newSegmentRun(ctx context.Context, r SegmentRules) (segmentRun, error) {
	now := s.now().In(r.Location)
	y, m, d := now.Date()
	ref := time.Date(y, m, d+1, 0, 0, 0, 0, r.Location) // end of today
	// back(n) is the start of the business day n days before today: "at most
	// n days ago" counts whole business days.
	back := func(days int) time.Time { return time.Date(y, m, d-days, 0, 0, 0, 0, r.Location) }
	run := segmentRun{id: runID(s.now()), day: now.Format(time.DateOnly), ref: ref, rules: r, mysql: model.IsMySQL(s.db),
		windowFrom: back(r.RFMWindowDays), recentCut: back(r.RecentDays), activityFrom: back(r.ActivityWindowDays),
		newCut: back(r.NewDays), activeCut: back(r.ActiveDays), silentCut: back(r.SilentDays), sleepCut: back(r.SleepingDays)}
	run.thresholdFen = float64(r.MonetaryFen)
	if r.MonetaryFen == 0 {
		avg, err := averageOrderFen(ctx, s.db, run.windowFrom, ref)
		if err != nil {
			return run, err
		}
		run.thresholdFen = avg
	}
	return run, nil
}

// runID is sortable by start time, and unique enough for concurrent runs.
func runID(t time.Time) string { return fmt.Sprintf("%013d%06d", t.UnixMilli(), rand.N(1000000)) }

// segmentBatch computes members [lo, hi) into the staging table in one
// INSERT … SELECT, then applies the changes; it returns the members seen.
func (s *Service) segmentBatch(ctx context.Context, run segmentRun, lo, hi int64, res *RecomputeResult, onChange func(context.Context, []SegmentChange) error) (seen int64, err error) {
	db := s.db.WithContext(ctx)
	oq, oargs := ordersAgg(run.windowFrom, run.ref, lo, hi)
	tq, targs := touchAgg(run.sleepCut, lo, hi)
	sq, sargs := scoreAgg(run.mysql, run.rules.Weights, run.rules.HalfLifeDays, run.activityFrom, run.ref, lo, hi)
	rq, rargs := relationAgg(lo, hi)
	lc, lcargs := lifecycleCase(run.newCut, run.activeCut, run.silentCut, run.sleepCut)
	rfm, rfmargs := rfmCase(run.recentCut, run.rules.FrequentOrders, run.thresholdFen)
	q := `INSERT INTO segment_staging (run_id, member_id, lifecycle, rfm_segment, score, old_lifecycle, old_rfm, old_score, changed, tag_changed)
		SELECT ?, x.id, x.lc, x.rfm, x.score, x.old_lc, x.old_rfm, x.old_score,
			CASE WHEN x.lc <> x.old_lc OR x.rfm <> x.old_rfm OR x.score <> x.old_score THEN ? ELSE ? END,
			CASE WHEN x.lc <> x.old_lc OR x.rfm <> x.old_rfm THEN ? ELSE ? END
		FROM (SELECT m.id, m.lifecycle AS old_lc, m.rfm_segment AS old_rfm, m.activity_score AS old_score,
				` + lc + ` AS lc, ` + rfm + ` AS rfm, ROUND(COALESCE(sc.score, 0), 2) AS score
			FROM members m
			LEFT JOIN (` + oq + `) o ON o.member_id = m.id
			LEFT JOIN (` + tq + `) t ON t.member_id = m.id
			LEFT JOIN (` + sq + `) sc ON sc.member_id = m.id
			LEFT JOIN (` + rq + `) r ON r.member_id = m.id
			WHERE m.id >= ? AND m.id < ? AND m.merged_into IS NULL) x`
	args := []any{run.id, true, false, true, false}
	args = append(args, lcargs...)
	args = append(args, rfmargs...)
	args = append(args, oargs...)
	args = append(args, targs...)
	args = append(args, sargs...)
	args = append(args, rargs...)
	args = append(args, lo, hi)
	ins := db.Exec(q, args...)
	if ins.Error != nil {
		return 0, ins.Error
	}
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

// applyStaged writes the changed values of [lo, hi) onto members. MySQL
// and SQLite spell an UPDATE from another table differently.
func (s *Service) applyStaged(tx *gorm.DB, run segmentRun, lo, hi int64) (int64, error) {
	now := s.now().UTC()
	var q string
	if run.mysql {
		q = `UPDATE members m JOIN segment_staging s ON s.member_id = m.id
			SET m.lifecycle = s.lifecycle, m.rfm_segment = s.rfm_segment, m.activity_score = s.score, m.segmented_at = ?
			WHERE s.run_id = ? AND s.changed = ? AND s.member_id >= ? AND s.member_id < ?`
	} else {
		q = `UPDATE members SET lifecycle = s.lifecycle, rfm_segment = s.rfm_segment, activity_score = s.score, segmented_at = ?
			FROM segment_staging s
			WHERE s.member_id = members.id AND s.run_id = ? AND s.changed = ? AND s.member_id >= ? AND s.member_id < ?`
	}
	r := tx.Exec(q, now, run.id, true, lo, hi)
	return r.RowsAffected, r.Error
}

// writeSnapshot records today's lifecycle and RFM distribution (replacing
// an earlier run's of the same day).
func (s *Service) writeSnapshot(ctx context.Context, day string) error {
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
