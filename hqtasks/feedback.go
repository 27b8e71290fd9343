package hqtasks

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/store"
)

// SendFeedback records a guide's feedback to HQ, on a task (taskID) or on
// its own (nil). Errors: EINVALID, ErrTaskNotFound.
func (s *Service) SendFeedback(ctx context.Context, g model.Guide, taskID *int64, text string) (model.Feedback, error) {
	f := model.Feedback{GuideUserID: g.UserID, StoreCode: g.StoreCode, TaskID: taskID, Text: text, CreatedAt: s.now().UTC()}
	if err := f.Validate(); err != nil {
		return f, err
	}
	if taskID != nil {
		if _, err := s.task(ctx, *taskID); err != nil {
			return f, err
		}
		// Only on a task the guide was given: another task answers as
		// one that does not exist.
		var n int64
		if err := s.db.WithContext(ctx).Model(&model.GuideTask{}).Where("task_id = ? AND guide_user_id = ?", *taskID, g.UserID).Count(&n).Error; err != nil {
			return f, err
		} else if n == 0 {
			return f, model.Detail(model.ErrTaskNotFound, "task %d not found", *taskID)
		}
	}
	return f, s.db.WithContext(ctx).Create(&f).Error
}

// FeedbackList filters ListFeedback.
type FeedbackList struct {
	TaskID     int64
	Guide      string
	Unanswered bool
	StoreCode  string // only feedback from this store's guides
	Limit      int
	Offset     int
}

// ListFeedback returns feedback, newest first. Errors: the database's.
func (s *Service) ListFeedback(ctx context.Context, f FeedbackList) ([]model.Feedback, error) {
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	q := s.db.WithContext(ctx).Order("id DESC").Limit(f.Limit).Offset(max(f.Offset, 0))
	if f.TaskID > 0 {
		q = q.Where("task_id = ?", f.TaskID)
	}
	if f.Guide != "" {
		q = q.Where("guide_user_id = ?", f.Guide)
	}
	if f.Unanswered {
		q = q.Where("replied_at IS NULL")
	}
	if f.StoreCode != "" {
		q = q.Where("store_code = ?", f.StoreCode)
	}
	out := []model.Feedback{}
	return out, q.Find(&out).Error
}

// ReplyFeedback saves HQ's reply (replacing an earlier one) and, in the
// same transaction, the app message that tells the guide: the reply is
// saved and sent exactly when both are, even while Redis is down.
// Errors: EINVALID, ErrFeedbackNotFound, the database's.
func (s *Service) ReplyFeedback(ctx context.Context, id int64, reply, by string) (model.Feedback, error) {
	var f model.Feedback
	reply = strings.TrimSpace(reply)
	if n := utf8.RuneCountInString(reply); n == 0 || n > 1000 {
		return f, model.Errorf(model.EINVALID, "reply: want 1-1000 characters")
	}
	now := s.now().UTC()
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		if err := store.ForUpdate(tx).Take(&f, id).Error; err != nil {
			return store.NotFound(err, model.Detail(model.ErrFeedbackNotFound, "feedback %d not found", id))
		}
		if err := tx.Model(&f).Updates(map[string]any{"reply": reply, "replied_by": by, "replied_at": now}).Error; err != nil {
			return err
		}
		return outbox.Record(tx, outbox.Event{Kind: outbox.KindGuideNotice, Payload: outbox.GuideNotice{
			To: f.GuideUserID, Key: fmt.Sprintf("feedback:%d:%d", f.ID, now.UnixNano()),
			Text: "总部回复了你的反馈：\n" + clip(f.Text, 40) + "\n——\n" + reply}})
	})
	f.Reply, f.RepliedBy, f.RepliedAt = reply, by, &now
	return f, err
}
