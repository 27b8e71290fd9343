package hqtasks

import (
	"context"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
)

// maxGroupSendChats is WeCom's limit of customer groups per group send.
const maxGroupSendChats = 2000

// groupSendConfirmed is get_groupmsg_task's status of a sender who sent.
const groupSendConfirmed = 2

// createGroupSend creates the owner's one group send of a group_message
// task to their groups (add_msg_template, chat_type group; the owner
// confirms it on the phone), records the msgid and queues the first poll.
// Groups past WeCom's 2,000 per send are left to the owner.
func (h *handlers) createGroupSend(ctx context.Context, t Task, gt model.GuideTask) error {
	s := h.Service
	var chats []string
	err := s.db.WithContext(ctx).Model(&model.TaskItem{}).
		Where("task_id = ? AND guide_user_id = ? AND status = ? AND chat_id <> ''", t.ID, gt.GuideUserID, model.ItemOpen).
		Order("id").Limit(maxGroupSendChats).Pluck("chat_id", &chats).Error
	if err != nil || len(chats) == 0 {
		return err
	}
	text := t.Content
	if t.Link != "" {
		text += "\n" + t.Link
	}
	msgID, err := h.wecom.AddGroupMsgTemplate(ctx, gt.GuideUserID, chats, text)
	if err != nil {
		return tasks.WxFailure("create group send to customer groups", err)
	}
	if err := s.db.WithContext(ctx).Model(&model.GuideTask{}).Where("id = ? AND msg_id = ''", gt.ID).
		Update("msg_id", msgID).Error; err != nil {
		return err
	}
	return s.queuePoll(ctx, t.ID, gt.GuideUserID, 1)
}

// groupSendReached returns the groups the owner's group send reached:
// none until get_groupmsg_task says the owner sent it, then the chats
// get_groupmsg_send_result lists as sent (status 1).
func (h *handlers) groupSendReached(ctx context.Context, gt model.GuideTask) ([]string, error) {
	senders, err := h.wecom.GetGroupMsgTask(ctx, gt.MsgID)
	if err != nil {
		return nil, tasks.WxFailure("read group send task", err)
	}
	confirmed := false
	for _, p := range senders {
		confirmed = confirmed || (p.UserID == gt.GuideUserID && p.Status == groupSendConfirmed)
	}
	if !confirmed {
		return nil, nil
	}
	results, err := h.wecom.GetGroupMsgSendResult(ctx, gt.MsgID, gt.GuideUserID)
	if err != nil {
		return nil, tasks.WxFailure("read group send result", err)
	}
	var sent []string
	for _, r := range results {
		if r.Status == 1 && r.ChatID != "" {
			sent = append(sent, r.ChatID)
		}
	}
	return sent, nil
}

// itemUnit is how a card counts a task's items: customers, or groups.
func itemUnit(kind string) string {
	if kind == model.TaskKindGroupMessage {
		return "个客户群"
	}
	return "位客户"
}
