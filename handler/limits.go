package handler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"

	"github.com/siyu/siyu/bot"
	"github.com/siyu/siyu/model"
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
	ctx, cancel := context.WithTimeout(ctx, bestEffortRedis)
	defer cancel()
	k := lm.prefix + l.kind + ":" + id
	pipe := lm.rdb.Pipeline()
	n := pipe.Incr(ctx, k)
	pipe.ExpireNX(ctx, k, l.window)
	if _, err := pipe.Exec(ctx); err != nil {
		return true
	}
	return n.Val() <= l.max
}

// politeLimited is the reply to a member over a limit.
const politeLimited = "操作太频繁了，请稍后再试～"

// overLimit counts a member's message or follow event against its limit;
// over it, the bot is not run and the member gets a polite reply (none for
// an unfollow, which cannot be answered).
func (s *Server) overLimit(c *gin.Context, msg bot.Message) (string, bool) {
	l := limitCommands
	if msg.MsgType == "event" {
		switch strings.ToLower(msg.Event) {
		case "subscribe", "unsubscribe":
			l = limitFollow
		}
	}
	if s.limits.allow(c.Request.Context(), l, msg.AppID+":"+msg.OpenID) {
		return "", false
	}
	s.metrics.Limited.WithLabelValues(l.kind).Inc()
	logger(c).Info("member over a limit; bot not run", "limit", l.kind, "openid", model.LogID(msg.OpenID))
	if strings.EqualFold(msg.Event, "unsubscribe") {
		return "", true
	}
	return politeLimited, true
}

// newTaskKey returns a random key for a queue task id made by a request.
func newTaskKey() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
