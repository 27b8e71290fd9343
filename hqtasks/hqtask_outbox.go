package hqtasks

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/tasks"
)

// errStateRaced rolls back a state change another request made first.
var errStateRaced = errors.New("task state changed concurrently")

// createDispatching saves a new task already dispatching together with its
// dispatch event, then queues the fan-out at once when Redis answers.
func (s *Service) createDispatching(ctx context.Context, row *model.HQTask) error {
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(row).Error; err != nil {
			return err
		}
		return outbox.Record(tx, outbox.Event{Kind: outbox.KindTaskDispatched, Payload: outbox.TaskDispatched{TaskID: row.ID}})
	})
	if err == nil {
		s.queueDispatch(ctx, row.ID)
	}
	return err
}

// queueDispatch queues the fan-out right after the commit, so a dispatch
// is no slower than before the outbox. It is only a head start: a failure
// (Redis down) is not the caller's, since the committed event makes the
// relay queue the same job (same TaskID) once Redis is back.
func (s *Service) queueDispatch(ctx context.Context, id int64) {
	if s.queue == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = s.queue.Enqueue(ctx, tasks.NewDispatchHQTask(id), tasks.QueueDefault, tasks.DispatchOpts(id)...)
}
