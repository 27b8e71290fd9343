package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// TypeNotifyGuide sends an app message to one guide or store manager.
const TypeNotifyGuide = "wecom:notify"

// NotifyPayload is one app message. Key names what it is about (e.g.
// "churn:<relation id>"), so it is sent once per key and recipient.
type NotifyPayload struct {
	To        string `json:"to"` // WeCom userid
	Text      string `json:"text"`
	Key       string `json:"key"`
	Deferrals int    `json:"deferrals,omitempty"` // times put off by the per-recipient limit
}

// NewNotifyGuideTask returns the task that sends p. Its TaskID is kept for
// a day after it is done, so a re-run of whatever enqueued it cannot send
// twice. Errors: none in practice (JSON encoding).
func NewNotifyGuideTask(p NotifyPayload) (*asynq.Task, error) {
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	id := fmt.Sprintf("notify:%s:%s:%d", p.Key, p.To, p.Deferrals)
	return asynq.NewTask(TypeNotifyGuide, payload, asynq.TaskID(id),
		asynq.MaxRetry(5), asynq.Timeout(30*time.Second), asynq.Retention(24*time.Hour)), nil
}

func (h *handlers) enqueueNotify(ctx context.Context, p NotifyPayload, opts ...asynq.Option) error {
	t, err := NewNotifyGuideTask(p)
	if err != nil {
		return err
	}
	return h.Queue.Enqueue(ctx, t, QueueDefault, opts...)
}

// notifyGuide handles TypeNotifyGuide. Over the recipient's per-minute
// limit it puts the message off to the next minute rather than let WeCom
// drop it.
func (h *handlers) notifyGuide(ctx context.Context, t *asynq.Task) error {
	var p NotifyPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return BadPayload(t, err)
	}
	ok, wait, err := h.limit.Allow(ctx, p.To)
	if err != nil {
		return fmt.Errorf("app message limit: %w", err)
	}
	if !ok {
		p.Deferrals++
		h.log.Info("app message put off: recipient at the per-minute limit", "to", p.To, "in", wait, "deferrals", p.Deferrals)
		return h.enqueueNotify(ctx, p, asynq.ProcessIn(wait))
	}
	if err := h.WeCom.SendAppText(ctx, []string{p.To}, p.Text); err != nil {
		return WxFailure("send app message", err)
	}
	return nil
}

// AppLimiter caps app messages per recipient and minute, counted in Redis
// and so shared by all workers: WeCom silently drops what is over 30.
type AppLimiter struct {
	Redis     redis.UniversalClient
	Prefix    string           // Redis key prefix
	Now       func() time.Time // nil = time.Now
	PerMinute int              // 0 = 30
}

// AppLimiter returns the app message limiter of d (its Redis, prefix,
// clock and AppMessagesPerMinute).
func (d Deps) AppLimiter() *AppLimiter {
	d = d.withDefaults()
	return &AppLimiter{Redis: d.Redis, Prefix: d.Prefix, Now: d.Now, PerMinute: d.AppMessagesPerMinute}
}

// Allow counts one app message to userID in the current minute and
// reports whether it is within the limit; if not, wait is how long until
// the next minute starts. Errors: Redis's.
func (l *AppLimiter) Allow(ctx context.Context, userID string) (ok bool, wait time.Duration, err error) {
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	per := l.PerMinute
	if per <= 0 {
		per = 30
	}
	minute := now.Truncate(time.Minute)
	key := fmt.Sprintf("%s:appmsg:%s:%d", l.Prefix, userID, minute.Unix())
	n, err := l.Redis.Incr(ctx, key).Result()
	if err != nil {
		return false, 0, err
	}
	if n == 1 {
		l.Redis.Expire(ctx, key, 2*time.Minute)
	}
	if n <= int64(per) {
		return true, 0, nil
	}
	return false, minute.Add(time.Minute).Sub(now) + time.Second, nil
}
