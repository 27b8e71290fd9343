// Package servicetest gives the member-side packages' tests one shared
// environment: tagging, members, guides, segments and metrics services and a
// loyalty service, all on one store over a fresh, migrated database, with a
// fixed clock. It replaces the identical helpers each package used to keep.
package servicetest

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

// TestCorp is the WeCom corp ID the helpers' arrivals and departures use.
const TestCorp = "ww_test_corp"

// Env is the member-side services and a loyalty service on a fresh
// database, all on one store, with the clock fixed at Now.
type Env struct {
	T        *testing.T
	DB       *gorm.DB
	Store    *store.Store
	Tags     *tagging.Service
	Members  *members.Service
	Guides   *guides.Service
	Segments *segments.Service
	Metrics  *metrics.Service
	Loy      *loyalty.Service
	// Now is the services' clock; changing it later does not move the clock.
	Now time.Time
}

// New builds an Env on a fresh database (MySQL when TEST_MYSQL_DSN is set,
// else embedded SQLite) and checks the points ledger when t ends.
func New(t *testing.T) *Env {
	t.Helper()
	db := modeltest.NewDB(t)
	now := time.Date(2026, 3, 2, 4, 0, 0, 0, time.UTC) // noon in Shanghai
	clock := func() time.Time { return now }
	st := store.New(db)
	tags := tagging.New(st, clock)
	e := &Env{T: t, DB: db, Store: st, Now: now, Tags: tags, Members: members.New(st, tags, clock),
		Guides: guides.New(st, clock), Segments: segments.New(st, clock), Metrics: metrics.New(st, clock),
		Loy: loyalty.New(st, loyalty.Options{Now: clock, CheckIn: loyalty.DefaultCheckInRules})}
	t.Cleanup(func() {
		bad, err := e.Loy.CheckLedger(context.Background())
		if err != nil || len(bad) > 0 {
			t.Errorf("ledger check: %v %+v", err, bad)
		}
	})
	return e
}

// Scene saves the scene rule name → tags (with its store and guide), failing
// the test on error.
func (e *Env) Scene(name string, tags []string, store, guide string) {
	e.T.Helper()
	if _, _, err := e.Tags.SaveScene(context.Background(), model.Scene{Scene: name, Tags: tags, StoreCode: store, GuideUserID: guide}); err != nil {
		e.T.Fatal(err)
	}
}

// Count counts rows of table matching the optional condition (a query and
// its arguments), failing the test on error.
func (e *Env) Count(table any, where ...any) int64 {
	e.T.Helper()
	return modeltest.Count(e.T, e.DB, table, where...)
}

// Add records that the customer ext added guide in TestCorp through the
// contact-way state at the given time, failing the test on error.
func (e *Env) Add(guide, ext, state string, at time.Time) members.WeComArrivalResult {
	e.T.Helper()
	res, err := e.Members.AddWeComContact(context.Background(), members.WeComArrival{
		CorpID: TestCorp, GuideUserID: guide, ExternalUserID: ext, State: state, At: at})
	if err != nil {
		e.T.Fatalf("add %s/%s: %v", guide, ext, err)
	}
	return res
}

// Del records that the relation between guide and ext in TestCorp ended
// (by "customer" or "guide") at the given time, failing the test on error.
func (e *Env) Del(guide, ext, by string, at time.Time) members.WeComDepartureResult {
	e.T.Helper()
	res, err := e.Members.EndWeComRelation(context.Background(), members.WeComDeparture{
		CorpID: TestCorp, GuideUserID: guide, ExternalUserID: ext, By: by, At: at})
	if err != nil {
		e.T.Fatalf("del %s/%s: %v", guide, ext, err)
	}
	return res
}

// Must fails the test when err is not nil.
func (e *Env) Must(err error) {
	e.T.Helper()
	if err != nil {
		e.T.Fatal(err)
	}
}
