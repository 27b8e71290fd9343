package tasks

import (
	"context"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
)

// OutboxRoutes says which task carries each event kind the relay moves:
// the event tasks the consumers below subscribe to, and the HQ task
// dispatch, whose job keeps its own TaskID so the sweeper can look for it.
// Kinds without a route (coupon.issued) have no subscriber yet; the relay
// marks them sent.
func OutboxRoutes() map[string]outbox.Route {
	routes := map[string]outbox.Route{
		outbox.KindTaskDispatched: func(e model.OutboxEvent) (*asynq.Task, string, []asynq.Option) {
			var p outbox.TaskDispatched
			_ = outbox.Decode([]byte(e.Payload), &p)
			return NewDispatchHQTask(p.TaskID), QueueDefault, DispatchOpts(p.TaskID)
		},
		outbox.KindGuideNotice: guideNoticeRoute,
	}
	for _, kind := range consumedKinds {
		routes[kind] = outbox.EventTask(QueueDefault)
	}
	return routes
}

// guideNoticeRoute carries a guide notice as the app-message job itself;
// its TaskID (from the notice's key) keeps a relay that sends twice from
// messaging twice.
func guideNoticeRoute(e model.OutboxEvent) (*asynq.Task, string, []asynq.Option) {
	var p outbox.GuideNotice
	_ = outbox.Decode([]byte(e.Payload), &p)
	t, _ := NewNotifyGuideTask(NotifyPayload{To: p.To, Key: p.Key, Text: p.Text})
	return t, QueueDefault, nil
}

// consumedKinds are the kinds carried by event tasks to a consumer below.
var consumedKinds = []string{outbox.KindLevelChanged, outbox.KindReferralCredited, outbox.KindMemberMerged, outbox.KindPointsExpiring,
	outbox.KindHandoverStarted}

// NewRelay returns the outbox relay onto q with Siyu's routes.
func NewRelay(db *gorm.DB, q TaskEnqueuer, o outbox.RelayOptions) *outbox.Relay {
	o.Routes = OutboxRoutes()
	return outbox.NewRelay(db, q, o)
}

// registerConsumers subscribes the follow-ups to their events. Sending a
// message is not idempotent, so consumers dedupe by event id (outbox.Once);
// the handled mark also tells the sweeper which events were consumed.
func (d Deps) registerConsumers(mux *asynq.ServeMux) {
	if d.Loyalty == nil {
		return
	}
	once := func(h outbox.Handler) asynq.HandlerFunc {
		if d.DB == nil { // tests without a database: the TaskID still dedupes
			return func(ctx context.Context, t *asynq.Task) error { return h(ctx, t.Payload()) }
		}
		return outbox.Once(d.DB, h)
	}
	mux.HandleFunc(outbox.TaskType(outbox.KindLevelChanged), once(d.onLevelChanged))
	mux.HandleFunc(outbox.TaskType(outbox.KindReferralCredited), once(d.onReferralCredited))
	mux.HandleFunc(outbox.TaskType(outbox.KindPointsExpiring), once(d.onPointsExpiring))
	mux.HandleFunc(outbox.TaskType(outbox.KindMemberMerged), once(d.onMemberMerged))
}

// onLevelChanged sends the level-up notice: the one place its text is
// written. Downgrades (the review) are not announced.
func (d Deps) onLevelChanged(ctx context.Context, payload []byte) error {
	var p outbox.LevelChanged
	if err := outbox.Decode(payload, &p); err != nil || !p.Upgrade {
		return err
	}
	if d.Messenger == nil {
		return ErrNoMessenger
	}
	text, err := d.levelUpText(ctx, p.ChangeID)
	if err != nil {
		return err
	}
	_, err = sendToMember(ctx, d.Messenger, d.Members, p.MemberID, text)
	return err
}

// onReferralCredited tells the inviter about the points a follow earned.
func (d Deps) onReferralCredited(ctx context.Context, payload []byte) error {
	var p outbox.Credit
	if err := outbox.Decode(payload, &p); err != nil {
		return err
	}
	if d.Messenger == nil {
		return ErrNoMessenger
	}
	text, err := d.creditText(ctx, NoticePayload{Kind: NoticeReferral, MemberID: p.MemberID, RefID: p.EntryID})
	if err != nil {
		return err
	}
	_, err = sendToMember(ctx, d.Messenger, d.Members, p.MemberID, text)
	return err
}

// onPointsExpiring sends an expiry reminder (once: the reminder row says
// whether it went out).
func (d Deps) onPointsExpiring(ctx context.Context, payload []byte) error {
	var p outbox.Reminder
	if err := outbox.Decode(payload, &p); err != nil {
		return err
	}
	if d.Messenger == nil {
		return ErrNoMessenger
	}
	return d.sendExpiryReminder(ctx, NoticePayload{Kind: NoticeExpiry, MemberID: p.MemberID, RefID: p.ReminderID})
}

// onMemberMerged re-evaluates the survivor's level: the other side's growth
// may lift it (and that level change is an event of its own).
func (d Deps) onMemberMerged(ctx context.Context, payload []byte) error {
	var p outbox.Merged
	if err := outbox.Decode(payload, &p); err != nil {
		return err
	}
	_, err := d.Loyalty.ReevaluateLevel(ctx, p.SurvivorID)
	return SkipMissing(err)
}
