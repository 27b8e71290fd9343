// Package store is the one way Siyu writes to its database: it opens
// transactions (with SQLite's in-process write lock and MySQL's READ
// COMMITTED isolation and retry after a deadlock or lock wait), locks a
// member row, makes a read a locking one, and translates gorm's not-found
// into the domain error. Every service gets the same *Store for one
// database, so SQLite's writers of all services queue on one lock.
package store

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
)

// Store opens the transactions of every service over one database.
type Store struct {
	db    *gorm.DB
	mysql bool
	// writers queues this process's SQLite write transactions: SQLite runs
	// one writer at a time, and under load its busy handler's polling lets
	// a waiter starve past the busy timeout, while the mutex hands the lock
	// on in order. MySQL does not need it.
	writers sync.Mutex
}

// New returns the Store over db. Create one per database (cmd/siyu does)
// and hand it to every service.
func New(db *gorm.DB) *Store {
	return &Store{db: db, mysql: model.IsMySQL(db)}
}

// DB returns the database, for reads outside a transaction.
func (s *Store) DB() *gorm.DB { return s.db }

// MySQL reports whether the database is MySQL (else SQLite).
func (s *Store) MySQL() bool { return s.mysql }

// txAttempts bounds how often a transaction that lost a race is run again.
const txAttempts = 6

// Retry decides whether a transaction that failed with err may simply run
// again from the start.
type Retry func(err error) bool

// ErrRaced means a transaction lost a race to a concurrent one (it found a
// row created or changed under it) and should run again from the start,
// when it will see the winner's row.
var ErrRaced = errors.New("raced a concurrent transaction")

// OnConflict retries a MySQL deadlock or lock wait timeout and ErrRaced:
// the rule for transactions whose every change is a guarded update or a
// unique insert handled inside fn. It does not retry a duplicate key nor a
// merged member (the caller decides what those mean).
func OnConflict(err error) bool {
	return errors.Is(err, ErrRaced) || model.IsTxConflict(err)
}

// OnRace retries what OnConflict does and also a duplicate key and a member
// merged away meanwhile: the rule for transactions that find or create
// rows by natural keys (identities, tags, guides) and resolve members
// through their identities, so running again finds the row the winner
// created or the survivor of the merge.
func OnRace(err error) bool {
	return OnConflict(err) || model.IsDuplicate(err) || errors.Is(err, model.ErrMemberMerged)
}

// Tx runs fn in a transaction, running it again when OnConflict says so;
// fn must be safe to repeat from the start. Errors: fn's, the database's,
// or ctx's while waiting to run again.
func (s *Store) Tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.TxRetry(ctx, OnConflict, fn)
}

// TxRetry is Tx with the given retry rule. On MySQL the transaction reads
// committed data, so locking reads lock the rows they return and no gaps,
// and a read after waiting for a row lock sees what the winner wrote. On
// SQLite, whose transactions are immediate and never interleave, the
// process's writers queue on one mutex. fn must not open another
// transaction on the same Store (SQLite would wait for itself).
func (s *Store) TxRetry(ctx context.Context, retry Retry, fn func(tx *gorm.DB) error) error {
	var opts []*sql.TxOptions
	if s.mysql {
		opts = append(opts, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	} else {
		s.writers.Lock()
		defer s.writers.Unlock()
	}
	run := fn
	if a := model.TxAuditFrom(ctx); a != nil { // an HQ request's audit entry commits with its change
		// First, not last: the entry's INSERT then runs before fn locks its
		// rows, so a hot row fn updates last (a reward's stock) stays locked
		// only until the commit. A change that fails rolls the entry back.
		run = func(tx *gorm.DB) error {
			if err := a.AuditTx(tx); err != nil {
				return err
			}
			return fn(tx)
		}
	}
	var err error
	for attempt := range txAttempts {
		err = s.db.WithContext(ctx).Transaction(run, opts...)
		if err == nil || !retry(err) || attempt == txAttempts-1 {
			return err
		}
		wait := time.Duration(attempt+1)*5*time.Millisecond + rand.N(10*time.Millisecond)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
	}
	return err
}

// ForUpdate makes q a locking read on MySQL (SELECT … FOR UPDATE); SQLite's
// immediate transactions already hold the write lock.
func ForUpdate(q *gorm.DB) *gorm.DB {
	if model.IsMySQL(q) {
		return q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q
}

// LockMember locks the member's row for the rest of tx and returns it: the
// first step of every transaction that changes a member, so concurrent ones
// queue per member instead of deadlocking.
//
// Merges are followed one way only: by the caller, never here. A member
// merged away after the caller looked it up is refused with
// model.ErrMemberMerged (a conflict): writing to it would strand the change
// on a retired row. Callers that resolve the member through its identities
// run with OnRace and so start again and find the survivor; callers given
// a member id (loyalty) report the conflict. Errors: ErrMemberNotFound,
// ErrMemberMerged, the database's.
func LockMember(tx *gorm.DB, id int64) (model.Member, error) {
	var m model.Member
	err := ForUpdate(tx).Where("id = ?", id).Take(&m).Error
	if err != nil {
		return m, NotFound(err, model.ErrMemberNotFound)
	}
	if m.MergedInto != nil {
		return m, model.Detail(model.ErrMemberMerged, "member %d was merged into %d; retry", id, *m.MergedInto)
	}
	return m, nil
}

// NotFound returns notFound when err is gorm's record-not-found and err
// otherwise (nil stays nil): the one place a missing row becomes the
// domain's error.
func NotFound(err error, notFound error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return notFound
	}
	return err
}

// Found reports whether err is nil, false when it is gorm's
// record-not-found, and err for any other error: for lookups where a
// missing row is an answer rather than an error.
func Found(err error) (bool, error) {
	if err == nil {
		return true, nil
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return false, nil
	}
	return false, err
}

// FindMember returns the member, following merges to the survivor: the
// member a caller holding an old id means. Errors: ErrMemberNotFound, the
// database's.
func FindMember(db *gorm.DB, id int64) (model.Member, error) {
	var m model.Member
	for range 3 {
		m = model.Member{} // Take adds a set primary key to its conditions
		if err := db.Take(&m, id).Error; err != nil {
			return m, NotFound(err, model.ErrMemberNotFound)
		}
		if m.MergedInto == nil {
			break
		}
		id = *m.MergedInto
	}
	return m, nil
}
