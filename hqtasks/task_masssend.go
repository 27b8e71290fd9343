package hqtasks

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
)

// TypePollMassSend reads a guide's group send result and marks the items
// it reached done.
const TypePollMassSend = tasks.TypePollMassSend

// maxMassSendTargets is WeCom's limit of external contacts per group send.
const maxMassSendTargets = 10000

// createMassSend creates the guide's group send of the task's content to
// their customers (add_msg_template; the guide confirms it on the phone),
// records the msgid and queues the first poll of its result. Customers
// past WeCom's 10,000 per send are left to the guide.
func (h *handlers) createMassSend(ctx context.Context, t Task, gt model.GuideTask) error {
	s := h.Service
	var externals []string
	err := s.db.WithContext(ctx).Model(&model.TaskItem{}).
		Where("task_id = ? AND guide_user_id = ? AND status = ? AND external_user_id <> ''", t.ID, gt.GuideUserID, model.ItemOpen).
		Order("id").Limit(maxMassSendTargets).Pluck("external_user_id", &externals).Error
	if err != nil || len(externals) == 0 {
		return err
	}
	text := t.Content
	if t.Link != "" {
		text += "\n" + t.Link
	}
	msgID, err := h.wecom.AddMsgTemplate(ctx, gt.GuideUserID, externals, text)
	if err != nil {
		return tasks.WxFailure("create group send", err)
	}
	if err := s.db.WithContext(ctx).Model(&model.GuideTask{}).Where("id = ? AND msg_id = ''", gt.ID).
		Update("msg_id", msgID).Error; err != nil {
		return err
	}
	return s.queuePoll(ctx, t.ID, gt.GuideUserID, 1)
}

// queuePoll queues poll round n of the guide's group send and records the
// round on the guide task first, so the sweeper knows which job to look
// for when Redis loses it. Errors: the database's, Redis's.
func (s *Service) queuePoll(ctx context.Context, taskID int64, guide string, round int) error {
	err := s.db.WithContext(ctx).Model(&model.GuideTask{}).Where("task_id = ? AND guide_user_id = ? AND poll_round < ?", taskID, guide, round).
		Update("poll_round", round).Error
	if err != nil {
		return err
	}
	t, opts := tasks.NewPollMassSendTask(taskID, guide, round, s.pollEvery)
	return s.queue.Enqueue(ctx, t, tasks.QueueLow, opts...)
}

// pollMassSend handles TypePollMassSend: items whose customer got the
// group send (status 1) are marked done with a note; while open items
// remain and the deadline has not passed, the next round is queued.
func (h *handlers) pollMassSend(ctx context.Context, at *asynq.Task) error {
	var p tasks.GuideTaskPayload
	if err := json.Unmarshal(at.Payload(), &p); err != nil || p.TaskID <= 0 {
		return tasks.BadPayload(at, fmt.Errorf("%v", err))
	}
	s := h.Service
	t, gt, ok, err := s.guideTask(ctx, p)
	if err != nil || !ok || gt.MsgID == "" {
		return err
	}
	col, sent, err := h.reached(ctx, t, gt)
	if err != nil {
		return err
	}
	now := s.now().UTC()
	for start := 0; start < len(sent); start += 500 {
		part := sent[start:min(start+500, len(sent))]
		err := s.db.WithContext(ctx).Model(&model.TaskItem{}).
			Where("task_id = ? AND guide_user_id = ? AND status = ? AND "+col+" IN ?", t.ID, gt.GuideUserID, model.ItemOpen, part).
			Updates(map[string]any{"status": model.ItemDone, "note": "群发已发送", "done_at": now}).Error
		if err != nil {
			return err
		}
	}
	open, err := s.openCount(ctx, t.ID, gt.GuideUserID)
	if err != nil || open == 0 || !now.Before(t.Deadline) {
		return err
	}
	return s.queuePoll(ctx, t.ID, gt.GuideUserID, p.Round+1)
}

// reached returns the item column that names a send's targets and the
// targets the guide's group send reached: customers (status 1), or for a
// group_message task the groups, once the owner confirmed it.
func (h *handlers) reached(ctx context.Context, t Task, gt model.GuideTask) (string, []string, error) {
	if t.Kind == model.TaskKindGroupMessage {
		sent, err := h.groupSendReached(ctx, gt)
		return "chat_id", sent, err
	}
	results, err := h.wecom.GetGroupMsgSendResult(ctx, gt.MsgID, gt.GuideUserID)
	if err != nil {
		return "", nil, tasks.WxFailure("read group send result", err)
	}
	var sent []string
	for _, r := range results {
		if r.Status == 1 {
			sent = append(sent, r.ExternalUserID)
		}
	}
	return "external_user_id", sent, nil
}
