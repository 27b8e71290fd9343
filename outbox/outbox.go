// Package outbox writes domain events in the transaction of the change they
// report, and relays them to the queue once committed: a crash between the
// commit and the enqueue loses nothing, and a relay that sends twice is
// harmless (the task id comes from the row id).
package outbox

import (
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// Event kinds. Payloads carry ids only; consumers read the rows.
const (
	// KindLevelChanged: a member's level changed (LevelChanged).
	KindLevelChanged = "level.changed"
	// KindReferralCredited: an inviter was credited for a follow (Credit).
	KindReferralCredited = "points.referral_credited"
	// KindMemberMerged: two members were merged by unionid (Merged).
	KindMemberMerged = "member.merged"
	// KindCouponIssued: a coupon was issued to a member (CouponIssued).
	KindCouponIssued = "coupon.issued"
	// KindPointsExpiring: an expiry reminder was recorded (Reminder).
	KindPointsExpiring = "points.expiring"
	// KindTaskDispatched: HQ dispatched (or re-dispatched) a task (TaskDispatched).
	KindTaskDispatched = "hq_task.dispatched"
	// KindHandoverStarted: HQ planned a handover of a guide's customers
	// (HandoverStarted); the consumer asks WeCom to transfer them.
	KindHandoverStarted = "handover.started"
	// KindGuideNotice: an app message to a guide decided by a change (HQ's
	// reply to their feedback), sent once per key (GuideNotice).
	KindGuideNotice = "guide.notice"
)

// GuideNotice is the payload of KindGuideNotice: the message itself, since
// the row that caused it may change again before the relay runs.
type GuideNotice struct {
	To   string `json:"to"`
	Key  string `json:"key"`
	Text string `json:"text"`
}

// HandoverStarted is the payload of KindHandoverStarted.
type HandoverStarted struct {
	HandoverID int64 `json:"handover_id"`
}

// LevelChanged is the payload of KindLevelChanged.
type LevelChanged struct {
	MemberID int64  `json:"member_id"`
	ChangeID int64  `json:"change_id"`
	From     string `json:"from"`
	To       string `json:"to"`
	Upgrade  bool   `json:"upgrade"` // growth crossed a threshold: the member is told
}

// Credit is the payload of KindReferralCredited.
type Credit struct {
	MemberID int64 `json:"member_id"`
	EntryID  int64 `json:"entry_id"` // the ledger entry
}

// Merged is the payload of KindMemberMerged.
type Merged struct {
	SurvivorID int64 `json:"survivor_id"`
	MergedID   int64 `json:"merged_id"`
}

// CouponIssued is the payload of KindCouponIssued.
type CouponIssued struct {
	MemberID int64  `json:"member_id"`
	CouponID int64  `json:"coupon_id"`
	Source   string `json:"source"`
}

// Reminder is the payload of KindPointsExpiring.
type Reminder struct {
	MemberID   int64 `json:"member_id"`
	ReminderID int64 `json:"reminder_id"`
}

// TaskDispatched is the payload of KindTaskDispatched.
type TaskDispatched struct {
	TaskID int64 `json:"task_id"`
}

// Event is one domain event to record.
type Event struct {
	Kind    string
	Payload any // marshalled to JSON
}

// Record writes ev in tx, the transaction of the change it reports, so the
// event exists exactly when the change does. Errors: a payload that does
// not marshal, the database's.
func Record(tx *gorm.DB, ev Event) error {
	b, err := json.Marshal(ev.Payload)
	if err != nil {
		return fmt.Errorf("outbox: %s payload: %w", ev.Kind, err)
	}
	row := model.OutboxEvent{Kind: ev.Kind, Payload: string(b), CreatedAt: time.Now().UTC()}
	if err := tx.Create(&row).Error; err != nil {
		return fmt.Errorf("outbox: record %s: %w", ev.Kind, err)
	}
	return nil
}

// RecordAll records several events in tx with multi-row INSERTs, for bulk
// paths (an orders import's level-ups). Errors: as Record.
func RecordAll(tx *gorm.DB, evs []Event) error {
	if len(evs) == 0 {
		return nil
	}
	rows := make([]model.OutboxEvent, len(evs))
	now := time.Now().UTC()
	for i, ev := range evs {
		b, err := json.Marshal(ev.Payload)
		if err != nil {
			return fmt.Errorf("outbox: %s payload: %w", ev.Kind, err)
		}
		rows[i] = model.OutboxEvent{Kind: ev.Kind, Payload: string(b), CreatedAt: now}
	}
	if err := tx.CreateInBatches(&rows, 250).Error; err != nil {
		return fmt.Errorf("outbox: record %d events: %w", len(rows), err)
	}
	return nil
}
