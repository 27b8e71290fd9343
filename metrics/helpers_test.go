package metrics_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/guides"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/metrics"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tagging"
)

const testCorp = "ww_test_corp"

// env is the member-side services and a loyalty service on a fresh
// database, all on one store.
type env struct {
	t        *testing.T
	db       *gorm.DB
	tags     *tagging.Service
	members  *members.Service
	guides   *guides.Service
	segments *segments.Service
	metrics  *metrics.Service
	loy      *loyalty.Service
	now      time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := modeltest.NewDB(t)
	now := time.Date(2026, 3, 2, 4, 0, 0, 0, time.UTC) // noon in Shanghai
	clock := func() time.Time { return now }
	st := store.New(db)
	tags := tagging.New(st, clock)
	e := &env{t: t, db: db, now: now, tags: tags, members: members.New(st, tags, clock),
		guides: guides.New(st, clock), segments: segments.New(st, clock), metrics: metrics.New(st, clock),
		loy: loyalty.New(st, loyalty.Options{Now: clock, CheckIn: loyalty.DefaultCheckInRules})}
	t.Cleanup(func() {
		bad, err := e.loy.CheckLedger(context.Background())
		if err != nil || len(bad) > 0 {
			t.Errorf("ledger check: %v %+v", err, bad)
		}
	})
	return e
}

func (e *env) scene(name string, tags []string, store, guide string) {
	e.t.Helper()
	if _, _, err := e.tags.SaveScene(context.Background(), model.Scene{Scene: name, Tags: tags, StoreCode: store, GuideUserID: guide}); err != nil {
		e.t.Fatal(err)
	}
}

// count counts rows of table matching the condition.
func (e *env) count(table any, where ...any) int64 {
	e.t.Helper()
	var n int64
	q := e.db.Model(table)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	if err := q.Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) add(guide, ext, state string, at time.Time) members.WeComArrivalResult {
	e.t.Helper()
	res, err := e.members.AddWeComContact(context.Background(), members.WeComArrival{
		CorpID: testCorp, GuideUserID: guide, ExternalUserID: ext, State: state, At: at})
	if err != nil {
		e.t.Fatalf("add %s/%s: %v", guide, ext, err)
	}
	return res
}

func (e *env) del(guide, ext, by string, at time.Time) members.WeComDepartureResult {
	e.t.Helper()
	res, err := e.members.EndWeComRelation(context.Background(), members.WeComDeparture{
		CorpID: testCorp, GuideUserID: guide, ExternalUserID: ext, By: by, At: at})
	if err != nil {
		e.t.Fatalf("del %s/%s: %v", guide, ext, err)
	}
	return res
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}
