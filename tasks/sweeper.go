package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
)

// TypeSweep is the sweeper's periodic job: one per period across
// instances (TaskID sweep:<period start>).
const TypeSweep = "siyu:sweep"

// Requeue counts what the sweeper queued again (outbox.Metrics does).
type Requeue interface{ Requeue(job string) }

// HQNotifier is what the sweeper needs of the HQ task service
// (*hqtasks.Service): queueing a guide's task notification again.
type HQNotifier interface {
	// QueueNotify queues the guide's notification of the task, put off
	// deferrals times, to run in the given time (0: now). Errors: Redis's.
	QueueNotify(ctx context.Context, taskID int64, guide string, deferrals int, in time.Duration) error
}

// Sweeper finds rows that wait on a queued job whose job is gone (Redis
// lost its data: no persistence, a failover, a flush) and queues the job
// again with its own TaskID, so the state converges. It looks only at rows
// older than Grace, so jobs being queued right now are left alone.
type Sweeper struct {
	db      *gorm.DB
	q       TaskEnqueuer
	insp    *asynq.Inspector
	queues  Queues
	hq      HQNotifier
	grace   time.Duration
	every   time.Duration
	count   Requeue
	log     *slog.Logger
	now     func() time.Time
	onSweep func(requeued int) // tests: called after each sweep
}

// SweeperOptions configures NewSweeper.
type SweeperOptions struct {
	HQ      HQNotifier    // nil: HQ tasks are not swept
	Grace   time.Duration // 0 = 2 min
	Every   time.Duration // the period; 0 = 1 min
	Metrics Requeue       // nil: not counted
	Logger  *slog.Logger
	OnSweep func(requeued int)
}

// NewSweeper returns a sweeper that inspects the queues on conn.
func NewSweeper(db *gorm.DB, conn asynq.RedisConnOpt, q TaskEnqueuer, queues Queues, o SweeperOptions) *Sweeper {
	s := &Sweeper{db: db, q: q, insp: asynq.NewInspector(conn), queues: queues, hq: o.HQ, grace: o.Grace,
		every: o.Every, count: o.Metrics, log: o.Logger, now: time.Now, onSweep: o.OnSweep}
	if s.grace <= 0 {
		s.grace = 2 * time.Minute
	}
	if s.every <= 0 {
		s.every = time.Minute
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// Close closes the inspector.
func (s *Sweeper) Close() error { return s.insp.Close() }

// Run queues one sweep per period until ctx ends. Every instance runs it;
// the TaskID per period makes one sweep out of all of them.
func (s *Sweeper) Run(ctx context.Context) {
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		period := s.now().Truncate(s.every).Unix()
		err := s.q.Enqueue(ctx, asynq.NewTask(TypeSweep, nil), QueueLow, asynq.TaskID("sweep:"+strconv.FormatInt(period, 10)),
			asynq.Retention(2*s.every), asynq.MaxRetry(0), asynq.Timeout(5*time.Minute))
		if err != nil && ctx.Err() == nil {
			s.log.Warn("sweeper: not queued this period", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Handle is the TypeSweep handler.
func (s *Sweeper) Handle(ctx context.Context, _ *asynq.Task) error {
	n, err := s.Sweep(ctx)
	if s.onSweep != nil {
		s.onSweep(n)
	}
	return err
}

// Sweep looks once and returns how many jobs it queued again. Errors: the
// database's, Redis's.
func (s *Sweeper) Sweep(ctx context.Context) (int, error) {
	if err := s.cleanup(ctx); err != nil {
		return 0, fmt.Errorf("sweeper cleanup: %w", err)
	}
	n, err := s.sweepEvents(ctx)
	if err == nil {
		var h int
		h, err = s.sweepHandovers(ctx)
		n += h
	}
	if err == nil {
		var r int
		r, err = s.sweepSegmentRuns(ctx)
		n += r
	}
	n, err = s.sweepGroupsAfter(ctx, n, err)
	if err != nil || s.hq == nil {
		return n, err
	}
	m, err := s.sweepDispatching(ctx)
	if err != nil {
		return n + m, err
	}
	k, err := s.sweepNotifications(ctx)
	return n + m + k, err
}

// sweepEvents hands back to the relay the events it queued whose task is
// gone before a consumer handled them: the relay sends them again (same
// TaskID) and the consumer's dedupe keeps the effect single.
func (s *Sweeper) sweepEvents(ctx context.Context) (int, error) {
	var rows []model.OutboxEvent
	err := s.db.WithContext(ctx).Select("id, kind").
		Where("sent_at < ? AND handled_at IS NULL AND kind IN ?", s.now().Add(-s.grace).UTC(), consumedKinds).
		Order("id").Limit(1000).Find(&rows).Error
	if err != nil {
		return 0, err
	}
	n := 0
	for _, ev := range rows {
		if _, ok, err := s.present(QueueDefault, outbox.TaskIDPrefix+strconv.FormatInt(ev.ID, 10)); err != nil || ok {
			if err != nil {
				return n, err
			}
			continue
		}
		if err := s.db.WithContext(ctx).Model(&model.OutboxEvent{}).Where("id = ? AND handled_at IS NULL", ev.ID).
			Update("sent_at", nil).Error; err != nil {
			return n, err
		}
		n++
		s.requeued("event", "kind", ev.Kind, "event", ev.ID)
	}
	return n, nil
}

// present reports whether a task id is in the queue in any state.
func (s *Sweeper) present(priority, id string) (*asynq.TaskInfo, bool, error) {
	info, err := s.insp.GetTaskInfo(s.queues.Name(priority), id)
	if errors.Is(err, asynq.ErrTaskNotFound) || errors.Is(err, asynq.ErrQueueNotFound) {
		return nil, false, nil
	}
	return info, err == nil, err
}

func (s *Sweeper) requeued(job string, args ...any) {
	if s.count != nil {
		s.count.Requeue(job)
	}
	s.log.Warn("sweeper: job missing from the queue; queued again", append([]any{"job", job}, args...)...)
}

// sweepDispatching re-queues the dispatch of a task still dispatching when
// neither its job nor the jobs of all its pending stores are queued: the
// dispatch (same TaskID) records the stores again, queues the missing
// store jobs and finishes the task; everything it writes has unique keys.
func (s *Sweeper) sweepDispatching(ctx context.Context) (int, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&model.HQTask{}).Where("state = ? AND updated_at < ?", model.TaskDispatching, s.now().Add(-s.grace).UTC()).
		Order("id").Limit(500).Pluck("id", &ids).Error
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if _, ok, err := s.present(QueueDefault, fmt.Sprintf("hq:dispatch:%d", id)); err != nil || ok {
			if err != nil {
				return n, err
			}
			continue
		}
		var pending []string
		if err := s.db.WithContext(ctx).Model(&model.TaskStore{}).Where("task_id = ? AND done_at IS NULL", id).
			Pluck("store_code", &pending).Error; err != nil {
			return n, err
		}
		missing := len(pending) == 0 // no stores recorded yet, or all done but not finished
		for _, code := range pending {
			_, ok, err := s.present(QueueDefault, fmt.Sprintf("hq:dispatch_store:%d:%s", id, code))
			if err != nil {
				return n, err
			}
			missing = missing || !ok
		}
		if !missing {
			continue
		}
		if err := s.q.Enqueue(ctx, NewDispatchHQTask(id), QueueDefault, DispatchOpts(id)...); err != nil {
			return n, err
		}
		n++
		s.requeued("hq_dispatch", "task", id, "pending_stores", len(pending))
	}
	return n, nil
}

// sweepNotifications re-queues the notification of a guide not yet told
// about a live task when its job chain (the first job, then each put-off)
// ends in a job that finished without telling them or is gone.
func (s *Sweeper) sweepNotifications(ctx context.Context) (int, error) {
	var rows []model.GuideTask
	err := s.db.WithContext(ctx).Model(&model.GuideTask{}).
		Joins("JOIN hq_tasks ON hq_tasks.id = guide_tasks.task_id").
		Where("guide_tasks.notified_at IS NULL AND guide_tasks.created_at < ? AND hq_tasks.state IN ?",
			s.now().Add(-s.grace).UTC(), []string{model.TaskDispatching, model.TaskActive}).
		Order("guide_tasks.id").Limit(2000).Select("guide_tasks.task_id, guide_tasks.guide_user_id").Find(&rows).Error
	if err != nil {
		return 0, err
	}
	n := 0
	for _, gt := range rows {
		next, err := s.missingNotify(gt.TaskID, gt.GuideUserID)
		if err != nil {
			return n, err
		}
		if next < 0 {
			continue
		}
		if err := s.hq.QueueNotify(ctx, gt.TaskID, gt.GuideUserID, next, 0); err != nil {
			return n, err
		}
		n++
		s.requeued("hq_notify", "task", gt.TaskID, "guide", gt.GuideUserID, "deferrals", next)
	}
	return n, nil
}

// missingNotify walks the guide's notification jobs and returns the
// put-off number to queue, or -1 when one is still queued (or failed for
// good: archived jobs are for an operator to look at).
func (s *Sweeper) missingNotify(taskID int64, guide string) (int, error) {
	for d := 0; d < 50; d++ {
		_, opts := NewGuideTaskMessage(TypeNotifyGuideTask, GuideTaskPayload{TaskID: taskID, Guide: guide, Deferrals: d})
		id := taskIDOf(opts)
		info, ok, err := s.present(QueueDefault, id)
		if err != nil {
			return -1, err
		}
		if !ok {
			return d, nil
		}
		if info.State != asynq.TaskStateCompleted {
			return -1, nil
		}
	}
	return -1, nil
}

// taskIDOf returns the TaskID among opts.
func taskIDOf(opts []asynq.Option) string {
	for _, o := range opts {
		if o.Type() == asynq.TaskIDOpt {
			return o.Value().(string)
		}
	}
	return ""
}

// cleanup deletes what outlived its use: idempotency records and kept
// callback replies after 24 h, relayed outbox events after 7 days.
func (s *Sweeper) cleanup(ctx context.Context) error {
	now := s.now().UTC()
	db := s.db.WithContext(ctx)
	if err := db.Where("created_at < ?", now.Add(-IdempotencyTTL)).Delete(&model.IdempotencyRecord{}).Error; err != nil {
		return err
	}
	if err := db.Where("created_at < ?", now.Add(-IdempotencyTTL)).Delete(&model.CallbackReply{}).Error; err != nil {
		return err
	}
	_, err := outbox.Cleanup(ctx, s.db, now.Add(-7*24*time.Hour))
	return err
}

// IdempotencyTTL is how long an Idempotency-Key (and a callback reply kept
// in the database) is remembered.
const IdempotencyTTL = 24 * time.Hour
