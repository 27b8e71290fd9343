package hqtasks

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
)

// Dispatch starts (or, for a task already dispatching or active, re-runs)
// the fan-out of the task through the queue. Re-runs converge on the same
// rows: stores, guide tasks and items have unique keys. Errors:
// ErrTaskNotFound, ErrTaskState for a closed or cancelled task, Redis's.
func (s *Service) Dispatch(ctx context.Context, id int64) (Task, error) {
	t, err := s.task(ctx, id)
	if err != nil {
		return t, err
	}
	if t.State != model.TaskDraft && !live(t.State) {
		return t, model.Detail(model.ErrTaskState, "task %d is %s: it cannot be dispatched", id, t.State)
	}
	// The state and the dispatch event commit together: the relay queues
	// the fan-out even when Redis is down now or the process dies next.
	err = s.st.Tx(ctx, func(tx *gorm.DB) error {
		if t.State == model.TaskDraft {
			res := tx.Model(&model.HQTask{}).Where("id = ? AND state = ?", id, model.TaskDraft).
				Updates(map[string]any{"state": model.TaskDispatching, "updated_at": s.now().UTC()})
			if res.Error != nil {
				return res.Error
			} else if res.RowsAffected == 0 {
				return errStateRaced
			}
		}
		return outbox.Record(tx, outbox.Event{Kind: outbox.KindTaskDispatched, Payload: outbox.TaskDispatched{TaskID: id}})
	})
	if errors.Is(err, errStateRaced) { // changed under us: look again
		return s.Dispatch(ctx, id)
	} else if err != nil {
		return t, err
	}
	s.queueDispatch(ctx, id)
	return s.GetTask(ctx, id)
}

// Cancel cancels a task that is not closed: dispatch stops at its next
// batch, and pending notifications, group-send polls and reminders find it
// cancelled and send nothing. Cancelling twice is not an error. Errors:
// ErrTaskNotFound, ErrTaskState for a closed task.
func (s *Service) Cancel(ctx context.Context, id int64) (Task, error) {
	return s.end(ctx, id, model.TaskCancelled, model.TaskDraft, model.TaskDispatching, model.TaskActive)
}

// Close closes an active task: HQ is done with it; guides no longer see it.
// Closing twice is not an error. Errors: ErrTaskNotFound, ErrTaskState.
func (s *Service) Close(ctx context.Context, id int64) (Task, error) {
	return s.end(ctx, id, model.TaskClosed, model.TaskActive)
}

// end moves the task to state `to` from one of `from`, with a guarded update.
func (s *Service) end(ctx context.Context, id int64, to string, from ...string) (Task, error) {
	t, err := s.task(ctx, id)
	if err != nil || t.State == to {
		return t, err
	}
	now := s.now().UTC()
	res := s.db.WithContext(ctx).Model(&model.HQTask{}).Where("id = ? AND state IN ?", id, from).
		Updates(map[string]any{"state": to, "ended_at": now, "updated_at": now})
	if res.Error != nil {
		return t, res.Error
	}
	if res.RowsAffected == 0 {
		t, err = s.task(ctx, id)
		if err == nil && t.State != to {
			err = model.Detail(model.ErrTaskState, "task %d is %s: it cannot become %s", id, t.State, to)
		}
		return t, err
	}
	return s.GetTask(ctx, id)
}

// GetTask returns the task with its dispatch progress. Errors:
// ErrTaskNotFound.
func (s *Service) GetTask(ctx context.Context, id int64) (Task, error) {
	t, err := s.task(ctx, id)
	if err != nil {
		return t, err
	}
	p, err := s.progress(ctx, id)
	t.Progress = &p
	return t, err
}

// progress counts the task's rows; counts, not counters, so a re-run
// dispatch never makes them drift.
func (s *Service) progress(ctx context.Context, id int64) (Progress, error) {
	var p Progress
	db := s.db.WithContext(ctx)
	count := func(m any, dst *int64, where string, args ...any) {
		if db.Error == nil {
			if err := db.Model(m).Where(where, args...).Count(dst).Error; err != nil {
				db.Error = err
			}
		}
	}
	count(&model.TaskStore{}, &p.Stores, "task_id = ?", id)
	count(&model.TaskStore{}, &p.StoresDone, "task_id = ? AND done_at IS NOT NULL", id)
	count(&model.GuideTask{}, &p.Guides, "task_id = ?", id)
	count(&model.GuideTask{}, &p.GuidesNotified, "task_id = ? AND notified_at IS NOT NULL", id)
	var rows []struct {
		Status string
		N      int64
	}
	if db.Error == nil {
		db.Error = db.Model(&model.TaskItem{}).Select("status, COUNT(*) AS n").Where("task_id = ?", id).Group("status").Scan(&rows).Error
	}
	for _, r := range rows {
		p.Items += r.N
		switch r.Status {
		case model.ItemDone:
			p.ItemsDone = r.N
		case model.ItemSkipped:
			p.ItemsSkipped = r.N
		}
	}
	return p, db.Error
}

// TaskList filters ListTasks.
type TaskList struct {
	State         string
	StoreCode     string // only tasks dispatched to this store
	Limit, Offset int
}

// ListTasks returns tasks, newest first, without progress. Errors: the
// database's.
func (s *Service) ListTasks(ctx context.Context, f TaskList) ([]Task, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	q := s.db.WithContext(ctx).Order("id DESC").Limit(f.Limit).Offset(max(f.Offset, 0))
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.StoreCode != "" {
		q = q.Where("id IN (?)", s.db.Model(&model.TaskStore{}).Select("task_id").Where("store_code = ?", f.StoreCode))
	}
	var rows []model.HQTask
	if err := q.Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Task, 0, len(rows))
	for _, r := range rows {
		t, err := decode(r)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// live reports whether a task still wants work done for it.
func live(state string) bool { return state == model.TaskDispatching || state == model.TaskActive }
