// Package stockgate keeps a Redis counter per reward in front of the
// points mall's stock, so that a flash sale's many attempts that find no
// stock are refused by one Redis round trip instead of a database
// transaction.
//
// The database stays the only truth: a redemption still takes its stock by
// a guarded update (stock > 0) inside its transaction. The gate only
// decides who may try. Its invariant is "gate ≥ database stock − stock held
// by reservations whose transaction has not finished", kept by:
//
//   - Reserve: DECR when the counter is above zero (one Lua script, so it
//     never goes negative); a missing counter (Redis flushed, expired, never
//     loaded) is loaded from the database first.
//   - Release: INCR when the transaction failed or refused for a reason
//     other than stock; only when the counter exists (a counter loaded
//     since then already counts that unit).
//   - Reconcile: SET from the database, at start, periodically and after
//     the database refused for stock or a restock. A SET can only count
//     too much (a reservation in flight is counted again), never too
//     little, and too much only lets a few attempts through to the
//     database's guarded update, which refuses them.
//
// What can make the gate count too little is a reservation that never
// returns: a process killed between Reserve and commit. Reconcile (at the
// next start, or by the periodic run of any instance) gives it back.
package stockgate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// TTL bounds how long a counter lives without a reconcile; an expired
// counter is simply loaded again from the database.
const TTL = time.Hour

// reserve: 1.. reserved (the count left), 0 sold out, -2 not loaded.
var reserveScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then return -2 end
if tonumber(v) <= 0 then return -1 end
return redis.call('DECR', KEYS[1])`)

// release: INCR only a counter that exists.
var releaseScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCR', KEYS[1]) end
return -2`)

// Gate is the stock gate of every reward in one database, shared by all
// instances through Redis. The zero value is not usable; use New.
type Gate struct {
	rdb    redis.UniversalClient
	db     *gorm.DB
	prefix string
	log    *slog.Logger
}

// New returns a gate whose counters live in rdb under prefix and are
// loaded from db. log may be nil.
func New(rdb redis.UniversalClient, db *gorm.DB, prefix string, log *slog.Logger) *Gate {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Gate{rdb: rdb, db: db, prefix: prefix, log: log}
}

func (g *Gate) key(rewardID int64) string {
	return g.prefix + ":stockgate:" + strconv.FormatInt(rewardID, 10)
}

// Reserve takes one unit of the reward's gate. It returns false when the
// gate is at zero: the reward is sold out (as far as the gate knows) and
// the attempt must be refused without touching the database. An error
// (Redis or the database unreachable) means the gate cannot decide: the
// caller goes on without a reservation and lets the database decide.
func (g *Gate) Reserve(ctx context.Context, rewardID int64) (bool, error) {
	for range 2 {
		n, err := reserveScript.Run(ctx, g.rdb, []string{g.key(rewardID)}).Int64()
		if err != nil {
			return false, err
		}
		if n != -2 {
			return n >= 0, nil
		}
		if err := g.load(ctx, rewardID, false); err != nil {
			return false, err
		}
	}
	return false, fmt.Errorf("stockgate: reward %d: counter vanished while loading", rewardID)
}

// Release gives back a unit taken by Reserve whose transaction did not
// take the stock (it failed, or refused for points, level or limit).
// Errors are logged only: a lost release makes the gate count too little
// until the next reconcile, never oversells.
func (g *Gate) Release(ctx context.Context, rewardID int64) {
	if err := releaseScript.Run(context.WithoutCancel(ctx), g.rdb, []string{g.key(rewardID)}).Err(); err != nil {
		g.log.Warn("stock gate: release failed; the next reconcile restores it", "reward", rewardID, "err", err)
	}
}

// Reconcile sets the reward's gate to its database stock. Call it after
// the database refused a reserved attempt for stock, and after a restock.
// Errors: Redis's or the database's.
func (g *Gate) Reconcile(ctx context.Context, rewardID int64) error {
	return g.load(ctx, rewardID, true)
}

// load reads the stock and writes the counter: always (overwrite) or only
// when it is missing.
func (g *Gate) load(ctx context.Context, rewardID int64, overwrite bool) error {
	var stock []int64
	if err := g.db.WithContext(ctx).Model(&model.Reward{}).Where("id = ?", rewardID).Pluck("stock", &stock).Error; err != nil {
		return err
	}
	if len(stock) == 0 {
		stock = []int64{0} // no such reward: the transaction reports it
	}
	if overwrite {
		return g.rdb.Set(ctx, g.key(rewardID), stock[0], TTL).Err()
	}
	return g.rdb.SetNX(ctx, g.key(rewardID), stock[0], TTL).Err()
}

// ReconcileAll sets the gate of every active reward to its database stock;
// it runs at start and periodically (Run). It returns how many counters it
// set. Errors: Redis's or the database's.
func (g *Gate) ReconcileAll(ctx context.Context) (int, error) {
	var rows []model.Reward
	if err := g.db.WithContext(ctx).Select("id, stock").Where("active = ?", true).Find(&rows).Error; err != nil {
		return 0, err
	}
	pipe := g.rdb.Pipeline()
	for _, r := range rows {
		pipe.Set(ctx, g.key(r.ID), r.Stock, TTL)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	_, err := pipe.Exec(ctx)
	return len(rows), err
}

// Count returns the gate's counter for the reward and whether it is
// loaded; for tests and operators.
// Errors: Redis's.
func (g *Gate) Count(ctx context.Context, rewardID int64) (int64, bool, error) {
	n, err := g.rdb.Get(ctx, g.key(rewardID)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, false, nil
	}
	return n, err == nil, err
}

// Run reconciles every active reward now and then every interval until ctx
// ends. Failures are logged and retried at the next tick.
func (g *Gate) Run(ctx context.Context, interval time.Duration) {
	if _, err := g.ReconcileAll(ctx); err != nil && ctx.Err() == nil {
		g.log.Warn("stock gate: reconcile at start failed", "err", err)
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := g.ReconcileAll(ctx); err != nil && ctx.Err() == nil {
				g.log.Warn("stock gate: periodic reconcile failed", "err", err)
			}
		}
	}
}
