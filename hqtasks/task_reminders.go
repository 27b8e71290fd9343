package hqtasks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
)

// handleTaskReminders handles tasks.TypeTaskReminders.
func (h *handlers) handleTaskReminders(ctx context.Context, _ *asynq.Task) error {
	_, _, err := h.RunReminders(ctx)
	return err
}

// RunReminders does one round of the task reminders job: active tasks
// whose deadline is within RemindBefore get one reminder per guide with
// open items (TaskID per task and guide, so a second round sends nothing);
// active tasks past their deadline get their open items marked overdue,
// once. It returns how many reminders it queued and how many tasks it
// marked. Cancelled and closed tasks are left alone. Errors: the
// database's and Redis's.
func (s *Service) RunReminders(ctx context.Context) (reminders, overdue int, err error) {
	now := s.now().UTC()
	db := s.db.WithContext(ctx)
	var due []model.HQTask
	err = db.Where("state = ? AND deadline > ? AND deadline <= ?", model.TaskActive, now, now.Add(s.remindIn)).Find(&due).Error
	if err != nil {
		return 0, 0, err
	}
	for _, t := range due {
		var guides []string
		err := db.Model(&model.TaskItem{}).Distinct("guide_user_id").
			Where("task_id = ? AND status = ?", t.ID, model.ItemOpen).Order("guide_user_id").Pluck("guide_user_id", &guides).Error
		if err != nil {
			return reminders, overdue, err
		}
		for _, g := range guides {
			at, opts := tasks.NewGuideTaskMessage(tasks.TypeRemindGuideTask, tasks.GuideTaskPayload{TaskID: t.ID, Guide: g, Round: 1})
			if err := s.queue.Enqueue(ctx, at, tasks.QueueDefault, opts...); err != nil {
				return reminders, overdue, err
			}
			reminders++
		}
	}
	var past []model.HQTask
	if err := db.Where("state = ? AND deadline <= ? AND overdue_at IS NULL", model.TaskActive, now).Find(&past).Error; err != nil {
		return reminders, overdue, err
	}
	for _, t := range past {
		err := db.Model(&model.TaskItem{}).Where("task_id = ? AND status = ?", t.ID, model.ItemOpen).Update("overdue", true).Error
		if err == nil {
			err = db.Model(&model.HQTask{}).Where("id = ? AND overdue_at IS NULL", t.ID).Update("overdue_at", now).Error
		}
		if err != nil {
			return reminders, overdue, err
		}
		overdue++
	}
	return reminders, overdue, nil
}

// remindGuideTask handles tasks.TypeRemindGuideTask: a text card to a guide who
// still has open items, within the per-minute limit; nothing once the
// task is cancelled or closed or the guide is done.
func (h *handlers) remindGuideTask(ctx context.Context, at *asynq.Task) error {
	var p tasks.GuideTaskPayload
	if err := json.Unmarshal(at.Payload(), &p); err != nil || p.TaskID <= 0 || p.Guide == "" {
		return tasks.BadPayload(at, fmt.Errorf("%v", err))
	}
	s := h.Service
	t, _, ok, err := s.guideTask(ctx, p)
	if err != nil || !ok || t.State != model.TaskActive {
		return err
	}
	n, err := s.openCount(ctx, t.ID, p.Guide)
	if err != nil || n == 0 {
		return err
	}
	allowed, wait, err := h.limit.Allow(ctx, p.Guide)
	if err != nil {
		return fmt.Errorf("app message limit: %w", err)
	}
	if !allowed {
		p.Deferrals++
		next, opts := tasks.NewGuideTaskMessage(tasks.TypeRemindGuideTask, p)
		return s.queue.Enqueue(ctx, next, tasks.QueueDefault, append(opts, asynq.ProcessIn(wait))...)
	}
	left := t.Deadline.Sub(s.now()).Round(time.Hour)
	desc := fmt.Sprintf("还有 %d %s未完成，约 %d 小时后截止（%s）", n, itemUnit(t.Kind), int(left.Hours()), t.Deadline.In(s.loc).Format("01-02 15:04"))
	if err := h.wecom.SendAppTextCard(ctx, []string{p.Guide}, "任务提醒："+t.Title, desc, s.taskLink(t.ID)); err != nil {
		return tasks.WxFailure("send task reminder", err)
	}
	return nil
}
