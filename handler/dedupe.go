package handler

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// ReplyCache remembers, per delivery, that it is being handled and then the
// reply it got, so a platform retry gets the same reply instead of doing the
// work twice. The mark is set only while the first attempt runs and replaced
// by the reply after the effect commits; a failed attempt clears it, so its
// retry is handled afresh. The database's idempotency keys stay the final
// guard when Redis is unavailable.
type ReplyCache struct {
	rdb    redis.UniversalClient
	prefix string
	// PendingTTL bounds how long a crashed attempt can block its retries.
	PendingTTL time.Duration
	// ReplyTTL is how long a reply is kept for retries (WeChat retries
	// within about 15 s).
	ReplyTTL time.Duration
	// Wait is how long a concurrent retry waits for the first attempt's reply.
	Wait time.Duration
}

// NewReplyCache returns a ReplyCache on rdb with keys under prefix.
func NewReplyCache(rdb redis.UniversalClient, prefix string) *ReplyCache {
	return &ReplyCache{rdb: rdb, prefix: prefix + ":dedupe:", PendingTTL: 30 * time.Second, ReplyTTL: time.Hour, Wait: 3 * time.Second}
}

const pendingMark = "\x00pending"

// Claim outcomes.
const (
	claimFirst  = iota // handle it, then Finish or Abort
	claimReplay        // a reply exists: send it
	claimBusy          // another attempt is still running after Wait
)

// claim tries to become the attempt that handles key. For claimReplay it
// returns the stored reply. An error means Redis failed; the caller handles
// the delivery anyway.
func (rc *ReplyCache) claim(ctx context.Context, key string) (int, string, error) {
	k := rc.prefix + key
	deadline := time.Now().Add(rc.Wait)
	for {
		ok, err := rc.rdb.SetNX(ctx, k, pendingMark, rc.PendingTTL).Result()
		if err != nil {
			return claimFirst, "", err
		}
		if ok {
			return claimFirst, "", nil
		}
		v, err := rc.rdb.Get(ctx, k).Result()
		switch {
		case errors.Is(err, redis.Nil):
			continue // the first attempt failed and cleared its mark: try again
		case err != nil:
			return claimFirst, "", err
		case v != pendingMark:
			return claimReplay, v, nil
		}
		if time.Now().After(deadline) {
			return claimBusy, "", nil
		}
		select {
		case <-ctx.Done():
			return claimBusy, "", ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// finish stores the reply of a handled delivery.
func (rc *ReplyCache) finish(ctx context.Context, key, reply string) error {
	return rc.rdb.Set(ctx, rc.prefix+key, reply, rc.ReplyTTL).Err()
}

// abort clears the mark of a failed attempt so its retry is handled again.
func (rc *ReplyCache) abort(ctx context.Context, key string) error {
	return rc.rdb.Del(ctx, rc.prefix+key).Err()
}
