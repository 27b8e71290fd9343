package outbox_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/outbox"
)

// countingQueue records every enqueue by TaskID; while down it fails.
type countingQueue struct {
	mu   sync.Mutex
	sent map[string]int
	down atomic.Bool
}

func (q *countingQueue) Enqueue(_ context.Context, t *asynq.Task, _ string, opts ...asynq.Option) error {
	if q.down.Load() {
		return errors.New("dial tcp: connection refused")
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, o := range opts {
		if o.Type() == asynq.TaskIDOpt {
			q.sent[o.Value().(string)]++
		}
	}
	return nil
}

func (q *countingQueue) counts() map[string]int {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := map[string]int{}
	for k, v := range q.sent {
		out[k] = v
	}
	return out
}

var routes = map[string]outbox.Route{outbox.KindLevelChanged: outbox.EventTask("default")}

func record(t *testing.T, db *gorm.DB, n int) {
	t.Helper()
	for i := range n {
		err := db.Transaction(func(tx *gorm.DB) error {
			return outbox.Record(tx, outbox.Event{Kind: outbox.KindLevelChanged, Payload: outbox.LevelChanged{MemberID: int64(i + 1), ChangeID: int64(i + 1)}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func unsent(t *testing.T, db *gorm.DB) int64 {
	t.Helper()
	var n int64
	if err := db.Model(&model.OutboxEvent{}).Where("sent_at IS NULL").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRelaysShareTheTable: four relays drain 300 events concurrently;
// every event is enqueued exactly once and marked sent.
func TestRelaysShareTheTable(t *testing.T) {
	db := modeltest.NewDB(t)
	record(t, db, 300)
	q := &countingQueue{sent: map[string]int{}}
	var wg sync.WaitGroup
	for range 4 {
		r := outbox.NewRelay(db, q, outbox.RelayOptions{Routes: routes, Batch: 7})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n, err := r.RelayOnce(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 && unsent(t, db) == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	got := q.counts()
	if len(got) != 300 {
		t.Errorf("distinct events enqueued = %d, want 300", len(got))
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("%s enqueued %d times, want once", id, n)
		}
	}
	if n := unsent(t, db); n != 0 {
		t.Errorf("unsent = %d, want 0", n)
	}
}

// TestRelayWaitsOutRedis: while the queue is down nothing is marked sent,
// failures and the lag are on the metrics; once it is back the relay
// catches up on its own.
func TestRelayWaitsOutRedis(t *testing.T) {
	db := modeltest.NewDB(t)
	q := &countingQueue{sent: map[string]int{}}
	q.down.Store(true)
	m := outbox.NewMetrics(db)
	reg := prometheus.NewRegistry()
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	r := outbox.NewRelay(db, q, outbox.RelayOptions{Routes: routes, Metrics: m, Poll: 10 * time.Millisecond, MaxBackoff: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	record(t, db, 5)
	waitUntil(t, func() bool { return testutil.ToFloat64(m.Failures) >= 2 })
	if n := unsent(t, db); n != 5 {
		t.Fatalf("unsent while down = %d, want 5", n)
	}
	if lag, err := outbox.Lag(context.Background(), db); err != nil || lag <= 0 {
		t.Errorf("lag while down = %v, %v; want > 0", lag, err)
	}
	var ev model.OutboxEvent
	db.Order("id").First(&ev)
	if ev.Attempts == 0 || ev.LastError == "" {
		t.Errorf("first event = %+v, want attempts and the error recorded", ev)
	}
	q.down.Store(false)
	waitUntil(t, func() bool { return unsent(t, db) == 0 })
	if got := q.counts(); len(got) != 5 {
		t.Errorf("enqueued = %v, want 5 events", got)
	}
	if v := testutil.ToFloat64(m.Sent.WithLabelValues(outbox.KindLevelChanged)); v != 5 {
		t.Errorf("sent metric = %v, want 5", v)
	}
	if lag, _ := outbox.Lag(context.Background(), db); lag != 0 {
		t.Errorf("lag after catching up = %v, want 0", lag)
	}
}

// TestOnceDedupesByEventID: a consumer wrapped in Once runs once per event
// however often its task is delivered.
func TestOnceDedupesByEventID(t *testing.T) {
	db := modeltest.NewDB(t)
	record(t, db, 1)
	var ev model.OutboxEvent
	if err := db.First(&ev).Error; err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int64
	h := func(context.Context, []byte) error { runs.Add(1); return nil }
	for range 3 {
		if err := outbox.HandleOnce(context.Background(), db, ev.ID, []byte(ev.Payload), h); err != nil {
			t.Fatal(err)
		}
	}
	if id, ok := outbox.EventID(outbox.TaskIDPrefix + "42"); !ok || id != 42 {
		t.Errorf("EventID = %d, %v", id, ok)
	}
	if runs.Load() != 1 {
		t.Errorf("consumer ran %d times, want 1", runs.Load())
	}
}

func waitUntil(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
