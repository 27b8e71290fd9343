package outbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
)

// Enqueuer puts a task on a queue of the given priority; a TaskID already
// used must return nil (tasks.Enqueuer does).
type Enqueuer interface {
	Enqueue(ctx context.Context, t *asynq.Task, priority string, opts ...asynq.Option) error
}

// Route turns an event into the task that carries it to its consumer.
type Route func(ev model.OutboxEvent) (t *asynq.Task, priority string, opts []asynq.Option)

// TaskIDPrefix starts the TaskID of an event task: "outbox:<row id>".
const TaskIDPrefix = "outbox:"

// EventTask is the default route: a task of type "event:<kind>" whose
// payload is the event's and whose TaskID names the row, so sending it
// twice queues it once.
func EventTask(priority string) Route {
	return func(ev model.OutboxEvent) (*asynq.Task, string, []asynq.Option) {
		return asynq.NewTask(TaskType(ev.Kind), []byte(ev.Payload)), priority, []asynq.Option{
			asynq.TaskID(TaskIDPrefix + strconv.FormatInt(ev.ID, 10)), asynq.MaxRetry(12),
			asynq.Timeout(time.Minute), asynq.Retention(24 * time.Hour)}
	}
}

// TaskType is the task type that carries events of kind.
func TaskType(kind string) string { return "event:" + kind }

// EventID returns the outbox row id of an event task's TaskID.
func EventID(taskID string) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(taskID, TaskIDPrefix), 10, 64)
	return id, err == nil && strings.HasPrefix(taskID, TaskIDPrefix) && id > 0
}

// RelayOptions configures NewRelay.
type RelayOptions struct {
	Routes  map[string]Route // by event kind
	Metrics *Metrics         // nil: not counted
	Logger  *slog.Logger
	Batch   int           // rows per claim; 0 = 100
	Poll    time.Duration // idle wait between claims; 0 = 100 ms
	Lease   time.Duration // how long a claim holds rows; 0 = 30 s
	// MaxBackoff caps the wait after a failed enqueue (Redis down); 0 = 5 s.
	MaxBackoff time.Duration
}

// Relay moves committed outbox rows to the queue. Several relays (one per
// instance) share the table: each claims a batch (SELECT … FOR UPDATE SKIP
// LOCKED on MySQL/MariaDB, the lease columns everywhere), enqueues it and
// marks it sent.
type Relay struct {
	db    *gorm.DB
	enq   Enqueuer
	opts  RelayOptions
	owner string
	wake  chan struct{}
	log   *slog.Logger
}

// NewRelay returns a relay from db to enq.
func NewRelay(db *gorm.DB, enq Enqueuer, o RelayOptions) *Relay {
	if o.Batch <= 0 {
		o.Batch = 100
	}
	if o.Poll <= 0 {
		o.Poll = 100 * time.Millisecond
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return &Relay{db: db, enq: enq, opts: o, owner: hex.EncodeToString(b), wake: make(chan struct{}, 1), log: o.Logger}
}

// Wake makes an idle relay look for rows now instead of at its next poll.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends: a full batch is followed at once by the next,
// an idle relay polls, and a failing enqueue backs off (doubling up to
// MaxBackoff) until Redis answers again.
func (r *Relay) Run(ctx context.Context) {
	var backoff time.Duration
	for {
		n, err := r.RelayOnce(ctx)
		wait := r.opts.Poll
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			backoff = min(max(2*backoff, 100*time.Millisecond), r.opts.MaxBackoff)
			wait = backoff
			r.log.Warn("outbox relay: will retry", "in", wait, "err", err)
		case n == r.opts.Batch:
			backoff, wait = 0, 0
		default:
			backoff = 0
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-r.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// RelayOnce claims one batch, enqueues it and marks what was queued sent.
// It returns how many rows it claimed. Errors: the database's, or the
// first enqueue that failed (the rest of the batch waits for a retry).
func (r *Relay) RelayOnce(ctx context.Context) (int, error) {
	rows, err := r.claim(ctx)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	var sent []int64
	var failed error
	for i, ev := range rows {
		route, ok := r.opts.Routes[ev.Kind]
		if !ok {
			// Nothing subscribes to this kind (yet): it stays recorded.
			r.log.Debug("outbox: no subscriber for event kind; marked sent", "kind", ev.Kind, "id", ev.ID)
			sent = append(sent, ev.ID)
			continue
		}
		t, prio, opts := route(ev)
		if err := r.enq.Enqueue(ctx, t, prio, opts...); err != nil {
			failed = fmt.Errorf("outbox: enqueue event %d (%s): %w", ev.ID, ev.Kind, err)
			r.opts.Metrics.failed()
			r.release(ctx, rows[i:], err)
			break
		}
		r.opts.Metrics.sent(ev.Kind)
		sent = append(sent, ev.ID)
	}
	if len(sent) > 0 {
		now := time.Now().UTC()
		if err := r.db.WithContext(context.WithoutCancel(ctx)).Model(&model.OutboxEvent{}).
			Where("id IN ? AND lease_owner = ?", sent, r.owner).
			Updates(map[string]any{"sent_at": now, "lease_until": nil}).Error; err != nil {
			return len(rows), fmt.Errorf("outbox: mark sent: %w", err)
		}
	}
	return len(rows), failed
}

// claim leases up to Batch unsent rows whose lease is free or expired.
func (r *Relay) claim(ctx context.Context) ([]model.OutboxEvent, error) {
	var rows []model.OutboxEvent
	now := time.Now().UTC()
	err := r.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx.Where("sent_at IS NULL AND (lease_until IS NULL OR lease_until < ?)", now).Order("id").Limit(r.opts.Batch)
		if model.IsMySQL(tx) {
			q = q.Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
		}
		if err := q.Find(&rows).Error; err != nil || len(rows) == 0 {
			return err
		}
		ids := make([]int64, len(rows))
		for i, ev := range rows {
			ids[i] = ev.ID
		}
		// The guard on the lease makes a claim on SQLite (no row locks) safe
		// too: a row another relay leased meanwhile is not taken.
		res := tx.Model(&model.OutboxEvent{}).Where("id IN ? AND sent_at IS NULL AND (lease_until IS NULL OR lease_until < ?)", ids, now).
			Updates(map[string]any{"lease_until": now.Add(r.opts.Lease), "lease_owner": r.owner})
		if res.Error != nil {
			return res.Error
		}
		if int(res.RowsAffected) != len(rows) { // raced (SQLite only): take the next poll
			rows = nil
			return errRaced
		}
		return nil
	})
	if err == errRaced {
		return nil, nil
	}
	return rows, err
}

var errRaced = fmt.Errorf("outbox: claim raced")

// release gives rows back after a failed enqueue, to be tried again after
// a backoff that grows with the row's attempts (1 s, 2 s, … 30 s at most).
func (r *Relay) release(ctx context.Context, rows []model.OutboxEvent, cause error) {
	ids := make([]int64, len(rows))
	for i, ev := range rows {
		ids[i] = ev.ID
	}
	wait := min(time.Duration(1<<min(rows[0].Attempts, 5))*time.Second, 30*time.Second)
	wait = min(wait, r.opts.MaxBackoff)
	msg := cause.Error()
	if len(msg) > 250 {
		msg = msg[:250]
	}
	err := r.db.WithContext(context.WithoutCancel(ctx)).Model(&model.OutboxEvent{}).
		Where("id IN ? AND lease_owner = ?", ids, r.owner).
		Updates(map[string]any{"lease_until": time.Now().UTC().Add(wait), "attempts": gorm.Expr("attempts + 1"), "last_error": msg}).Error
	if err != nil {
		r.log.Warn("outbox: release after failed enqueue", "err", err)
	}
}

// Cleanup deletes rows sent and handled before `before`, in batches, and
// returns how many it deleted. Errors: the database's.
func Cleanup(ctx context.Context, db *gorm.DB, before time.Time) (int64, error) {
	var total int64
	for {
		var ids []int64
		if err := db.WithContext(ctx).Model(&model.OutboxEvent{}).Where("sent_at IS NOT NULL AND sent_at < ?", before.UTC()).
			Order("id").Limit(1000).Pluck("id", &ids).Error; err != nil || len(ids) == 0 {
			return total, err
		}
		res := db.WithContext(ctx).Where("id IN ?", ids).Delete(&model.OutboxEvent{})
		if res.Error != nil {
			return total, res.Error
		}
		total += res.RowsAffected
	}
}
