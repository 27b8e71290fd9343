package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// Handler consumes one event; payload is the event's JSON.
type Handler func(ctx context.Context, payload []byte) error

// Once wraps a consumer whose effect is not idempotent (a message sent):
// the event row's handled_at dedupes by event id, so a redelivered task,
// or a second relay's, does nothing. The mark is written after the effect
// succeeds: a crash in between sends again (at least once), never zero.
func Once(db *gorm.DB, h Handler) asynq.HandlerFunc {
	return func(ctx context.Context, t *asynq.Task) error {
		tid, _ := asynq.GetTaskID(ctx)
		id, ok := EventID(tid)
		if !ok { // not from the relay: nothing to dedupe by
			return h(ctx, t.Payload())
		}
		return HandleOnce(ctx, db, id, t.Payload(), h)
	}
}

// HandleOnce runs h for event id unless the event was handled already, then
// marks it handled. Errors: h's, the database's.
func HandleOnce(ctx context.Context, db *gorm.DB, id int64, payload []byte, h Handler) error {
	var ev model.OutboxEvent
	err := db.WithContext(ctx).Select("id, handled_at").Take(&ev, id).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil // cleaned up long after it was handled
	case err != nil:
		return err
	case ev.HandledAt != nil:
		return nil
	}
	if err := h(ctx, payload); err != nil {
		return err
	}
	return db.WithContext(context.WithoutCancel(ctx)).Model(&model.OutboxEvent{}).
		Where("id = ? AND handled_at IS NULL", id).Update("handled_at", time.Now().UTC()).Error
}

// Decode unmarshals an event payload; a payload that does not decode is
// not retried.
func Decode(payload []byte, dst any) error {
	if err := json.Unmarshal(payload, dst); err != nil {
		return fmt.Errorf("outbox: bad payload %q: %v: %w", payload, err, asynq.SkipRetry)
	}
	return nil
}
