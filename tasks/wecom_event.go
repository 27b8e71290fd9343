package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// TypeWeComEvent is a WeCom customer-contact callback event, handled off
// the request path.
const TypeWeComEvent = "wecom:event"

// WeCom callback events and change types Siyu handles.
const (
	EventChangeExternalContact = "change_external_contact"
	EventChangeExternalTag     = "change_external_tag"
	EventChangeContact         = "change_contact" // the address book changed

	ChangeDeleteUser = "delete_user" // change_contact: a member of staff was deleted

	ChangeAddExternalContact     = "add_external_contact"      // a guide added a customer
	ChangeAddHalfExternalContact = "add_half_external_contact" // the customer added a guide who has not accepted yet
	ChangeEditExternalContact    = "edit_external_contact"     // a guide edited remark or tags
	ChangeDelExternalContact     = "del_external_contact"      // a guide deleted a customer
	ChangeDelFollowUser          = "del_follow_user"           // a customer deleted a guide
	ChangeTransferFail           = "transfer_fail"             // handing a customer to another guide failed

	// SourceDeleteByTransfer marks a del_external_contact caused by handing
	// the customer to another guide: not churn.
	SourceDeleteByTransfer = "DELETE_BY_TRANSFER"
)

// WeComEvent is a decoded WeCom customer-contact event: every field of
// change_external_contact (all change types) and change_external_tag that
// Siyu uses.
type WeComEvent struct {
	CorpID         string `json:"corp_id"` // ToUserName
	Event          string `json:"event"`
	ChangeType     string `json:"change_type"`
	UserID         string `json:"user_id,omitempty"`          // the guide
	ExternalUserID string `json:"external_user_id,omitempty"` // the customer
	State          string `json:"state,omitempty"`            // the contact-way code's state: a scene
	WelcomeCode    string `json:"welcome_code,omitempty"`     // add events: answer within 20 s
	Source         string `json:"source,omitempty"`           // del_external_contact: DELETE_BY_TRANSFER
	FailReason     string `json:"fail_reason,omitempty"`      // transfer_fail
	TagID          string `json:"tag_id,omitempty"`           // change_external_tag: Id
	TagType        string `json:"tag_type,omitempty"`         // change_external_tag: tag or tag_group
	CreateTime     int64  `json:"create_time"`
}

// Key identifies one delivery of the event: WeCom retries carry the same
// fields, so the key dedupes them.
func (e WeComEvent) Key() string {
	return fmt.Sprintf("wecom:%s:%d:%s:%s:%s:%s:%s:%s", e.CorpID, e.CreateTime, e.Event, e.ChangeType,
		e.ExternalUserID, e.UserID, e.TagType, e.TagID)
}

// taskID is the event's TaskID: derived from Key, so even without the
// callback dedupe a retry cannot enqueue the event twice.
func (e WeComEvent) taskID(prefix string) string {
	sum := sha256.Sum256([]byte(e.Key()))
	return prefix + ":" + hex.EncodeToString(sum[:16])
}

// At is the event time.
func (e WeComEvent) At() time.Time { return time.Unix(e.CreateTime, 0).UTC() }

// NewWeComEventTask returns the task that handles ev. Enqueue it on the
// default queue. Errors: none in practice (JSON encoding).
func NewWeComEventTask(ev WeComEvent) (*asynq.Task, error) {
	payload, err := json.Marshal(ev)
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeWeComEvent, payload, asynq.TaskID(ev.taskID("wecom-event")),
		asynq.MaxRetry(10), asynq.Timeout(time.Minute), asynq.Retention(time.Hour)), nil
}

// wecomEvent handles TypeWeComEvent.
func (h *handlers) wecomEvent(ctx context.Context, t *asynq.Task) error {
	var ev WeComEvent
	if err := json.Unmarshal(t.Payload(), &ev); err != nil {
		return BadPayload(t, err)
	}
	switch ev.Event {
	case EventChangeExternalContact:
		return h.contactChanged(ctx, ev)
	case EventChangeExternalTag:
		return h.corpTagsChanged(ctx, ev)
	case EventChangeContact:
		if ev.ChangeType == ChangeDeleteUser {
			return h.guideDeleted(ctx, ev)
		}
	}
	h.log.Info("wecom event ignored", "event", ev.Event, "change_type", ev.ChangeType)
	return nil
}
