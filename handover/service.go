// Package handover hands a guide's customers to other guides when the guide
// leaves (离职继承) or changes post (在职继承): it marks guides departed,
// plans who takes whom (one guide, or spread over the store by load), asks
// WeCom to transfer them through the queue, polls the results, and on
// WeCom's confirmation moves the relation, the bound guide, the store and
// the open HQ-task items. Points, tags, coupons and history stay with the
// member; a refused transfer leaves everything where it was.
package handover

import (
	"context"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/wx"
)

// Enqueuer queues the poll jobs (tasks.Enqueuer implements it).
type Enqueuer interface {
	Enqueue(ctx context.Context, t *asynq.Task, priority string, opts ...asynq.Option) error
}

// Options configures New.
type Options struct {
	// KeepStore keeps a member's store when the new guide's differs (by
	// default the store follows the new guide).
	KeepStore bool
	// PollEvery is the wait between transfer_result polls; 0 = 10 min.
	PollEvery time.Duration
	// MaxRounds bounds the polls (WeCom takes over after 24 h); 0 = 160.
	MaxRounds int
	Now       func() time.Time
	Logger    *slog.Logger
}

// Service is the handover domain. Safe for concurrent use.
type Service struct {
	st  *store.Store
	db  *gorm.DB
	wc  wx.WeComTransfer
	q   Enqueuer
	opt Options
}

// New returns the handover service over st, calling WeCom through wc and
// queueing polls on q.
func New(st *store.Store, wc wx.WeComTransfer, q Enqueuer, o Options) *Service {
	if o.PollEvery <= 0 {
		o.PollEvery = 10 * time.Minute
	}
	if o.MaxRounds <= 0 {
		o.MaxRounds = 160
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{st: st, db: st.DB(), wc: wc, q: q, opt: o}
}

// Limits WeCom sets on transfers, counted before calling it.
const (
	// OnJobTransfersPer90Days is how often one customer may be handed over
	// while the guide is employed (在职继承), within 90 days.
	OnJobTransfersPer90Days = 2
	// MaxMessage is the longest transfer_success_msg WeCom takes.
	MaxMessage = 200
)

// Depart marks the guide departed (source model.DepartByHQ or
// model.DepartByEvent) once; a second call returns the first mark. Errors:
// EINVALID for an empty userid, ErrGuideNotFound when HQ departs an unknown
// guide, the database's.
func (s *Service) Depart(ctx context.Context, userID, source string) (model.GuideDeparture, error) {
	if userID == "" {
		return model.GuideDeparture{}, model.Errorf(model.EINVALID, "导购 userid 不能为空")
	}
	var d model.GuideDeparture
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		var g model.Guide
		err := tx.Where("user_id = ?", userID).Take(&g).Error
		if found, ferr := store.Found(err); ferr != nil {
			return ferr
		} else if !found && source == model.DepartByHQ {
			return model.ErrGuideNotFound
		}
		d = model.GuideDeparture{GuideUserID: userID, StoreCode: g.StoreCode, Source: source, DepartedAt: s.opt.Now().UTC()}
		return tx.Where("guide_user_id = ?", userID).Attrs(d).FirstOrCreate(&d).Error
	})
	return d, err
}

// GuideDeparted marks a guide deleted from the WeCom address book departed;
// the tasks package calls it for change_contact/delete_user.
func (s *Service) GuideDeparted(ctx context.Context, userID string) error {
	_, err := s.Depart(ctx, userID, model.DepartByEvent)
	return err
}

// departed reports whether the guide is marked departed.
func departed(tx *gorm.DB, userID string) (bool, error) {
	var n int64
	err := tx.Model(&model.GuideDeparture{}).Where("guide_user_id = ?", userID).Count(&n).Error
	return n > 0, err
}

// Unassigned lists the customers WeCom holds as unassigned (their member
// left). Errors: wx's.
func (s *Service) Unassigned(ctx context.Context) ([]wx.Unassigned, error) {
	return s.wc.UnassignedCustomers(ctx)
}
