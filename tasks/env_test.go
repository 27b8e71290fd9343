package tasks_test

import (
	"context"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/siyu/siyu/guides"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tagging"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx"
	"github.com/siyu/siyu/wx/wxtest"
)

// Paths of the fake upstream the tests count.
const (
	pathGet     = "/cgi-bin/externalcontact/get"
	pathMarkTag = "/cgi-bin/externalcontact/mark_tag"
	pathWelcome = "/cgi-bin/externalcontact/send_welcome_msg"
	pathAppMsg  = "/cgi-bin/message/send"
	pathUser    = "/cgi-bin/user/info"
)

func TestMain(m *testing.M) {
	wx.QuietLibraryLogs()
	os.Exit(m.Run())
}

// env is a database, a Redis prefix, the fake upstream, a wx client on it,
// an enqueuer and (after start) a worker.
type env struct {
	t    *testing.T
	db   *gorm.DB
	tags *tagging.Service
	// members, guides and segments share tags' store.
	members  *members.Service
	guides   *guides.Service
	segments *segments.Service
	loy      *loyalty.Service
	up       *wxtest.Server
	wx       *wx.Client
	rdb      *tasks.Redis
	prefix   string
	enq      *tasks.Enqueuer
	corp     string
	deps     tasks.Deps
	st       *store.Store
}

// corpSeq numbers the corp IDs of tests that build their own wx client.
var corpSeq atomic.Int64

func newEnv(t *testing.T, opts ...func(*wx.Config)) *env {
	t.Helper()
	db := modeltest.NewDB(t)
	rdb, prefix := taskstest.NewRedis(t)
	up := wxtest.NewServer(t)
	corp := taskstest.UniqueCorp(t)
	cfg := taskstest.WXConfig(up, rdb, prefix, corp)
	for _, o := range opts {
		o(&cfg)
	}
	client := taskstest.NewWX(t, cfg)
	enq := taskstest.NewEnqueuer(t, rdb, prefix)
	st := store.New(db)
	tags := tagging.New(st, nil)
	e := &env{t: t, db: db, tags: tags, members: members.New(st, tags, nil), guides: guides.New(st, nil), segments: segments.New(st, nil), up: up, wx: client, rdb: rdb, prefix: prefix, enq: enq, corp: corp,
		loy: loyalty.New(st, loyalty.Options{CheckIn: loyalty.DefaultCheckInRules}), st: st}
	e.deps = tasks.Deps{Tagging: tags, Members: e.members, Guides: e.guides, Segments: e.segments, WeCom: client, OA: client, Queue: enq, Redis: rdb.Client, Prefix: prefix, Logger: testLogger()}
	taskstest.CheckLedgerAtEnd(t, e.loy)
	return e
}

func testLogger() *slog.Logger { return taskstest.Logger() }

// start runs a worker on e's queues.
func (e *env) start() { taskstest.StartWorker(e.t, e.rdb, e.prefix, e.deps) }

// idle waits for the queues to be idle (tasks scheduled for later aside).
func (e *env) idle() taskstest.Counts {
	return taskstest.WaitIdle(e.t, e.rdb, e.prefix, 20*time.Second)
}

// drained waits until every task, scheduled ones included, has run.
func (e *env) drained() taskstest.Counts {
	return taskstest.WaitDrained(e.t, e.rdb, e.prefix, 20*time.Second)
}

// deliver enqueues an event as the callback handler does: the welcome on
// critical, the event on default.
func (e *env) deliver(ev tasks.WeComEvent) {
	e.t.Helper()
	ctx := context.Background()
	if ev.WelcomeCode != "" {
		t, err := tasks.NewSendWelcomeTask(ev)
		if err != nil {
			e.t.Fatal(err)
		}
		e.must(e.enq.Enqueue(ctx, t, tasks.QueueCritical))
	}
	t, err := tasks.NewWeComEventTask(ev)
	if err != nil {
		e.t.Fatal(err)
	}
	e.must(e.enq.Enqueue(ctx, t, tasks.QueueDefault))
}

func (e *env) enqueue(t *asynq.Task, err error) {
	e.t.Helper()
	e.must(err)
	e.must(e.enq.Enqueue(context.Background(), t, tasks.QueueDefault))
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

// event builds a change_external_contact event at now.
func (e *env) event(change, guide, ext string) tasks.WeComEvent {
	return tasks.WeComEvent{CorpID: e.corp, Event: tasks.EventChangeExternalContact, ChangeType: change,
		UserID: guide, ExternalUserID: ext, CreateTime: time.Now().Unix()}
}

func (e *env) add(guide, ext, state, welcome string) tasks.WeComEvent {
	ev := e.event(tasks.ChangeAddExternalContact, guide, ext)
	ev.State, ev.WelcomeCode = state, welcome
	return ev
}

func (e *env) scene(name string, tags []string, welcome string) {
	e.t.Helper()
	if _, _, err := e.tags.SaveScene(context.Background(), model.Scene{Scene: name, Tags: tags, Welcome: welcome}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) count(table any, where ...any) int64 {
	e.t.Helper()
	return modeltest.Count(e.t, e.db, table, where...)
}

// member returns the one member behind the external contact.
func (e *env) member(ext string) model.MemberView {
	e.t.Helper()
	ms, err := e.members.FindMembers(context.Background(), members.MemberFilter{ExternalUserID: ext})
	if err != nil || len(ms) != 1 {
		e.t.Fatalf("members with external_userid %s = %d, %v; want 1", ext, len(ms), err)
	}
	return ms[0]
}

// tagNames returns the corp tag names the guide's view of the contact has
// in the fake, as group:name.
func (e *env) tagNames(guide, ext string) []string {
	var out []string
	ec, err := e.wx.GetExternalContact(context.Background(), ext)
	e.must(err)
	for _, f := range ec.FollowUsers {
		if f.UserID == guide {
			for _, t := range f.Tags {
				out = append(out, tagging.SiyuTagName(t.GroupName, t.Name))
			}
		}
	}
	return out
}
