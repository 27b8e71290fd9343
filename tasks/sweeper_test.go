package tasks_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/groups"
	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tagging"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx"
	"github.com/siyu/siyu/wx/wxtest"
)

// ownRedisEnv is an HQ task service, a worker, the outbox relay and the
// sweeper on a redis-server of the test's own, which it may flush.
type ownRedisEnv struct {
	t      *testing.T
	db     *gorm.DB
	redis  *taskstest.RedisServer
	hq     *hqtasks.Service
	groups *groups.Service
	corp   string
	up     *wxtest.Server
	enq    *tasks.Enqueuer
	swept  atomic.Int64
}

func startOwnRedisEnv(t *testing.T, rs *taskstest.RedisServer, fleet tasks.Fleet, afterBatch func(int64, string, int) error) *ownRedisEnv {
	t.Helper()
	rdb, err := tasks.OpenRedis(rs.URL())
	if err != nil {
		t.Fatal(err)
	}
	taskstest.CloseAtEnd(t, "redis", rdb)
	db := modeltest.NewDB(t)
	if err := fleet.Seed(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	up := wxtest.NewServer(t)
	corp := fmt.Sprintf("wwsweep%d", corpSeq.Add(1))
	client, err := wx.New(wx.Config{WeComCorpID: corp, WeComAgentID: "1000002", WeComAgentSecret: "agentsecret",
		WeComContactSecret: "contactsecret", WeComAPIBase: up.URL(), WeChatAPIBase: up.URL(), HTTPTimeout: 2 * time.Second,
		Redis: rdb.Client, KeyPrefix: "siyu"})
	if err != nil {
		t.Fatal(err)
	}
	queues := taskstest.Queues("siyu")
	enq := tasks.NewEnqueuer(rdb.ConnOpt, queues)
	taskstest.CloseAtEnd(t, "enqueuer", enq)
	st := store.New(db)
	loy := loyalty.New(st, loyalty.Options{})
	hq := hqtasks.New(st, hqtasks.Options{Loyalty: loy, Queue: enq, BatchSize: 100, AfterBatch: afterBatch})
	tags := tagging.New(st, nil)
	grp := groups.New(st, groups.Options{Members: members.New(st, tags, nil), Loyalty: loy, WeCom: client, Logger: testLogger()})
	e := &ownRedisEnv{t: t, db: db, redis: rs, hq: hq, groups: grp, corp: corp, up: up, enq: enq}
	sw := tasks.NewSweeper(db, rdb.ConnOpt, enq, queues, tasks.SweeperOptions{HQ: hq, Grace: 300 * time.Millisecond,
		Every: 250 * time.Millisecond, Logger: testLogger(), OnSweep: func(n int) { e.swept.Add(int64(n)) }})
	taskstest.CloseAtEnd(t, "sweeper", sw)
	deps := tasks.Deps{Loyalty: loy, Tagging: tags, Groups: grp, WeCom: client, OA: client, Queue: enq, Redis: rdb.Client,
		Prefix: "siyu", Logger: testLogger(), HQ: true, DB: db}
	mux := tasks.NewMux(deps)
	hqtasks.Register(mux, hq, deps)
	mux.HandleFunc(tasks.TypeSweep, sw.Handle)
	w := tasks.NewWorker(rdb.ConnOpt, mux, tasks.WorkerOptions{Queues: queues, Concurrency: 8, Logger: testLogger(),
		RetryUnit: 20 * time.Millisecond, PollInterval: 10 * time.Millisecond, DelayedInterval: 20 * time.Millisecond})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	relay := tasks.NewRelay(db, enq, outbox.RelayOptions{Logger: testLogger(), Poll: 20 * time.Millisecond, MaxBackoff: time.Second})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); relay.Run(ctx) }()
	go func() { defer wg.Done(); sw.Run(ctx) }()
	t.Cleanup(func() { cancel(); wg.Wait(); w.Shutdown() })
	return e
}

// TestDispatchSurvivesRedisFlush: Redis loses everything in the middle of
// a 20-store dispatch (a failover to an empty replica); the sweeper finds
// the dispatching task whose jobs are gone and queues it again, and the
// task completes with every item and every notification once.
func TestDispatchSurvivesRedisFlush(t *testing.T) {
	rs := taskstest.StartRedisServer(t)
	var flushed atomic.Bool
	fleet := tasks.Fleet{Stores: 20, GuidesPerStore: 5, CustomersPerGuide: 50}
	e := startOwnRedisEnv(t, rs, fleet, func(_ int64, store string, batch int) error {
		if store == fleet.StoreCode(4) && batch == 1 && flushed.CompareAndSwap(false, true) {
			rs.Flush()
		}
		return nil
	})
	task, err := e.hq.CreateTask(context.Background(), hqtasks.TaskInput{Title: "双十一唤醒", Kind: model.TaskKindMessage,
		Content: "亲，双十一来店有礼～", Instructions: "给每位客户发送话术", Deadline: time.Now().Add(72 * time.Hour), Dispatch: true})
	if err != nil {
		t.Fatal(err)
	}
	got := e.waitActive(task.ID, 60*time.Second)
	if !flushed.Load() {
		t.Fatal("Redis was never flushed: the test proved nothing")
	}
	want := hqtasks.Progress{Stores: 20, StoresDone: 20, Guides: 100, GuidesNotified: 100, Items: 5000}
	if *got.Progress != want {
		t.Errorf("progress = %+v, want %+v", *got.Progress, want)
	}
	var n, distinct int64
	e.db.Model(&model.TaskItem{}).Where("task_id = ?", task.ID).Count(&n)
	e.db.Model(&model.TaskItem{}).Where("task_id = ?", task.ID).Distinct("member_id").Count(&distinct)
	if n != 5000 || distinct != 5000 {
		t.Errorf("items = %d (%d members), want 5000 once each", n, distinct)
	}
	if n := e.up.CallCount(pathAppMsg); n != 100 {
		t.Errorf("app messages = %d, want 100 (one per guide)", n)
	}
	if e.swept.Load() == 0 {
		t.Error("the sweeper queued nothing again; who finished the task?")
	}
}

// waitActive waits until the task is active with every guide notified.
func (e *ownRedisEnv) waitActive(id int64, timeout time.Duration) hqtasks.Task {
	e.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got, err := e.hq.GetTask(context.Background(), id)
		if err != nil {
			e.t.Fatal(err)
		}
		if got.State == model.TaskActive && got.Progress.GuidesNotified == got.Progress.Guides {
			return got
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("task after %s: state %s, progress %+v", timeout, got.State, *got.Progress)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSweeperHandsLostEventsBack: an event the relay queued whose task is
// gone (Redis lost it) and that no consumer handled goes back to the relay;
// a handled one and a fresh one (within the grace time) stay as they are.
func TestSweeperHandsLostEventsBack(t *testing.T) {
	db := modeltest.NewDB(t)
	rdb, prefix := taskstest.NewRedis(t)
	enq := tasks.NewEnqueuer(rdb.ConnOpt, taskstest.Queues(prefix))
	taskstest.CloseAtEnd(t, "enqueuer", enq)
	long := time.Now().Add(-time.Hour).UTC()
	now := time.Now().UTC()
	rows := []model.OutboxEvent{
		{Kind: outbox.KindLevelChanged, Payload: `{}`, SentAt: &long, CreatedAt: long},                   // lost
		{Kind: outbox.KindLevelChanged, Payload: `{}`, SentAt: &long, HandledAt: &long, CreatedAt: long}, // done
		{Kind: outbox.KindLevelChanged, Payload: `{}`, SentAt: &now, CreatedAt: now},                     // in flight
	}
	if err := db.Create(&rows).Error; err != nil {
		t.Fatal(err)
	}
	sw := tasks.NewSweeper(db, rdb.ConnOpt, enq, taskstest.Queues(prefix), tasks.SweeperOptions{Grace: time.Minute, Logger: testLogger()})
	taskstest.CloseAtEnd(t, "sweeper", sw)
	n, err := sw.Sweep(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1 event handed back", n, err)
	}
	var got []model.OutboxEvent
	db.Order("id").Find(&got)
	if got[0].SentAt != nil || got[1].SentAt == nil || got[2].SentAt == nil {
		t.Errorf("sent_at after the sweep = %v %v %v; want only the lost one cleared", got[0].SentAt, got[1].SentAt, got[2].SentAt)
	}
	// Relayed again, its task is in the queue: a later sweep leaves it
	// (and takes the third, whose task never existed, once past the grace).
	if _, err := tasks.NewRelay(db, enq, outbox.RelayOptions{}).RelayOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	sw2 := tasks.NewSweeper(db, rdb.ConnOpt, enq, taskstest.Queues(prefix), tasks.SweeperOptions{Grace: time.Nanosecond, Logger: testLogger()})
	taskstest.CloseAtEnd(t, "sweeper", sw2)
	if n, err := sw2.Sweep(context.Background()); err != nil || n != 1 {
		t.Errorf("second Sweep = %d, %v; want 1 (only the third)", n, err)
	}
	db.Order("id").Find(&got)
	if got[0].SentAt == nil || got[2].SentAt != nil {
		t.Errorf("sent_at after the second sweep = %v, %v; want the relayed one kept, the third cleared", got[0].SentAt, got[2].SentAt)
	}
}
