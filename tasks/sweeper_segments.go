package tasks

import (
	"context"
	"strings"
	"time"

	"github.com/siyu/siyu/model"
)

// segmentJobTimeout is how long a recompute job may run (its
// asynq.Timeout): a run still "running" after that has lost its worker.
const segmentJobTimeout = 2 * time.Hour

// sweepSegmentRuns queues again the job of a segment run that waits on
// the queue: queued past the grace time (asked while Redis was down, or
// Redis lost the job), or running past the job's timeout with no job left.
// The run does nothing when it is done already, so this converges.
func (s *Sweeper) sweepSegmentRuns(ctx context.Context) (int, error) {
	now := s.now().UTC()
	var runs []model.SegmentRun
	err := s.db.WithContext(ctx).Select("id, run_key, state").
		Where("(state = ? AND updated_at < ?) OR (state = ? AND updated_at < ?)",
			model.SegmentRunQueued, now.Add(-s.grace), model.SegmentRunRunning, now.Add(-segmentJobTimeout)).
		Order("id").Limit(100).Find(&runs).Error
	if err != nil {
		return 0, err
	}
	n := 0
	for _, run := range runs {
		ids := []string{SegmentRunTaskID(run.ID)}
		if day, ok := strings.CutPrefix(run.Key, "day:"); ok {
			ids = append(ids, "segments:"+day) // the daily job that saved it
		}
		queued := false
		for _, id := range ids {
			_, ok, err := s.present(QueueLow, id)
			if err != nil {
				return n, err
			}
			queued = queued || ok
		}
		if queued {
			continue
		}
		if err := EnqueueSegmentRun(ctx, s.q, run.ID); err != nil {
			return n, err
		}
		n++
		s.requeued("segment_run", "run", run.ID, "state", run.State)
	}
	return n, nil
}
