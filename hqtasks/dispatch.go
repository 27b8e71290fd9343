package hqtasks

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hibiken/asynq"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tasks"
)

func decodeDispatch(t *asynq.Task) (tasks.DispatchPayload, error) {
	var p tasks.DispatchPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.TaskID <= 0 {
		return p, tasks.BadPayload(t, fmt.Errorf("%v (task_id %d)", err, p.TaskID))
	}
	return p, nil
}

// handleDispatch handles tasks.TypeDispatchHQTask: it records the task's stores
// and queues one store dispatch for each store not done yet.
func (h *handlers) handleDispatch(ctx context.Context, at *asynq.Task) error {
	s := h.Service
	p, err := decodeDispatch(at)
	if err != nil {
		return err
	}
	t, err := s.task(ctx, p.TaskID)
	if err != nil || !live(t.State) {
		return tasks.SkipMissing(err)
	}
	stores, err := s.targetStores(ctx, t)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	rows := make([]model.TaskStore, len(stores))
	for i, code := range stores {
		rows[i] = model.TaskStore{TaskID: t.ID, StoreCode: code, CreatedAt: now}
	}
	if len(rows) > 0 {
		err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 500).Error
		if err != nil {
			return err
		}
	}
	var pending []string
	err = s.db.WithContext(ctx).Model(&model.TaskStore{}).Where("task_id = ? AND done_at IS NULL", t.ID).
		Order("store_code").Pluck("store_code", &pending).Error
	if err != nil {
		return err
	}
	for _, code := range pending {
		if err := s.queue.Enqueue(ctx, tasks.NewDispatchStoreTask(t.ID, code), tasks.QueueDefault, tasks.StoreDispatchOpts(t.ID, code)...); err != nil {
			return err
		}
	}
	return s.finishIfDispatched(ctx, t.ID)
}

// targetStores returns the codes of the stores a task goes to: the listed
// ones, or all; narrowed to the stores of the listed guides.
func (s *Service) targetStores(ctx context.Context, t Task) ([]string, error) {
	q := s.db.WithContext(ctx).Model(&model.Guide{}).Distinct("store_code").Where("store_code <> ''")
	if len(t.StoreCodes) > 0 {
		q = q.Where("store_code IN ?", t.StoreCodes)
	}
	if len(t.GuideUserIDs) > 0 {
		q = q.Where("user_id IN ?", t.GuideUserIDs)
	}
	var out []string
	err := q.Order("store_code").Pluck("store_code", &out).Error
	return out, err
}

// finishIfDispatched makes a dispatching task active once every store is
// done.
func (s *Service) finishIfDispatched(ctx context.Context, taskID int64) error {
	var open int64
	db := s.db.WithContext(ctx)
	if err := db.Model(&model.TaskStore{}).Where("task_id = ? AND done_at IS NULL", taskID).Count(&open).Error; err != nil || open > 0 {
		return err
	}
	now := s.now().UTC()
	return db.Model(&model.HQTask{}).Where("id = ? AND state = ?", taskID, model.TaskDispatching).
		Updates(map[string]any{"state": model.TaskActive, "dispatched_at": now, "updated_at": now}).Error
}

// handleDispatchStore handles tasks.TypeDispatchStore: it writes the store's
// items in batches, then its guide tasks, queues one notification per
// guide and marks the store done. A run killed half-way runs again and
// converges: the inserts skip rows that exist.
func (h *handlers) handleDispatchStore(ctx context.Context, at *asynq.Task) error {
	s := h.Service
	p, err := decodeDispatch(at)
	if err != nil {
		return err
	}
	t, err := s.task(ctx, p.TaskID)
	if err != nil || !live(t.State) {
		return tasks.SkipMissing(err)
	}
	var ts model.TaskStore
	if err := s.db.WithContext(ctx).Where("task_id = ? AND store_code = ?", t.ID, p.Store).Take(&ts).Error; err != nil {
		return tasks.SkipMissing(notFound(err))
	}
	if ts.DoneAt != nil {
		return nil
	}
	guides, err := s.writeItems(ctx, t, p.Store)
	if err != nil {
		return err
	}
	if err := s.writeGuideTasks(ctx, t.ID, p.Store, guides); err != nil {
		return err
	}
	for _, g := range guides {
		if err := s.QueueNotify(ctx, t.ID, g, 0, 0); err != nil {
			return err
		}
	}
	now := s.now().UTC()
	if err := s.db.WithContext(ctx).Model(&model.TaskStore{}).Where("id = ? AND done_at IS NULL", ts.ID).
		Update("done_at", now).Error; err != nil {
		return err
	}
	return s.finishIfDispatched(ctx, t.ID)
}

func notFound(err error) error {
	return store.NotFound(err, model.ErrTaskNotFound)
}

// writeGuideTasks creates a guide task for each guide of the store who got
// items. The guides come from the dispatch itself: reading them back from
// the items would scan the whole task's items once per store.
func (s *Service) writeGuideTasks(ctx context.Context, taskID int64, store string, guides []string) error {
	if len(guides) == 0 {
		return nil
	}
	now := s.now().UTC()
	rows := make([]model.GuideTask, len(guides))
	for i, g := range guides {
		rows[i] = model.GuideTask{TaskID: taskID, GuideUserID: g, StoreCode: store, CreatedAt: now}
	}
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 500).Error
}
