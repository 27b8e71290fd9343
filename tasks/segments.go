package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/wx"
)

// Segment task types.
const (
	// TypeRecomputeSegments recomputes every member's lifecycle, RFM cell
	// and activity score (daily, and on demand from HQ).
	TypeRecomputeSegments = "segments:recompute"
	// TypeSyncSegmentTags mirrors changed segment tags of a batch of members
	// to WeCom (mark_tag) and to Official Account user tags.
	TypeSyncSegmentTags = "segments:sync_tags"
)

// JobSegments is the daily segment recompute on the scheduler.
const JobSegments = "segments"

// segmentSyncDelay is how long after queueing a sync task starts: it is
// queued inside its batch's transaction and must see the commit.
var segmentSyncDelay = 5 * time.Second

// syncBatch is how many changed members one sync task carries.
const syncBatch = 200

// RecomputeSegmentsPayload names the run: a saved segment run (RunID), or
// the business day of the daily job (Key), whose run the job saves.
type RecomputeSegmentsPayload struct {
	Key   string `json:"key,omitempty"`
	RunID int64  `json:"run_id,omitempty"`
}

// NewRecomputeSegmentsTask returns the daily recompute task for key (a
// business day).
func NewRecomputeSegmentsTask(key string) *asynq.Task {
	b, _ := json.Marshal(RecomputeSegmentsPayload{Key: key})
	return asynq.NewTask(TypeRecomputeSegments, b)
}

// segmentJobOpts are the options of every recompute job.
func segmentJobOpts(taskID string) []asynq.Option {
	return []asynq.Option{asynq.TaskID(taskID), asynq.Retention(72 * time.Hour), asynq.Timeout(2 * time.Hour), asynq.MaxRetry(5)}
}

// EnqueueRecomputeSegments queues the daily recompute once per key (TaskID
// segments:<key>) on the low queue. Errors: Redis's.
func EnqueueRecomputeSegments(ctx context.Context, q TaskEnqueuer, key string) error {
	return q.Enqueue(ctx, NewRecomputeSegmentsTask(key), QueueLow, segmentJobOpts("segments:"+key)...)
}

// SegmentRunTaskID is the job of a saved segment run.
func SegmentRunTaskID(runID int64) string { return fmt.Sprintf("segments:run:%d", runID) }

// EnqueueSegmentRun queues the job of a saved run (TaskID
// SegmentRunTaskID) on the low queue. Errors: Redis's.
func EnqueueSegmentRun(ctx context.Context, q TaskEnqueuer, runID int64) error {
	b, _ := json.Marshal(RecomputeSegmentsPayload{RunID: runID})
	return q.Enqueue(ctx, asynq.NewTask(TypeRecomputeSegments, b), QueueLow, segmentJobOpts(SegmentRunTaskID(runID))...)
}

// RequestSegmentRun saves a queued run of kind asked by who, then tries to
// queue its job. The run is saved either way: while Redis is down the
// sweeper (sweepSegmentRuns) queues it once Redis is back, so the request
// succeeds with queued false. Errors: EINVALID for a bad kind, the
// database's.
func RequestSegmentRun(ctx context.Context, segs *segments.Service, q TaskEnqueuer, kind, who string) (run model.SegmentRun, queued bool, err error) {
	run, err = segs.RequestRun(ctx, kind, who)
	if err != nil {
		return run, false, err
	}
	if q == nil {
		return run, false, nil
	}
	return run, EnqueueSegmentRun(ctx, q, run.ID) == nil, nil
}

// weeklyFullDay is the weekday the daily run recomputes every member; on
// other days it computes only what changed.
const weeklyFullDay = time.Sunday

// dailyRunKind is the kind of the daily run of a business day.
func dailyRunKind(day string) string {
	if t, err := time.Parse(time.DateOnly, day); err == nil && t.Weekday() == weeklyFullDay {
		return model.SegmentRunFull
	}
	return model.SegmentRunIncremental
}

// SyncSegmentTagsPayload carries the members whose segment tags changed,
// with the tags added and removed.
type SyncSegmentTagsPayload struct {
	Changes []segments.SegmentChange `json:"changes"`
}

// NewSyncSegmentTagsTask returns a sync task for one batch of changes;
// runID and the batch's first member id make its TaskID.
func NewSyncSegmentTagsTask(runID string, changes []segments.SegmentChange) (*asynq.Task, error) {
	b, err := json.Marshal(SyncSegmentTagsPayload{Changes: changes})
	if err != nil {
		return nil, err
	}
	id := fmt.Sprintf("segsync:%s:%d", runID, changes[0].MemberID)
	return asynq.NewTask(TypeSyncSegmentTags, b, asynq.TaskID(id), asynq.MaxRetry(10),
		asynq.Timeout(5*time.Minute), asynq.Retention(time.Hour)), nil
}

// handleRecomputeSegments runs the recompute and queues one sync task per
// syncBatch changed members. Sync tasks are queued inside each batch's
// transaction (so a failed queue rolls the batch back and the retry finds
// it changed again) and start a few seconds later, after the commit.
func (h *handlers) handleRecomputeSegments(ctx context.Context, t *asynq.Task) error {
	var p RecomputeSegmentsPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return BadPayload(t, err)
	}
	if p.RunID == 0 { // the daily job: its run is saved once per day
		run, err := h.Segments.SaveRun(ctx, "day:"+p.Key, dailyRunKind(p.Key), "schedule")
		if err != nil {
			return err
		}
		p.RunID = run.ID
	}
	runID := fmt.Sprintf("%d:%d", p.RunID, h.Now().UnixNano())
	res, err := h.Segments.RunSegments(ctx, h.SegmentRules, p.RunID, func(ctx context.Context, changes []segments.SegmentChange) error {
		for start := 0; start < len(changes); start += syncBatch {
			task, err := NewSyncSegmentTagsTask(runID, changes[start:min(start+syncBatch, len(changes))])
			if err != nil {
				return err
			}
			if err := h.Queue.Enqueue(ctx, task, QueueLow, asynq.ProcessIn(segmentSyncDelay)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recompute segments: %w", err)
	}
	h.log.Info("segments recomputed", "run", p.RunID, "kind", res.Kind, "day", res.Day, "members", res.Members, "changed", res.Changed,
		"tags_changed", res.TagChanged, "took", res.Took)
	return nil
}

// syncSegmentTags handles TypeSyncSegmentTags: each member's tags are
// mirrored to their WeCom guides (only the difference is marked), and the
// Official Account user tags are added and removed per tag for the whole
// batch (50 openids per call). A platform that is not configured is
// skipped. Repeating the task is harmless.
func (h *handlers) syncSegmentTags(ctx context.Context, t *asynq.Task) error {
	var p SyncSegmentTagsPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return BadPayload(t, err)
	}
	var errs []error
	ids := make([]int64, len(p.Changes))
	for i, c := range p.Changes {
		ids[i] = c.MemberID
		if err := h.mirrorMember(ctx, c.MemberID, c.Remove); err != nil && !errors.Is(err, wx.ErrNotConfigured) {
			errs = append(errs, err)
		}
	}
	if err := h.syncOATags(ctx, ids, p.Changes); err != nil && !errors.Is(err, wx.ErrNotConfigured) {
		errs = append(errs, err)
	}
	return joinFailures(errs)
}

// syncOATags puts the added segment tags on the members' OA followers and
// takes the removed ones off, one batch call per tag.
func (h *handlers) syncOATags(ctx context.Context, ids []int64, changes []segments.SegmentChange) error {
	openIDs, err := h.Segments.OpenIDs(ctx, ids)
	if err != nil || len(openIDs) == 0 {
		return err
	}
	add, remove := map[string][]string{}, map[string][]string{}
	for _, c := range changes {
		oid, ok := openIDs[c.MemberID]
		if !ok {
			continue
		}
		for _, n := range c.Add {
			add[n] = append(add[n], oid)
		}
		for _, n := range c.Remove {
			remove[n] = append(remove[n], oid)
		}
	}
	var errs []error
	for _, op := range []struct {
		byTag map[string][]string
		call  func(context.Context, int64, []string) error
		name  string
	}{{remove, h.OA.UntagUsers, "untag"}, {add, h.OA.TagUsers, "tag"}} {
		names := make([]string, 0, len(op.byTag))
		for n := range op.byTag {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			id, err := h.OA.EnsureUserTag(ctx, n)
			if errors.Is(err, wx.ErrNotConfigured) {
				return err
			}
			if err == nil {
				err = op.call(ctx, id, op.byTag[n])
			}
			if err != nil {
				errs = append(errs, WxFailure("OA user "+op.name+" "+n, err))
			}
		}
	}
	return joinFailures(errs)
}
