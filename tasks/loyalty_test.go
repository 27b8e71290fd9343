package tasks_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/siyu/siyu/guides"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tagging"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/tasks/taskstest"
)

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// fakeMessenger records what would have been sent.
type fakeMessenger struct {
	mu   sync.Mutex
	sent []string // openid: text
	fail error
}

func (f *fakeMessenger) SendCustomText(_ context.Context, openid, text string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.sent = append(f.sent, openid+": "+text)
	return nil
}

func (f *fakeMessenger) messages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent...)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type loyaltyEnv struct {
	t       *testing.T
	ctx     context.Context
	deps    tasks.Deps
	l       *loyalty.Service
	tags    *tagging.Service
	members *members.Service
	msgr    *fakeMessenger
	clk     *clock
	queues  tasks.Queues
	redis   *tasks.Redis
	insp    *asynq.Inspector
	db      *gorm.DB
}

func newLoyaltyEnv(t *testing.T) *loyaltyEnv {
	t.Helper()
	db := modeltest.NewDB(t)
	rdb, prefix := taskstest.NewRedis(t)
	clk := &clock{t: time.Date(2025, 3, 10, 10, 0, 0, 0, shanghai)}
	st := store.New(db)
	l := loyalty.New(st, loyalty.Options{Location: shanghai, Now: clk.Now, CheckIn: loyalty.DefaultCheckInRules,
		Expiry: loyalty.ExpiryPolicy{Kind: loyalty.ExpiryRolling, Days: 60}, RemindDays: 30, SettingsTTL: -1})
	if err := l.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	queues := tasks.Queues{Prefix: prefix}
	enq := tasks.NewEnqueuer(rdb.ConnOpt, queues)
	t.Cleanup(func() {
		if err := enq.Close(); err != nil {
			t.Error(err)
		}
	})
	insp := asynq.NewInspector(rdb.ConnOpt)
	t.Cleanup(func() {
		if err := insp.Close(); err != nil {
			t.Error(err)
		}
	})
	tags := tagging.New(st, clk.Now)
	mem := members.New(st, tags, clk.Now)
	msgr := &fakeMessenger{}
	e := &loyaltyEnv{t: t, ctx: context.Background(), l: l, tags: tags, members: mem, msgr: msgr, clk: clk, queues: queues, redis: rdb, insp: insp, db: db,
		deps: tasks.Deps{Loyalty: l, Tagging: tags, Members: mem, Guides: guides.New(st, clk.Now), Segments: segments.New(st, clk.Now), Queue: enq, Messenger: msgr, Location: shanghai, Now: clk.Now,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	t.Cleanup(func() {
		bad, err := l.CheckLedger(context.Background())
		if err != nil || len(bad) > 0 {
			t.Errorf("ledger check: %+v, %v", bad, err)
		}
	})
	return e
}

// run processes one task through the mux, as the worker would.
func (e *loyaltyEnv) run(task *asynq.Task) error {
	e.t.Helper()
	return tasks.NewMux(e.deps).ProcessTask(e.ctx, task)
}

// queued returns the tasks waiting in a queue.
func (e *loyaltyEnv) queued(priority string) []*asynq.TaskInfo {
	e.t.Helper()
	infos, err := e.insp.ListPendingTasks(e.queues.Name(priority))
	if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
		e.t.Fatal(err)
	}
	return infos
}

// drain runs every pending task of a queue once and deletes it.
func (e *loyaltyEnv) drain(priority string) (errs []error) {
	e.t.Helper()
	for _, info := range e.queued(priority) {
		errs = append(errs, e.run(asynq.NewTask(info.Type, info.Payload)))
		if err := e.insp.DeleteTask(e.queues.Name(priority), info.ID); err != nil {
			e.t.Fatal(err)
		}
	}
	return errs
}

func (e *loyaltyEnv) follower(openid string) int64 {
	e.t.Helper()
	m, err := e.members.FindOrCreateOAMember(e.ctx, "wxapp", openid)
	if err != nil {
		e.t.Fatal(err)
	}
	return m.ID
}

// TestExpiryJobAndReminder: the job run twice expires once; the reminder
// is queued once and sent once.
func TestExpiryJobAndReminder(t *testing.T) {
	e := newLoyaltyEnv(t)
	m := e.follower("o_expiry")
	if _, err := e.l.AdjustPoints(e.ctx, loyalty.Adjustment{MemberID: m, Delta: 80, Reason: "t", RequestID: "a1"}); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(20 * 24 * time.Hour)
	if _, err := e.l.AdjustPoints(e.ctx, loyalty.Adjustment{MemberID: m, Delta: 30, Reason: "t", RequestID: "a2"}); err != nil {
		t.Fatal(err)
	}
	e.clk.Add(45 * 24 * time.Hour) // the first 80 are due; the 30 expire in 16 days
	for range 2 {
		if err := e.run(tasks.NewExpirePointsTask("2025-05-04")); err != nil {
			t.Fatal(err)
		}
	}
	if bal, err := e.l.Balance(e.ctx, m); err != nil || bal != 30 {
		t.Errorf("balance = %d, %v; want 30 after 80 expired once", bal, err)
	}
	e.relay()
	q := e.queued(tasks.QueueDefault)
	if len(q) != 1 || q[0].Type != outbox.TaskType(outbox.KindPointsExpiring) {
		t.Fatalf("queued = %d tasks, want one reminder event", len(q))
	}
	e.deps.Messenger = nil
	if err := e.run(asynq.NewTask(q[0].Type, q[0].Payload)); !errors.Is(err, tasks.ErrNoMessenger) {
		t.Errorf("without a messenger: %v, want ErrNoMessenger", err)
	}
	// Retried (as asynq does) with a messenger, it goes out once; later
	// runs record no new reminder for the same batch.
	e.deps.Messenger = e.msgr
	for _, err := range e.drain(tasks.QueueDefault) {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, day := range []string{"2025-05-05", "2025-05-06"} {
		if err := e.run(tasks.NewExpirePointsTask(day)); err != nil {
			t.Fatal(err)
		}
		e.relay()
		for _, err := range e.drain(tasks.QueueDefault) {
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	sent := e.msgr.messages()
	if len(sent) != 1 || !strings.HasPrefix(sent[0], "o_expiry: ") || !strings.Contains(sent[0], "30 积分") || !strings.Contains(sent[0], "2025-05-29") {
		t.Errorf("sent = %q, want one reminder of 30 points valid through 2025-05-29", sent)
	}
}

// TestTickQueuesOncePerPeriod: ticks from several schedulers queue the
// job once per period.
func TestTickQueuesOncePerPeriod(t *testing.T) {
	e := newLoyaltyEnv(t)
	for range 3 {
		if err := e.run(tasks.NewTickTask(tasks.JobPointsExpiry)); err != nil {
			t.Fatal(err)
		}
		if err := e.run(tasks.NewTickTask(tasks.JobLevelReview)); err != nil {
			t.Fatal(err)
		}
	}
	q := e.queued(tasks.QueueLow)
	if len(q) != 2 {
		t.Fatalf("queued %d jobs, want 2", len(q))
	}
	ids := map[string]bool{}
	for _, info := range q {
		ids[info.ID] = true
	}
	if !ids["points_expiry:2025-03-10"] || !ids["level_review:2025-03"] {
		t.Errorf("task ids = %v", ids)
	}
	if err := e.run(tasks.NewTickTask("nope")); !errors.Is(err, asynq.SkipRetry) {
		t.Errorf("unknown job = %v, want SkipRetry", err)
	}
}

func TestBirthdayAndLevelUpNotices(t *testing.T) {
	e := newLoyaltyEnv(t)
	m := e.follower("o_bday")
	if err := e.l.SetBirthday(e.ctx, m, "03-10"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := e.run(tasks.NewBirthdayBonusTask("2025-03-10")); err != nil {
			t.Fatal(err)
		}
	}
	res, err := e.l.RecordOrders(e.ctx, []loyalty.OrderLine{{OrderNo: "N1", MemberID: m, AmountFen: 60000, PaidAt: e.clk.Now()}})
	if err != nil || res[0].LevelUp == nil {
		t.Fatalf("order = %+v, %v; want a level up", res, err)
	}
	n := tasks.Notices{Enq: e.deps.Queue}
	for range 2 {
		if err := n.QueueNotice(e.ctx, tasks.NoticeLevelUp, m, res[0].LevelUp.Change.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, err := range e.drain(tasks.QueueDefault) {
		if err != nil {
			t.Fatal(err)
		}
	}
	sent := e.msgr.messages()
	if len(sent) != 2 || !strings.Contains(sent[0], "生日快乐") || !strings.Contains(sent[0], "100 积分") || !strings.Contains(sent[1], "银卡") {
		t.Errorf("sent = %q, want one birthday greeting and one level-up", sent)
	}
	if err := e.run(tasks.NewNoticeTask("bogus", m, 1)); !errors.Is(err, asynq.SkipRetry) {
		t.Errorf("unknown notice = %v, want SkipRetry", err)
	}
}

// TestWorkerRunsNotices: the real worker, on the test's Redis, delivers a
// queued notice through the mux.
func TestWorkerRunsNotices(t *testing.T) {
	e := newLoyaltyEnv(t)
	m := e.follower("o_worker")
	if _, err := e.l.AdjustPoints(e.ctx, loyalty.Adjustment{MemberID: m, Delta: 10, Reason: "t", RequestID: "w"}); err != nil {
		t.Fatal(err)
	}
	w := tasks.NewWorker(e.redis.ConnOpt, tasks.NewMux(e.deps), tasks.WorkerOptions{Queues: e.queues, Concurrency: 2, Location: shanghai})
	if err := tasks.RegisterSchedules(w.Scheduler(), e.queues, "monthly"); err != nil {
		t.Fatal(err)
	}
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Shutdown()
	if err := e.l.SetBirthday(e.ctx, m, "03-10"); err != nil {
		t.Fatal(err)
	}
	credits, err := e.l.CreditBirthdays(e.ctx, e.clk.Now())
	if err != nil || len(credits) != 1 {
		t.Fatalf("CreditBirthdays = %+v, %v", credits, err)
	}
	if err := (tasks.Notices{Enq: e.deps.Queue}).QueueNotice(e.ctx, tasks.NoticeBirthday, m, credits[0].Earned.EntryID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(e.msgr.messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if sent := e.msgr.messages(); len(sent) != 1 || !strings.Contains(sent[0], "110") {
		t.Errorf("sent = %q, want the greeting with balance 110", sent)
	}
	if err := tasks.RegisterSchedules(w.Scheduler(), e.queues, "weekly"); err == nil {
		t.Error("RegisterSchedules accepted review weekly")
	}
}
