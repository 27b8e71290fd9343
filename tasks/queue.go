package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
)

// Queue priorities. Welcome messages go on critical: WeCom accepts them only
// within 20 s of the add event.
const (
	QueueCritical = "critical"
	QueueDefault  = "default"
	QueueLow      = "low"
)

// Queues names Siyu's queues under a prefix, so several deployments (or
// test runs) can share one Redis, and weighs them for the worker.
type Queues struct {
	Prefix string
	// Critical, Default and Low weigh the queues; 0 takes the default
	// (6, 3, 1).
	Critical, Default, Low int
}

// Name returns the full queue name for a priority.
func (q Queues) Name(priority string) string {
	if q.Prefix == "" {
		return priority
	}
	return q.Prefix + ":" + priority
}

// Weights returns the worker's queue weights: by default critical 6,
// default 3, low 1 (welcome messages first: WeCom takes them only within
// 20 s).
func (q Queues) Weights() map[string]int {
	or := func(v, d int) int {
		if v > 0 {
			return v
		}
		return d
	}
	return map[string]int{q.Name(QueueCritical): or(q.Critical, 6), q.Name(QueueDefault): or(q.Default, 3), q.Name(QueueLow): or(q.Low, 1)}
}

// Enqueuer puts tasks on the queue. A TaskID already used is not an error:
// the task is already queued (or done), which is what an idempotent enqueue
// wants.
type Enqueuer struct {
	client *asynq.Client
	queues Queues
}

// NewEnqueuer returns an Enqueuer on conn.
func NewEnqueuer(conn asynq.RedisConnOpt, queues Queues) *Enqueuer {
	return &Enqueuer{client: asynq.NewClient(conn), queues: queues}
}

// Enqueue puts t on the queue of the given priority. Errors: Redis's; a
// duplicate TaskID returns nil.
func (e *Enqueuer) Enqueue(ctx context.Context, t *asynq.Task, priority string, opts ...asynq.Option) error {
	opts = append([]asynq.Option{asynq.Queue(e.queues.Name(priority))}, opts...)
	_, err := e.client.EnqueueContext(ctx, t, opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) || errors.Is(err, asynq.ErrDuplicateTask) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", t.Type(), err)
	}
	return nil
}

// Close closes the client.
func (e *Enqueuer) Close() error { return e.client.Close() }

// Worker runs task handlers and the periodic scheduler.
type Worker struct {
	server    *asynq.Server
	scheduler *asynq.Scheduler
	mux       *asynq.ServeMux
	log       *slog.Logger
}

// WorkerOptions configures NewWorker.
type WorkerOptions struct {
	Queues      Queues
	Concurrency int
	Location    *time.Location
	Logger      *slog.Logger
	// RetryUnit scales RetryDelay (0 = 1 s); tests shrink it.
	RetryUnit time.Duration
	// PollInterval is how often idle workers look for new tasks (0 =
	// 200 ms) and DelayedInterval how often due retries and scheduled tasks
	// are moved to their queues (0 = 1 s): welcome messages have 20 s.
	PollInterval, DelayedInterval time.Duration
}

// NewWorker builds a worker on conn with Siyu's handlers registered on mux.
func NewWorker(conn asynq.RedisConnOpt, mux *asynq.ServeMux, opts WorkerOptions) *Worker {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = 200 * time.Millisecond
	}
	if opts.DelayedInterval <= 0 {
		opts.DelayedInterval = time.Second
	}
	srv := asynq.NewServer(conn, asynq.Config{
		Concurrency:              opts.Concurrency,
		Queues:                   opts.Queues.Weights(),
		RetryDelayFunc:           RetryDelay(opts.RetryUnit),
		TaskCheckInterval:        opts.PollInterval,
		DelayedTaskCheckInterval: opts.DelayedInterval,
		ShutdownTimeout:          20 * time.Second,
		Logger:                   asynqLogger{log},
		LogLevel:                 asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			retried, _ := asynq.GetRetryCount(ctx)
			max, _ := asynq.GetMaxRetry(ctx)
			log.Warn("task failed", "type", t.Type(), "retry", retried, "max_retry", max, "err", err)
		}),
	})
	sch := asynq.NewScheduler(conn, &asynq.SchedulerOpts{Location: opts.Location, Logger: asynqLogger{log}, LogLevel: asynq.WarnLevel})
	return &Worker{server: srv, scheduler: sch, mux: mux, log: log}
}

// Scheduler returns the scheduler so features can register periodic tasks
// before Start.
func (w *Worker) Scheduler() *asynq.Scheduler { return w.scheduler }

// Start starts processing and scheduling. Errors: Redis unreachable.
func (w *Worker) Start() error {
	if err := w.server.Start(w.mux); err != nil {
		return fmt.Errorf("start queue worker: %w", err)
	}
	if err := w.scheduler.Start(); err != nil {
		w.server.Shutdown()
		return fmt.Errorf("start scheduler: %w", err)
	}
	return nil
}

// Shutdown stops scheduling, then lets in-flight tasks finish (or re-queues
// them after the shutdown timeout).
func (w *Worker) Shutdown() {
	w.scheduler.Shutdown()
	w.server.Shutdown()
}

// asynqLogger adapts slog to asynq's logger.
type asynqLogger struct{ l *slog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) { a.l.Error(fmt.Sprint(args...)) }
func (a asynqLogger) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...)) }
