package taskstest

import (
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/tasks"
)

// Queues returns the queue names of a test prefix.
func Queues(prefix string) tasks.Queues { return tasks.Queues{Prefix: prefix} }

// StartWorker runs a worker with deps' handlers on the test's queues,
// polling fast and retrying after milliseconds instead of seconds, and stops
// it when the test ends.
func StartWorker(t testing.TB, r *tasks.Redis, prefix string, deps tasks.Deps) {
	t.Helper()
	StartMux(t, r, prefix, tasks.NewMux(deps), deps.Logger)
}

// StartMux is StartWorker for a mux the test built itself (tasks.NewMux
// plus, say, hqtasks.Register); log nil discards the worker's logs.
func StartMux(t testing.TB, r *tasks.Redis, prefix string, mux *asynq.ServeMux, log *slog.Logger) {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := tasks.NewWorker(r.ConnOpt, mux, tasks.WorkerOptions{
		Queues: Queues(prefix), Concurrency: 8, Logger: log,
		RetryUnit: 20 * time.Millisecond, PollInterval: 10 * time.Millisecond, DelayedInterval: 20 * time.Millisecond,
	})
	if err := w.Start(); err != nil {
		t.Fatalf("start worker: %v", err)
	}
	t.Cleanup(w.Shutdown)
}

// Counts is how many tasks a test's queues hold, by state, summed.
type Counts struct {
	Pending, Active, Scheduled, Retry, Archived, Completed int
}

// QueueCounts sums the state counts of the test's three queues.
func QueueCounts(t testing.TB, r *tasks.Redis, prefix string) Counts {
	t.Helper()
	insp := asynq.NewInspectorFromRedisClient(r.Client)
	var c Counts
	q := Queues(prefix)
	known, err := insp.Queues()
	if err != nil {
		t.Fatalf("inspect queues: %v", err)
	}
	for _, p := range []string{tasks.QueueCritical, tasks.QueueDefault, tasks.QueueLow} {
		if !slices.Contains(known, q.Name(p)) {
			continue // nothing was ever enqueued there
		}
		info, err := insp.GetQueueInfo(q.Name(p))
		if err != nil {
			t.Fatalf("inspect queue: %v", err)
		}
		c.Pending += info.Pending
		c.Active += info.Active
		c.Scheduled += info.Scheduled
		c.Retry += info.Retry
		c.Archived += info.Archived
		c.Completed += info.Completed
	}
	return c
}

// WaitIdle waits until no task is pending, running or due for a retry
// (scheduled ones are not waited for), and fails the test after timeout.
func WaitIdle(t testing.TB, r *tasks.Redis, prefix string, timeout time.Duration) Counts {
	t.Helper()
	return waitFor(t, r, prefix, timeout, func(c Counts) bool { return c.Pending+c.Active+c.Retry == 0 })
}

// WaitDrained waits until no task is pending, running, due for a retry or
// scheduled for later, and fails the test after timeout. A check that
// nothing more happens waits for this: a task queued to run later has not
// happened yet when the queues are merely idle.
func WaitDrained(t testing.TB, r *tasks.Redis, prefix string, timeout time.Duration) Counts {
	t.Helper()
	return waitFor(t, r, prefix, timeout, func(c Counts) bool { return c.Pending+c.Active+c.Retry+c.Scheduled == 0 })
}

func waitFor(t testing.TB, r *tasks.Redis, prefix string, timeout time.Duration, done func(Counts) bool) Counts {
	t.Helper()
	deadline := time.Now().Add(timeout)
	idle := 0
	for {
		c := QueueCounts(t, r, prefix)
		if done(c) {
			idle++
			if idle == 3 { // stay idle a moment: a finishing task may enqueue another
				return c
			}
		} else {
			idle = 0
		}
		if time.Now().After(deadline) {
			t.Fatalf("queues not idle after %s: %+v", timeout, c)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
