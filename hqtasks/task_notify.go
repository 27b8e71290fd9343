package hqtasks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
)

// QueueNotify queues the guide's first notification of the task (or, with
// deferrals, a put-off one) to run after in (0: now); the sweeper calls it
// to queue a lost notification again. Errors: Redis's.
func (s *Service) QueueNotify(ctx context.Context, taskID int64, guide string, deferrals int, in time.Duration) error {
	t, opts := tasks.NewGuideTaskMessage(tasks.TypeNotifyGuideTask, tasks.GuideTaskPayload{TaskID: taskID, Guide: guide, Deferrals: deferrals})
	if in > 0 {
		opts = append(opts, asynq.ProcessIn(in))
	}
	return s.queue.Enqueue(ctx, t, tasks.QueueDefault, opts...)
}

// guideTask loads the task and the guide's share of it; ok is false when
// there is nothing to send (gone, cancelled or closed).
func (s *Service) guideTask(ctx context.Context, p tasks.GuideTaskPayload) (Task, model.GuideTask, bool, error) {
	var gt model.GuideTask
	t, err := s.task(ctx, p.TaskID)
	if err != nil || !live(t.State) {
		return t, gt, false, tasks.SkipMissing(err)
	}
	err = s.db.WithContext(ctx).Where("task_id = ? AND guide_user_id = ?", p.TaskID, p.Guide).Take(&gt).Error
	if err != nil {
		return t, gt, false, tasks.SkipMissing(notFound(err))
	}
	return t, gt, true, nil
}

// openCount counts the guide's open items of the task.
func (s *Service) openCount(ctx context.Context, taskID int64, guide string) (n int64, err error) {
	err = s.db.WithContext(ctx).Model(&model.TaskItem{}).
		Where("task_id = ? AND guide_user_id = ? AND status = ?", taskID, guide, model.ItemOpen).Count(&n).Error
	return n, err
}

// taskLink is the sidebar page for the task.
func (s *Service) taskLink(taskID int64) string {
	return fmt.Sprintf("%s/sidebar/?task=%d", s.publicURL, taskID)
}

// clip shortens s to n characters for a card.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// notifyGuideTask handles tasks.TypeNotifyGuideTask: for a coupon push it first
// issues the guide's coupons, for a message task with MassSend it creates
// the guide's group send, then it sends the text card, once (NotifiedAt),
// within the recipient's per-minute limit. A cancelled task sends nothing.
func (h *handlers) notifyGuideTask(ctx context.Context, at *asynq.Task) error {
	var p tasks.GuideTaskPayload
	if err := json.Unmarshal(at.Payload(), &p); err != nil || p.TaskID <= 0 || p.Guide == "" {
		return tasks.BadPayload(at, fmt.Errorf("%v", err))
	}
	s := h.Service
	t, gt, ok, err := s.guideTask(ctx, p)
	if err != nil || !ok || gt.NotifiedAt != nil {
		return err
	}
	if t.Kind == model.TaskKindCoupon {
		if err := s.issueCoupons(ctx, t, p.Guide); err != nil {
			return err
		}
	}
	if t.Kind == model.TaskKindMessage && t.MassSend && gt.MsgID == "" {
		if err := h.createMassSend(ctx, t, gt); err != nil {
			return err
		}
	}
	if t.Kind == model.TaskKindGroupMessage && gt.MsgID == "" {
		if err := h.createGroupSend(ctx, t, gt); err != nil {
			return err
		}
	}
	allowed, wait, err := h.limit.Allow(ctx, p.Guide)
	if err != nil {
		return fmt.Errorf("app message limit: %w", err)
	}
	if !allowed {
		return s.QueueNotify(ctx, p.TaskID, p.Guide, p.Deferrals+1, wait)
	}
	n, err := s.openCount(ctx, t.ID, p.Guide)
	if err != nil {
		return err
	}
	desc := fmt.Sprintf("%s\n%d %s · 截止 %s", clip(t.Instructions, 120), n, itemUnit(t.Kind), t.Deadline.In(s.loc).Format("01-02 15:04"))
	if t.Kind == model.TaskKindGroupMessage {
		desc += "\n群发已创建，请在企业微信「客户群群发」中确认发送"
	}
	if t.Kind == model.TaskKindCoupon {
		desc += "\n优惠券已发到客户账户，请告知客户"
	}
	if err := h.wecom.SendAppTextCard(ctx, []string{p.Guide}, "总部任务："+t.Title, desc, s.taskLink(t.ID)); err != nil {
		return tasks.WxFailure("send task card", err)
	}
	return s.db.WithContext(ctx).Model(&model.GuideTask{}).Where("id = ? AND notified_at IS NULL", gt.ID).
		Update("notified_at", s.now().UTC()).Error
}

// issueCoupons gives each of the guide's customers the task's coupon, once
// per task and member (issue key task:<id>:<member>), and records it on
// the item.
func (s *Service) issueCoupons(ctx context.Context, t Task, guide string) error {
	if s.loyalty == nil || t.CouponTemplateID == nil {
		return fmt.Errorf("task %d: coupon push without a loyalty engine or template: %w", t.ID, asynq.SkipRetry)
	}
	var last int64
	for {
		var items []model.TaskItem
		err := s.db.WithContext(ctx).Where("task_id = ? AND guide_user_id = ? AND coupon_id IS NULL AND id > ?", t.ID, guide, last).
			Order("id").Limit(200).Find(&items).Error
		if err != nil || len(items) == 0 {
			return err
		}
		for _, it := range items {
			c, _, err := s.loyalty.IssueKeyedCoupon(ctx, *t.CouponTemplateID, it.MemberID, model.SourceTask,
				fmt.Sprintf("task:%d:%d", t.ID, it.MemberID))
			if model.ErrorCode(err) == model.ENOTFOUND && err != nil {
				continue // a member merged away since dispatch
			} else if err != nil {
				return fmt.Errorf("task %d: coupon for member %d: %w", t.ID, it.MemberID, err)
			}
			if err := s.db.WithContext(ctx).Model(&model.TaskItem{}).Where("id = ?", it.ID).Update("coupon_id", c.ID).Error; err != nil {
				return err
			}
		}
		last = items[len(items)-1].ID
	}
}
