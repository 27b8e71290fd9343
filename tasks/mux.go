package tasks

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/siyu/siyu/tagging"
	"github.com/siyu/siyu/wx"
)

// TaskQueue enqueues follow-up tasks; *Enqueuer implements it.
type TaskQueue interface {
	Enqueue(ctx context.Context, t *asynq.Task, priority string, opts ...asynq.Option) error
}

// Deps are what task handlers need. Later features add their services.
type Deps struct {
	Tagging *tagging.Service
	WeCom   wx.WeCom           // outbound WeCom calls; unconfigured ones return wx.ErrNotConfigured
	OA      wx.OfficialAccount // outbound Official Account calls
	Queue   TaskQueue          // for follow-up tasks
	Redis   redis.UniversalClient
	Prefix  string // Redis key prefix
	Logger  *slog.Logger
	Now     func() time.Time // nil = time.Now
	// Location formats times in messages to guides; nil = Asia/Shanghai.
	Location *time.Location
	// AppMessagesPerMinute caps app messages to one guide per minute (WeCom
	// drops what is over 30, silently); 0 = 30.
	AppMessagesPerMinute int
}

// handlers are the task handlers over Deps.
type handlers struct {
	Deps
	log *slog.Logger
}

// NewMux registers every task handler in one place.
func NewMux(d Deps) *asynq.ServeMux {
	h := &handlers{Deps: d, log: d.Logger}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.Now == nil {
		h.Now = time.Now
	}
	if h.Location == nil {
		h.Location, _ = time.LoadLocation("Asia/Shanghai")
	}
	if h.AppMessagesPerMinute <= 0 {
		h.AppMessagesPerMinute = 30
	}
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeWeComEvent, h.weComEvent)
	mux.HandleFunc(TypeSendWelcome, h.sendWelcome)
	mux.HandleFunc(TypeMirrorTags, h.mirrorTags)
	mux.HandleFunc(TypeNotifyGuide, h.notifyGuide)
	mux.HandleFunc(TypeResolveOAUnionID, h.resolveOAUnionID)
	return mux
}

// wxFailure classifies a failed outbound call for asynq: retryable platform
// and network errors are returned for a retry (see RetryDelay); anything
// else, including a platform that is not configured, skips the retries.
func wxFailure(op string, err error) error {
	switch {
	case errors.Is(err, wx.ErrNotConfigured):
		return fmt.Errorf("%s: %w (WeCom needs SIYU_WECOM_CORPID and SIYU_WECOM_CONTACT_SECRET, app messages SIYU_WECOM_AGENT_ID and SIYU_WECOM_AGENT_SECRET, the Official Account SIYU_WECHAT_APPID and SIYU_WECHAT_SECRET): %w", op, err, asynq.SkipRetry)
	case wx.Retryable(err):
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s: %w: %w", op, err, asynq.SkipRetry)
}

// badPayload is the failure for a payload that does not decode: retrying
// cannot help.
func badPayload(t *asynq.Task, err error) error {
	return fmt.Errorf("%s: bad payload: %v: %w", t.Type(), err, asynq.SkipRetry)
}
