package tasks

import (
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/tagging"
)

// Deps are what task handlers need. Later features add their services.
type Deps struct {
	Loyalty *loyalty.Service
	Tagging *tagging.Service
	// Enqueuer queues follow-up tasks (notices, the jobs a tick starts).
	Enqueuer TaskEnqueuer
	// Messenger sends Official Account messages; nil until the wx client is
	// wired, and message tasks fail (and are retried) meanwhile.
	Messenger OAMessenger
	Location  *time.Location
	Now       func() time.Time
	Logger    *slog.Logger
}

// NewMux registers every task handler in one place.
func NewMux(d Deps) *asynq.ServeMux {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Location == nil {
		d.Location = time.UTC
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	mux := asynq.NewServeMux()
	if d.Loyalty != nil {
		mux.HandleFunc(TypeScheduleTick, d.handleTick)
		mux.HandleFunc(TypeMemberNotice, d.handleNotice)
		mux.HandleFunc(TypeExpirePoints, d.handleExpirePoints)
		mux.HandleFunc(TypeBirthdayBonus, d.handleBirthdayBonus)
		mux.HandleFunc(TypeLevelReview, d.handleLevelReview)
		mux.HandleFunc(TypeLevelCoupons, d.handleLevelCoupons)
	}
	return mux
}

// notices queues member notices through the Deps' enqueuer.
func (d Deps) notices() Notices { return Notices{Enq: d.Enqueuer} }
