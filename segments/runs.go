package segments

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tagging"
)

// incrementalBatch is how many changed members one incremental batch
// computes.
const incrementalBatch = 5000

// ErrRunBusy is returned while another segment run is running; the job
// retries later.
var ErrRunBusy = errors.New("segments: another run is running")

// busyFor is how long a running run blocks another: a run whose worker
// died is no longer waited for after this.
const busyFor = 2 * time.Hour

// RequestRun saves a queued run of kind (model.SegmentRunFull or
// SegmentRunIncremental) in tx, the transaction its caller commits it in;
// a key already saved returns that run. key is day:<day> for the daily
// schedule, hq:<…> for a request. Errors: EINVALID for a bad kind, the
// database's.
func RequestRun(tx *gorm.DB, key, kind, by string, now time.Time) (model.SegmentRun, error) {
	if kind != model.SegmentRunFull && kind != model.SegmentRunIncremental {
		return model.SegmentRun{}, model.Errorf(model.EINVALID, "kind %q: want full or incremental", kind)
	}
	run := model.SegmentRun{Key: key, Kind: kind, State: model.SegmentRunQueued, RequestedBy: by, CreatedAt: now.UTC(), UpdatedAt: now.UTC()}
	err := tx.Where("run_key = ?", key).Attrs(run).FirstOrCreate(&run).Error
	return run, err
}

// RequestRun saves a queued run of kind asked by who (an HQ operator),
// under a fresh key. Errors: EINVALID, the database's.
func (s *Service) RequestRun(ctx context.Context, kind, who string) (model.SegmentRun, error) {
	return RequestRun(s.db.WithContext(ctx), "hq:"+runID(s.now()), kind, who, s.now())
}

// SaveRun saves (or finds) the run of key. Errors: EINVALID, the database's.
func (s *Service) SaveRun(ctx context.Context, key, kind, who string) (model.SegmentRun, error) {
	return RequestRun(s.db.WithContext(ctx), key, kind, who, s.now())
}

// ListRuns returns the latest runs, newest first (limit 1..200, default
// 50). Errors: the database's.
func (s *Service) ListRuns(ctx context.Context, limit int) ([]model.SegmentRun, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	runs := []model.SegmentRun{}
	err := s.db.WithContext(ctx).Order("id DESC").Limit(limit).Find(&runs).Error
	return runs, err
}

// RecomputeSegments computes every member now (a full run, saved as one).
func (s *Service) RecomputeSegments(ctx context.Context, rules SegmentRules, onChange func(context.Context, []SegmentChange) error) (RecomputeResult, error) {
	return s.Recompute(ctx, rules, model.SegmentRunFull, onChange)
}

// Recompute saves a run of kind and runs it now (see RunSegments).
func (s *Service) Recompute(ctx context.Context, rules SegmentRules, kind string, onChange func(context.Context, []SegmentChange) error) (RecomputeResult, error) {
	run, err := RequestRun(s.db.WithContext(ctx), "direct:"+runID(s.now()), kind, "direct", s.now())
	if err != nil {
		return RecomputeResult{}, err
	}
	return s.RunSegments(ctx, rules, run.ID, onChange)
}

// RunSegments runs the saved run id, once: a run already done returns its
// figures and does nothing. A full run computes every member; an
// incremental one only the members whose inputs changed since the last
// done run or whose time-based state crosses a boundary since its day
// (dirtyMembers), and gives the same values a full run would. It runs in
// full when there is no done run yet or the rules changed. Values are
// written only where they changed; onChange (may be nil) gets each batch's
// members whose segment tags changed, for syncing them out. Errors:
// ErrRunBusy, the database's and onChange's (the run is then failed).
func (s *Service) RunSegments(ctx context.Context, rules SegmentRules, id int64, onChange func(context.Context, []SegmentChange) error) (RecomputeResult, error) {
	rules = rules.withDefaults()
	db := s.db.WithContext(ctx)
	var row model.SegmentRun
	if err := db.Take(&row, id).Error; err != nil {
		return RecomputeResult{}, store.NotFound(err, model.Errorf(model.ENOTFOUND, "segment run %d not found", id))
	}
	if row.State == model.SegmentRunDone {
		return RecomputeResult{Run: row.ID, Kind: row.Kind, Day: row.Day, Members: row.Members, Changed: row.Changed, TagChanged: row.TagChanged}, nil
	}
	var busy int64
	if err := db.Model(&model.SegmentRun{}).Where("state = ? AND id <> ? AND updated_at > ?", model.SegmentRunRunning, id,
		s.now().Add(-busyFor).UTC()).Count(&busy).Error; err != nil {
		return RecomputeResult{}, err
	}
	if busy > 0 {
		return RecomputeResult{}, ErrRunBusy
	}
	prev, err := s.lastDoneRun(ctx)
	if err != nil {
		return RecomputeResult{}, err
	}
	start := s.now()
	kind := row.Kind
	if prev == nil || prev.RulesHash != rules.rulesHash() || prev.InputsAt == nil ||
		newScoreScale(cutsOf(start, rules).ref, rules.HalfLifeDays).anchor != newScoreScale(prevCuts(*prev, rules).ref, rules.HalfLifeDays).anchor {
		kind = model.SegmentRunFull
	}
	if err := db.Model(&row).Updates(map[string]any{"state": model.SegmentRunRunning, "kind": kind, "started_at": start.UTC(),
		"inputs_at": start.UTC(), "error": "", "updated_at": start.UTC()}).Error; err != nil {
		return RecomputeResult{}, err
	}
	res, run, err := s.execute(ctx, rules, kind, prev, onChange)
	res.Run, res.Kind, res.Took = row.ID, kind, time.Since(start)
	upd := map[string]any{"state": model.SegmentRunDone, "day": run.day, "members": res.Members, "changed": res.Changed,
		"tag_changed": res.TagChanged, "threshold_fen": run.thresholdFen, "score_offset": run.scale.offset,
		"rules_hash": rules.rulesHash(), "finished_at": s.now().UTC(), "updated_at": s.now().UTC()}
	if err != nil {
		msg := err.Error()
		upd = map[string]any{"state": model.SegmentRunFailed, "error": msg[:min(len(msg), 500)], "updated_at": s.now().UTC()}
	}
	// The run's outcome is saved even when ctx ended (a worker shutting down).
	if uerr := s.db.WithContext(context.WithoutCancel(ctx)).Model(&row).Updates(upd).Error; uerr != nil {
		err = errors.Join(err, uerr)
	}
	return res, err
}

// lastDoneRun is the watermark: the done run that began reading last.
func (s *Service) lastDoneRun(ctx context.Context) (*model.SegmentRun, error) {
	var run model.SegmentRun
	err := s.db.WithContext(ctx).Where("state = ?", model.SegmentRunDone).Order("inputs_at DESC, id DESC").Take(&run).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	return &run, err
}

// prevCuts are the cut-offs of a done run's business day.
func prevCuts(prev model.SegmentRun, r SegmentRules) cuts {
	day, err := time.ParseInLocation(time.DateOnly, prev.Day, r.Location)
	if err != nil {
		day = *prev.InputsAt
	}
	return cutsOf(day, r)
}

// execute computes the members of a full or incremental run and records
// the day's distribution.
func (s *Service) execute(ctx context.Context, rules SegmentRules, kind string, prev *model.SegmentRun, onChange func(context.Context, []SegmentChange) error) (RecomputeResult, segmentRun, error) {
	run, err := s.newSegmentRun(ctx, rules, prev)
	res := RecomputeResult{RunID: run.id, Day: run.day}
	if err != nil {
		return res, run, err
	}
	db := s.db.WithContext(ctx)
	// Staging rows of runs that died more than a day ago are garbage.
	if err := db.Where("run_id < ?", runID(s.now().Add(-24*time.Hour))).Delete(&model.SegmentStaging{}).Error; err != nil {
		return res, run, err
	}
	if _, err := tagging.EnsureTags(db, segmentTagNames()); err != nil {
		return res, run, err
	}
	var scopes []memberScope
	if kind == model.SegmentRunFull {
		scopes, err = s.rangeScopes(ctx, int64(rules.BatchSize))
	} else {
		var ids []int64
		ids, err = s.dirtyMembers(ctx, run, prevCuts(*prev, rules), prev.ThresholdFen, prev.InputsAt.Add(-inputOverlap))
		for lo := 0; lo < len(ids); lo += incrementalBatch {
			scopes = append(scopes, memberScope{ids: ids[lo:min(lo+incrementalBatch, len(ids))]})
		}
	}
	if err != nil {
		return res, run, err
	}
	for _, sc := range scopes {
		n, err := s.segmentBatch(ctx, run, sc, &res, onChange)
		if err != nil {
			lo, _ := sc.bounds()
			return res, run, fmt.Errorf("segments: batch from member %d: %w", lo, err)
		}
		res.Members += n
	}
	return res, run, s.writeSnapshot(ctx, run.day, res.TagChanged > 0)
}

// rangeScopes cuts the member ids into ranges of step.
func (s *Service) rangeScopes(ctx context.Context, step int64) ([]memberScope, error) {
	var bounds struct{ Lo, Hi int64 }
	if err := s.db.WithContext(ctx).Raw("SELECT COALESCE(MIN(id), 0) AS lo, COALESCE(MAX(id), 0) AS hi FROM members").Scan(&bounds).Error; err != nil {
		return nil, err
	}
	var out []memberScope
	for lo := bounds.Lo; bounds.Hi > 0 && lo <= bounds.Hi; lo += step {
		out = append(out, memberScope{lo: lo, hi: lo + step})
	}
	return out, nil
}
