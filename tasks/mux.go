package tasks

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/siyu/siyu/guides"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/tagging"
	"github.com/siyu/siyu/wx"
)

// Deps are what task handlers need.
type Deps struct {
	Loyalty *loyalty.Service
	Tagging *tagging.Service
	Members *members.Service
	Guides  *guides.Service
	// Segments recomputes segments and their tags.
	Segments *segments.Service
	WeCom    wx.WeCom           // outbound WeCom calls; unconfigured ones return wx.ErrNotConfigured
	OA       wx.OfficialAccount // outbound Official Account calls
	// Messenger sends Official Account messages to members; nil fails
	// message tasks (they are retried) rather than pretending to send.
	Messenger OAMessenger
	Queue     TaskEnqueuer // for follow-up tasks (notices, the jobs a tick starts)
	Redis     redis.UniversalClient
	Prefix    string // Redis key prefix
	Logger    *slog.Logger
	Now       func() time.Time // nil = time.Now
	// Location is the business time zone, also for times in messages to
	// guides; nil = Asia/Shanghai.
	Location *time.Location
	// SegmentRules are the rules of the segment recompute (zero: defaults).
	SegmentRules segments.SegmentRules
	// AppMessagesPerMinute caps app messages to one guide per minute (WeCom
	// drops what is over 30, silently); 0 = 30.
	AppMessagesPerMinute int
	// HQ says the HQ task jobs are handled too (hqtasks.Register on the
	// same mux), so the schedule tick is registered for their reminders
	// even without the loyalty engine.
	HQ bool
	// DB lets outbox consumers dedupe by event id; nil dedupes by TaskID only.
	DB *gorm.DB
}

// handlers are the task handlers over Deps.
type handlers struct {
	Deps
	log   *slog.Logger
	limit *AppLimiter
}

// NewMux registers the task handlers of this package in one place; the HQ
// task jobs are added to the same mux by hqtasks.Register.
func NewMux(d Deps) *asynq.ServeMux {
	d = d.withDefaults()
	h := &handlers{Deps: d, log: d.Logger, limit: d.AppLimiter()}
	mux := asynq.NewServeMux()
	mux.HandleFunc(TypeWeComEvent, h.wecomEvent)
	mux.HandleFunc(TypeSendWelcome, h.sendWelcome)
	mux.HandleFunc(TypeMirrorTags, h.mirrorTags)
	mux.HandleFunc(TypeNotifyGuide, h.notifyGuide)
	mux.HandleFunc(TypeResolveOAUnionID, h.resolveOAUnionID)
	mux.HandleFunc(TypeRecomputeSegments, h.handleRecomputeSegments)
	mux.HandleFunc(TypeSyncSegmentTags, h.syncSegmentTags)
	if d.Loyalty != nil || d.HQ {
		mux.HandleFunc(TypeScheduleTick, d.handleTick)
	}
	if d.Loyalty != nil {
		mux.HandleFunc(TypeMemberNotice, d.handleNotice)
		mux.HandleFunc(TypeExpirePoints, d.handleExpirePoints)
		mux.HandleFunc(TypeBirthdayBonus, d.handleBirthdayBonus)
		mux.HandleFunc(TypeLevelReview, d.handleLevelReview)
		mux.HandleFunc(TypeLevelCoupons, d.handleLevelCoupons)
	}
	d.registerConsumers(mux)
	return mux
}

// withDefaults fills in the zero fields that have defaults.
func (d Deps) withDefaults() Deps {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Location == nil {
		d.Location, _ = time.LoadLocation("Asia/Shanghai")
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.AppMessagesPerMinute <= 0 {
		d.AppMessagesPerMinute = 30
	}
	return d
}

// notices queues member notices through the Deps' queue.
func (d Deps) notices() Notices { return Notices{Enq: d.Queue} }

// WxFailure classifies a failed outbound call for asynq: retryable platform
// and network errors are returned for a retry (see RetryDelay); anything
// else, including a platform that is not configured, skips the retries.
func WxFailure(op string, err error) error {
	switch {
	case errors.Is(err, wx.ErrNotConfigured):
		return fmt.Errorf("%s: %w (WeCom needs SIYU_WECOM_CORPID and SIYU_WECOM_CONTACT_SECRET, app messages SIYU_WECOM_AGENT_ID and SIYU_WECOM_AGENT_SECRET, the Official Account SIYU_WECHAT_APPID and SIYU_WECHAT_SECRET): %w", op, err, asynq.SkipRetry)
	case wx.Retryable(err):
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s: %w: %w", op, err, asynq.SkipRetry)
}

// BadPayload is the failure for a payload that does not decode: retrying
// cannot help.
func BadPayload(t *asynq.Task, err error) error {
	return fmt.Errorf("%s: bad payload: %v: %w", t.Type(), err, asynq.SkipRetry)
}

// SkipMissing turns ENOTFOUND into nil: a row deleted under a queued job
// leaves the job nothing to do. Other errors are returned as they are.
func SkipMissing(err error) error {
	if model.ErrorCode(err) == model.ENOTFOUND {
		return nil
	}
	return err
}
