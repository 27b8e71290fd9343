package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/hibiken/asynq"

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

// RecomputeSegmentsPayload names the run: the business day for the daily
// job, or an HQ request id.
type RecomputeSegmentsPayload struct {
	Key string `json:"key"`
}

// NewRecomputeSegmentsTask returns the recompute task for key (a business
// day or a request id).
func NewRecomputeSegmentsTask(key string) *asynq.Task {
	b, _ := json.Marshal(RecomputeSegmentsPayload{Key: key})
	return asynq.NewTask(TypeRecomputeSegments, b)
}

// EnqueueRecomputeSegments queues a recompute once per key (TaskID
// segments:<key>) on the low queue. Errors: Redis's.
func EnqueueRecomputeSegments(ctx context.Context, q TaskEnqueuer, key string) error {
	return q.Enqueue(ctx, NewRecomputeSegmentsTask(key), QueueLow, asynq.TaskID("segments:"+key),
		asynq.Retention(72*time.Hour), asynq.Timeout(2*time.Hour), asynq.MaxRetry(5))
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
	runID := p.Key + ":" + fmt.Sprint(h.Now().UnixNano())
	res, err := h.Segments.RecomputeSegments(ctx, h.SegmentRules, func(ctx context.Context, changes []segments.SegmentChange) error {
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
	h.log.Info("segments recomputed", "key", p.Key, "day", res.Day, "members", res.Members, "changed", res.Changed,
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
