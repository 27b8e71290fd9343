package tasks_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/tasks/taskstest"
)

// TestSegmentRunAskedDuringOutage: with Redis stopped, a recompute asked
// by HQ is saved (queued, not enqueued) instead of refused; Redis comes
// back empty (flushed), the sweeper finds the run whose job is missing and
// queues it, and the run runs exactly once.
func TestSegmentRunAskedDuringOutage(t *testing.T) {
	ctx := context.Background()
	rs := taskstest.StartRedisServer(t)
	rdb, err := tasks.OpenRedis(rs.URL())
	if err != nil {
		t.Fatal(err)
	}
	taskstest.CloseAtEnd(t, "redis", rdb)
	db := modeltest.NewDB(t)
	for range 5 {
		now := time.Now().UTC()
		if err := db.Create(&model.Member{Subscribed: true, LastActiveAt: &now, CreatedAt: now.Add(-50 * 24 * time.Hour)}).Error; err != nil {
			t.Fatal(err)
		}
	}
	queues := taskstest.Queues("siyu")
	enq := tasks.NewEnqueuer(rdb.ConnOpt, queues)
	taskstest.CloseAtEnd(t, "enqueuer", enq)
	segs := segments.New(store.New(db), nil)

	rs.Stop()
	run, queued, err := tasks.RequestSegmentRun(ctx, segs, enq, model.SegmentRunFull, "ops")
	if err != nil || queued || run.ID == 0 || run.State != model.SegmentRunQueued {
		t.Fatalf("asked during the outage: run %+v, queued %v, %v; want a saved queued run, not queued", run, queued, err)
	}
	rs.Start()
	rs.Flush()

	// The worker counts the recompute jobs that do work on the run.
	var ran atomic.Int64
	deps := tasks.Deps{Segments: segs, Queue: enq, Redis: rdb.Client, Prefix: "siyu", Logger: testLogger(), DB: db}
	mux := tasks.NewMux(deps)
	sw := tasks.NewSweeper(db, rdb.ConnOpt, enq, queues, tasks.SweeperOptions{Grace: 300 * time.Millisecond,
		Every: 200 * time.Millisecond, Logger: testLogger()})
	taskstest.CloseAtEnd(t, "sweeper", sw)
	mux.HandleFunc(tasks.TypeSweep, sw.Handle)
	outer := asynq.NewServeMux()
	outer.Handle(tasks.TypeRecomputeSegments, asynq.HandlerFunc(func(ctx context.Context, task *asynq.Task) error {
		var before model.SegmentRun
		if err := db.Take(&before, run.ID).Error; err == nil && before.State != model.SegmentRunDone {
			ran.Add(1)
		}
		return mux.ProcessTask(ctx, task)
	}))
	outer.Handle(tasks.TypeSweep, mux)
	w := tasks.NewWorker(rdb.ConnOpt, outer, tasks.WorkerOptions{Queues: queues, Concurrency: 4, Logger: testLogger(),
		RetryUnit: 20 * time.Millisecond, PollInterval: 10 * time.Millisecond, DelayedInterval: 20 * time.Millisecond})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	swCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); sw.Run(swCtx) }()
	t.Cleanup(func() { cancel(); wg.Wait(); w.Shutdown() })

	got := waitRunSettled(t, db, run.ID, 30*time.Second)
	if got.State != model.SegmentRunDone || got.Members != 5 || got.RequestedBy != "ops" || got.Kind != model.SegmentRunFull {
		t.Fatalf("run after Redis returned: %+v; want done over 5 members, asked by ops, full", got)
	}
	// A few more sweeps: nothing runs it again.
	time.Sleep(time.Second)
	var again model.SegmentRun
	if err := db.Take(&again, run.ID).Error; err != nil {
		t.Fatal(err)
	}
	var rows int64
	db.Model(&model.SegmentRun{}).Count(&rows)
	if n := ran.Load(); n != 1 || !again.StartedAt.Equal(*got.StartedAt) || rows != 1 {
		t.Errorf("the run did its work %d times (started %v, then %v), %d run rows; want once, one row", n, got.StartedAt, again.StartedAt, rows)
	}
}

// waitRunSettled waits until the run is done (or the timeout passes) and
// returns it.
func waitRunSettled(t *testing.T, db *gorm.DB, id int64, timeout time.Duration) model.SegmentRun {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var got model.SegmentRun
		if err := db.Take(&got, id).Error; err != nil {
			t.Fatal(err)
		}
		if got.State == model.SegmentRunDone || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}
