package handler

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// limiter counts events per key in fixed windows in Redis, so every
// instance shares the count. A Redis failure allows the event: limits
// protect against abuse, they must not take the service down.
type limiter struct {
	rdb    redis.UniversalClient
	prefix string
}

func newLimiter(rdb redis.UniversalClient, prefix string) *limiter {
	return &limiter{rdb: rdb, prefix: prefix + ":limit:"}
}

// Abuse limits on work members trigger through the Official Account.
var (
	limitCommands = limit{"command", 20, time.Minute}   // messages and menu clicks per member
	limitFollow   = limit{"follow", 6, time.Hour}       // follow/unfollow events per member
	limitUnionID  = limit{"unionid", 3, 24 * time.Hour} // unionid look-ups per member
)

// limit is at most max events per window.
type limit struct {
	kind   string
	max    int64
	window time.Duration
}

// allow counts one event of l for id and reports whether it is within the
// limit.
func (lm *limiter) allow(ctx context.Context, l limit, id string) bool {
	k := lm.prefix + l.kind + ":" + id
	pipe := lm.rdb.TxPipeline()
	n := pipe.Incr(ctx, k)
	pipe.ExpireNX(ctx, k, l.window)
	if _, err := pipe.Exec(ctx); err != nil {
		return true
	}
	return n.Val() <= l.max
}
