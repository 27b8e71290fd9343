package tagging

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
)

// txAttempts bounds how often a transaction that lost a race is run again.
const txAttempts = 6

// tx runs fn in a transaction and runs it again when it lost a race to a
// concurrent one: a row created first elsewhere (errRaced, a duplicate key)
// or a MySQL deadlock. On MySQL the transaction reads committed data, so a
// read after waiting for a row lock sees what the winner wrote; on SQLite
// transactions are immediate and never interleave.
func (s *Service) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var opts []*sql.TxOptions
	if model.IsMySQL(s.db) {
		opts = append(opts, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	}
	var err error
	for attempt := range txAttempts {
		err = s.db.WithContext(ctx).Transaction(fn, opts...)
		if !retryableTx(err) {
			return err
		}
		wait := time.Duration(attempt+1)*5*time.Millisecond + rand.N(10*time.Millisecond)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
	}
	return err
}

func retryableTx(err error) bool {
	return errors.Is(err, errRaced) || model.IsDuplicate(err) || model.IsTxConflict(err)
}

// forUpdate makes q a locking read on MySQL (SELECT … FOR UPDATE); SQLite's
// immediate transactions already hold the write lock.
func forUpdate(q *gorm.DB) *gorm.DB {
	if model.IsMySQL(q) {
		return q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return q
}

// lockMember locks the member row for the rest of tx and returns it. A
// member merged away meanwhile is errRaced: the caller's transaction starts
// again and finds the survivor through the moved identities.
func lockMember(tx *gorm.DB, id int64) (model.Member, error) {
	var m model.Member
	if err := forUpdate(tx).Take(&m, id).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return m, model.ErrMemberNotFound
		}
		return m, err
	}
	if m.MergedInto != nil {
		return m, errRaced
	}
	return m, nil
}

// findOrCreateLocked is findOrCreate followed by lockMember.
func findOrCreateLocked(tx *gorm.DB, platform, appID, externalID string) (model.Member, bool, error) {
	m, created, err := findOrCreate(tx, platform, appID, externalID)
	if err != nil {
		return m, created, err
	}
	m, err = lockMember(tx, m.ID)
	return m, created, err
}
