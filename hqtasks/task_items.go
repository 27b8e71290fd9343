package hqtasks

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// GuideItem is an open item as the sidebar shows it: the item, what HQ
// asked, and the coupon of a coupon push.
type GuideItem struct {
	model.TaskItem
	Title        string        `json:"title"`
	Instructions string        `json:"instructions"`
	Kind         string        `json:"kind"`
	Content      string        `json:"content"`
	Link         string        `json:"link,omitempty"`
	ImageURL     string        `json:"image_url,omitempty"`
	Deadline     time.Time     `json:"deadline"`
	Coupon       *model.Coupon `json:"coupon,omitempty"`
}

// CustomerItems returns the guide's open items for one customer, on tasks
// that are live, oldest task first. Errors: the database's.
func (s *Service) CustomerItems(ctx context.Context, guide string, memberID int64) ([]GuideItem, error) {
	var rows []struct {
		model.TaskItem
		Title, Instructions, Kind, Content, Link, ImageURL string
		Deadline                                           time.Time
	}
	err := s.db.WithContext(ctx).Table("task_items").
		Select("task_items.*, t.title, t.instructions, t.kind, t.content, t.link, t.image_url, t.deadline").
		Joins("JOIN hq_tasks t ON t.id = task_items.task_id").
		Where("task_items.guide_user_id = ? AND task_items.member_id = ? AND task_items.status = ? AND t.state IN ?",
			guide, memberID, model.ItemOpen, []string{model.TaskDispatching, model.TaskActive}).
		Order("task_items.task_id").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	out := make([]GuideItem, 0, len(rows))
	for _, r := range rows {
		gi := GuideItem{TaskItem: r.TaskItem, Title: r.Title, Instructions: r.Instructions, Kind: r.Kind,
			Content: r.Content, Link: r.Link, ImageURL: r.ImageURL, Deadline: r.Deadline}
		if r.CouponID != nil {
			var c model.Coupon
			if err := s.db.WithContext(ctx).Take(&c, *r.CouponID).Error; err == nil {
				gi.Coupon = &c
			}
		}
		out = append(out, gi)
	}
	return out, nil
}

// GuideTaskSummary is one of a guide's live tasks with their counts.
type GuideTaskSummary struct {
	TaskID       int64     `json:"task_id"`
	Title        string    `json:"title"`
	Instructions string    `json:"instructions"`
	Kind         string    `json:"kind"`
	Deadline     time.Time `json:"deadline"`
	Open         int64     `json:"open"`
	Done         int64     `json:"done"`
	Skipped      int64     `json:"skipped"`
}

// GuideTasks returns the guide's live tasks with item counts, nearest
// deadline first. Errors: the database's.
func (s *Service) GuideTasks(ctx context.Context, guide string) ([]GuideTaskSummary, error) {
	out := []GuideTaskSummary{}
	err := s.db.WithContext(ctx).Table("task_items i").
		Select("t.id AS task_id, t.title, t.instructions, t.kind, t.deadline, "+
			"SUM(CASE WHEN i.status = ? THEN 1 ELSE 0 END) AS open, SUM(CASE WHEN i.status = ? THEN 1 ELSE 0 END) AS done, "+
			"SUM(CASE WHEN i.status = ? THEN 1 ELSE 0 END) AS skipped", model.ItemOpen, model.ItemDone, model.ItemSkipped).
		Joins("JOIN hq_tasks t ON t.id = i.task_id").
		Where("i.guide_user_id = ? AND t.state IN ?", guide, []string{model.TaskDispatching, model.TaskActive}).
		Group("t.id, t.title, t.instructions, t.kind, t.deadline").Order("t.deadline, t.id").Scan(&out).Error
	return out, err
}

// CompleteItem marks the guide's item done or skipped with an optional
// note. Marking it again with the same status changes nothing; a done item
// may become skipped and back while the task is live. Errors: EINVALID,
// ErrItemNotFound, EFORBIDDEN for another guide's item, ErrTaskState for a
// task that is no longer live.
func (s *Service) CompleteItem(ctx context.Context, guide string, itemID int64, status, note string) (model.TaskItem, error) {
	var it model.TaskItem
	note = strings.TrimSpace(note)
	if status != model.ItemDone && status != model.ItemSkipped {
		return it, model.Errorf(model.EINVALID, "status %q: want done or skipped", status)
	}
	if utf8.RuneCountInString(note) > 200 {
		return it, model.Errorf(model.EINVALID, "note: at most 200 characters")
	}
	db := s.db.WithContext(ctx)
	if err := db.Take(&it, itemID).Error; err != nil {
		return it, store.NotFound(err, model.Detail(model.ErrItemNotFound, "task item %d not found", itemID))
	}
	if it.GuideUserID != guide {
		return model.TaskItem{}, model.Errorf(model.EFORBIDDEN, "task item %d is another guide's", itemID)
	}
	if it.Status == status && it.Note == note {
		return it, nil
	}
	var state string
	if err := db.Model(&model.HQTask{}).Where("id = ?", it.TaskID).Pluck("state", &state).Error; err != nil {
		return it, err
	}
	if !live(state) {
		return it, model.Detail(model.ErrTaskState, "task %d is %s", it.TaskID, state)
	}
	now := s.now().UTC()
	if err := db.Model(&model.TaskItem{}).Where("id = ?", it.ID).
		Updates(map[string]any{"status": status, "note": note, "done_at": now}).Error; err != nil {
		return it, err
	}
	it.Status, it.Note, it.DoneAt = status, note, &now
	return it, nil
}
