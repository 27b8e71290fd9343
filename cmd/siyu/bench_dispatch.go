package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
)

// benchDispatch fans one HQ task out to guides × customers items through
// the real queue and worker (hq:dispatch → hq:dispatch_store per store →
// batched items, guide tasks, notifications), timed until the task is
// active, next to a bare batched insert of the same item rows into a copy
// of the items table. It then checks the count, that no member is there
// twice, and that a second dispatch adds nothing.
func benchDispatch(ctx context.Context, b *benchEnv, args []string) error {
	fs := newFlags("bench dispatch", "bench dispatch [--guides N] [--customers M] [--per-store S]",
		"Items/s of an HQ task's dispatch next to a bare batched insert of the same rows.", b.stderr)
	guides := fs.Int("guides", 2000, "guides")
	customers := fs.Int("customers", 250, "customers per guide")
	perStore := fs.Int("per-store", 10, "guides per store")
	// Notifications fail without WeCom credentials; keep their warnings quiet.
	b.log = slog.New(slog.NewTextHandler(b.stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	a, cleanup, err := b.parsedApp(ctx, fs, args, func() bool {
		return *guides < 1 || *customers < 1 || *perStore < 1
	}, "bench dispatch: --guides, --customers and --per-store must be ≥ 1")
	if err != nil {
		return err
	}
	defer cleanup()
	stores := (*guides + *perStore - 1) / *perStore
	fleet := tasks.Fleet{Stores: stores, GuidesPerStore: *perStore, CustomersPerGuide: *customers}
	want := int64(stores * *perStore * *customers)
	fmt.Fprintf(b.out, "siyu bench dispatch: %d stores × %d guides × %d customers = %d items, worker concurrency %d, %s\n\n",
		stores, *perStore, *customers, want, a.cfg.Worker.Concurrency, b.storage())
	seed := time.Now()
	if err := fleet.Seed(ctx, a.db); err != nil {
		return err
	}
	fmt.Fprintf(b.out, "(seeded in %s, not timed)\n", time.Since(seed).Round(time.Millisecond))

	w, err := a.worker()
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Shutdown()
	start := time.Now()
	task, err := a.hqTasks.CreateTask(ctx, hqtasks.TaskInput{Title: "bench", Kind: model.TaskKindFollowUp,
		Instructions: "bench", Deadline: time.Now().Add(72 * time.Hour), Dispatch: true})
	if err != nil {
		return err
	}
	if err := waitActive(ctx, a.hqTasks, task.ID, b); err != nil {
		return err
	}
	wall := time.Since(start)

	// Baseline: the same rows, batched INSERTs of 1,000 into a copy of the
	// table, on as many goroutines as the worker has.
	type src struct {
		MemberID                               int64
		GuideUserID, ExternalUserID, StoreCode string
	}
	var rows []src
	if err := a.db.WithContext(ctx).Model(&model.TaskItem{}).Select("member_id, guide_user_id, external_user_id, store_code").
		Where("task_id = ?", task.ID).Scan(&rows).Error; err != nil {
		return err
	}
	table := "bench_task_items_baseline"
	if err := copyTable(ctx, a.db, "task_items", table); err != nil {
		return err
	}
	now := time.Now().UTC()
	batches := (len(rows) + 999) / 1000
	baseWall, err := parallel(ctx, batches, a.cfg.Worker.Concurrency, nil, func(ctx context.Context, i int) error {
		part := rows[i*1000 : min((i+1)*1000, len(rows))]
		items := make([]model.TaskItem, len(part))
		for k, r := range part {
			items[k] = model.TaskItem{TaskID: task.ID, MemberID: r.MemberID, GuideUserID: r.GuideUserID, StoreCode: r.StoreCode,
				ExternalUserID: r.ExternalUserID, Status: model.ItemOpen, CreatedAt: now}
		}
		return a.db.WithContext(ctx).Table(table).Clauses(clause.OnConflict{DoNothing: true}).Create(&items).Error
	})
	if err != nil {
		return err
	}
	printRows(b.out, []row{
		{name: "HQ task dispatch via queue + worker", n: int(want), wall: wall},
		{name: "bare batched INSERT (baseline)", n: len(rows), wall: baseWall},
	})
	fmt.Fprintln(b.out, "(ops are items; dispatch time is from POST to the task turning active)")

	if _, err := a.hqTasks.Dispatch(ctx, task.ID); err != nil {
		return err
	}
	// The task is active already: wait for the second dispatch's tasks to
	// have run, not for a guessed while.
	if err := waitIdle(ctx, a); err != nil {
		return err
	}
	var n, distinct int64
	if err := a.db.WithContext(ctx).Model(&model.TaskItem{}).Where("task_id = ?", task.ID).Count(&n).Error; err != nil {
		return err
	}
	if err := a.db.WithContext(ctx).Model(&model.TaskItem{}).Where("task_id = ?", task.ID).Distinct("member_id").Count(&distinct).Error; err != nil {
		return err
	}
	fmt.Fprintf(b.out, "\ncheck: %d items, %d distinct members (want %d each) after dispatching twice\n", n, distinct, want)
	if n != want || distinct != want {
		return fmt.Errorf("correctness check failed")
	}
	return nil
}

// waitIdle polls the app's queues until no task is pending, running or due
// for a retry, three reads in a row (a finishing task may queue another);
// it gives up after five minutes. Tasks scheduled for later are notices
// put off by the per-minute limit, which add no items.
func waitIdle(ctx context.Context, a *app) (err error) {
	insp := asynq.NewInspector(a.redis.ConnOpt)
	defer func() { err = errors.Join(err, insp.Close()) }()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	for quiet := 0; quiet < 3; {
		known, err := insp.Queues()
		if err != nil {
			return err
		}
		busy := 0
		for _, p := range []string{tasks.QueueCritical, tasks.QueueDefault, tasks.QueueLow} {
			if !slices.Contains(known, a.queues.Name(p)) {
				continue
			}
			info, err := insp.GetQueueInfo(a.queues.Name(p))
			if err != nil {
				return err
			}
			busy += info.Pending + info.Active + info.Retry
		}
		if busy > 0 {
			quiet = 0
		} else {
			quiet++
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("queues still busy (%d tasks): %w", busy, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// waitActive polls the task until it is active.
func waitActive(ctx context.Context, hq *hqtasks.Service, id int64, b *benchEnv) error {
	for {
		t, err := hq.GetTask(ctx, id)
		if err != nil {
			return err
		}
		if t.State == model.TaskActive {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
