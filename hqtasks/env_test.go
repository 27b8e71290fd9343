package hqtasks_test

import (
	"log/slog"
	"os"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tagging"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx"
	"github.com/siyu/siyu/wx/wxtest"
)

// pathAppMsg is the fake upstream's app message endpoint the tests count.
const pathAppMsg = "/cgi-bin/message/send"

func TestMain(m *testing.M) {
	wx.QuietLibraryLogs()
	os.Exit(m.Run())
}

// env is a database, a Redis prefix, the fake upstream, a wx client on it,
// an enqueuer, the loyalty engine, the HQ task service and (after start) a
// worker with the HQ task handlers.
type env struct {
	t      *testing.T
	db     *gorm.DB
	loy    *loyalty.Service
	up     *wxtest.Server
	rdb    *tasks.Redis
	prefix string
	enq    *tasks.Enqueuer
	deps   tasks.Deps
	hq     *hqtasks.Service
}

func newEnv(t *testing.T, o hqtasks.Options) *env {
	t.Helper()
	db := modeltest.NewDB(t)
	rdb, prefix := taskstest.NewRedis(t)
	up := wxtest.NewServer(t)
	client := taskstest.NewWX(t, taskstest.WXConfig(up, rdb, prefix, taskstest.UniqueCorp(t)))
	enq := taskstest.NewEnqueuer(t, rdb, prefix)
	st := store.New(db)
	e := &env{t: t, db: db, up: up, rdb: rdb, prefix: prefix, enq: enq,
		loy: loyalty.New(st, loyalty.Options{CheckIn: loyalty.DefaultCheckInRules})}
	o.Loyalty, o.Queue = e.loy, enq
	e.hq = hqtasks.New(st, o)
	e.deps = tasks.Deps{Loyalty: e.loy, Tagging: tagging.New(st, nil), WeCom: client, OA: client, Queue: enq,
		Redis: rdb.Client, Prefix: prefix, Logger: testLogger(), HQ: true}
	taskstest.CheckLedgerAtEnd(t, e.loy)
	return e
}

func testLogger() *slog.Logger { return taskstest.Logger() }

// start runs a worker on e's queues with tasks' and the HQ task handlers.
func (e *env) start() {
	mux := tasks.NewMux(e.deps)
	hqtasks.Register(mux, e.hq, e.deps)
	taskstest.StartMux(e.t, e.rdb, e.prefix, mux, e.deps.Logger)
}

// idle waits for the queues to be idle (tasks scheduled for later aside).
func (e *env) idle() taskstest.Counts {
	return taskstest.WaitIdle(e.t, e.rdb, e.prefix, 20*time.Second)
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) count(table any, where ...any) int64 {
	e.t.Helper()
	return modeltest.Count(e.t, e.db, table, where...)
}
