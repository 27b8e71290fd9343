package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/model"
)

// Guide task message types: the first notification of a guide task, and
// the reminder before its deadline.
const (
	TypeNotifyGuideTask = "hq:notify"
	TypeRemindGuideTask = "hq:remind"
)

// GuideTaskPayload names one guide's share of an HQ task. Round numbers
// reminders (one per period); Deferrals counts put-offs by the
// per-recipient limit.
type GuideTaskPayload struct {
	TaskID    int64  `json:"task_id"`
	Guide     string `json:"guide"`
	Round     int    `json:"round,omitempty"`
	Deferrals int    `json:"deferrals,omitempty"`
}

// NewGuideTaskMessage returns a TypeNotifyGuideTask or TypeRemindGuideTask
// task with its TaskID (hq:notify:<task>:<guide>, plus the round and
// deferrals when set), kept a day after it is done so a re-run dispatch
// cannot send twice.
func NewGuideTaskMessage(typ string, p GuideTaskPayload) (*asynq.Task, []asynq.Option) {
	b, _ := json.Marshal(p)
	id := fmt.Sprintf("%s:%d:%s", typ, p.TaskID, p.Guide)
	if p.Round > 0 {
		id += fmt.Sprintf(":r%d", p.Round)
	}
	if p.Deferrals > 0 {
		id += fmt.Sprintf(":d%d", p.Deferrals)
	}
	return asynq.NewTask(typ, b), []asynq.Option{asynq.TaskID(id), asynq.MaxRetry(8),
		asynq.Timeout(2 * time.Minute), asynq.Retention(24 * time.Hour)}
}

// queueNotify queues the guide's first notification (or a put-off one).
func (s *HQTasks) queueNotify(ctx context.Context, taskID int64, guide string, deferrals int, in time.Duration) error {
	t, opts := NewGuideTaskMessage(TypeNotifyGuideTask, GuideTaskPayload{TaskID: taskID, Guide: guide, Deferrals: deferrals})
	if in > 0 {
		opts = append(opts, asynq.ProcessIn(in))
	}
	return s.queue.Enqueue(ctx, t, QueueDefault, opts...)
}

// guideTask loads the task and the guide's share of it; ok is false when
// there is nothing to send (gone, cancelled or closed).
func (s *HQTasks) guideTask(ctx context.Context, p GuideTaskPayload) (Task, model.GuideTask, bool, error) {
	var gt model.GuideTask
	t, err := s.task(ctx, p.TaskID)
	if err != nil || !live(t.State) {
		return t, gt, false, skipMissing(err)
	}
	err = s.db.WithContext(ctx).Where("task_id = ? AND guide_user_id = ?", p.TaskID, p.Guide).Take(&gt).Error
	if err != nil {
		return t, gt, false, skipMissing(notFound(err))
	}
	return t, gt, true, nil
}

// openCount counts the guide's open items of the task.
func (s *HQTasks) openCount(ctx context.Context, taskID int64, guide string) (n int64, err error) {
	err = s.db.WithContext(ctx).Model(&model.TaskItem{}).
		Where("task_id = ? AND guide_user_id = ? AND status = ?", taskID, guide, model.ItemOpen).Count(&n).Error
	return n, err
}

// taskLink is the sidebar page for the task.
func (s *HQTasks) taskLink(taskID int64) string {
	return fmt.Sprintf("%s/sidebar/?task=%d", s.publicURL, taskID)
}

// clip shortens s to n characters for a card.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// notifyGuideTask handles TypeNotifyGuideTask: for a coupon push it first
// issues the guide's coupons, for a message task with MassSend it creates
// the guide's group send, then it sends the text card, once (NotifiedAt),
// within the recipient's per-minute limit. A cancelled task sends nothing.
func (h *handlers) notifyGuideTask(ctx context.Context, at *asynq.Task) error {
	var p GuideTaskPayload
	if err := json.Unmarshal(at.Payload(), &p); err != nil || p.TaskID <= 0 || p.Guide == "" {
		return badPayload(at, fmt.Errorf("%v", err))
	}
	s := h.HQ
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
	allowed, wait, err := h.allowAppMessage(ctx, p.Guide)
	if err != nil {
		return fmt.Errorf("app message limit: %w", err)
	}
	if !allowed {
		return s.queueNotify(ctx, p.TaskID, p.Guide, p.Deferrals+1, wait)
	}
	n, err := s.openCount(ctx, t.ID, p.Guide)
	if err != nil {
		return err
	}
	desc := fmt.Sprintf("%s\n客户 %d 位 · 截止 %s", clip(t.Instructions, 120), n, t.Deadline.In(s.loc).Format("01-02 15:04"))
	if t.Kind == model.TaskKindCoupon {
		desc += "\n优惠券已发到客户账户，请告知客户"
	}
	if err := h.WeCom.SendAppTextCard(ctx, []string{p.Guide}, "总部任务："+t.Title, desc, s.taskLink(t.ID)); err != nil {
		return wxFailure("send task card", err)
	}
	return s.db.WithContext(ctx).Model(&model.GuideTask{}).Where("id = ? AND notified_at IS NULL", gt.ID).
		Update("notified_at", s.now().UTC()).Error
}

// issueCoupons gives each of the guide's customers the task's coupon, once
// per task and member (issue key task:<id>:<member>), and records it on
// the item.
func (s *HQTasks) issueCoupons(ctx context.Context, t Task, guide string) error {
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
