package handler

import (
	"errors"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/model"
)

// scopedStore is the store a store manager is limited to; "" for every
// other caller.
func scopedStore(c *gin.Context) string {
	if p, ok := caller(c); ok && p.role() == model.OpStoreManager {
		if p.op.StoreCode == "" {
			return "\x00none" // matches no store
		}
		return p.op.StoreCode
	}
	return ""
}

// scopeStore limits a store manager to their own store: lists are
// filtered (the store filter is forced), single rows of another store
// answer 404 exactly like rows that do not exist.
func (s *Server) scopeStore(c *gin.Context) {
	store := scopedStore(c)
	if store == "" {
		c.Next()
		return
	}
	var err error
	switch route := hqRoute(c); {
	case route == "/members", route == "/metrics/funnel", route == "/metrics/cohorts":
		q := c.Request.URL.Query()
		q.Set("store_code", store)
		c.Request.URL.RawQuery = q.Encode()
	case len(route) > len("/members/:id") && route[:len("/members/:id")] == "/members/:id", route == "/members/:id":
		err = s.memberInStore(c, store)
	case route == "/tasks/:id" || route == "/tasks/:id/report" || route == "/tasks/:id/effect":
		err = s.taskInStore(c, store)
	case route == "/feedback/:id/reply":
		err = s.feedbackInStore(c, store)
	}
	if err != nil {
		writeError(c, err)
		return
	}
	c.Next()
}

func (s *Server) memberInStore(c *gin.Context, store string) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, err := s.members.GetMember(c.Request.Context(), id)
	if err != nil {
		return err
	}
	if m.StoreCode != store {
		return model.Errorf(model.ENOTFOUND, "member %d not found", id)
	}
	return nil
}

func (s *Server) taskInStore(c *gin.Context, store string) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var n int64
	if err := s.db.WithContext(c.Request.Context()).Model(&model.TaskStore{}).
		Where("task_id = ? AND store_code = ?", id, store).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return model.Detail(model.ErrTaskNotFound, "task %d not found", id)
	}
	return nil
}

func (s *Server) feedbackInStore(c *gin.Context, store string) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var f model.Feedback
	err = s.db.WithContext(c.Request.Context()).Select("id", "store_code").Take(&f, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && f.StoreCode != store) {
		return model.Detail(model.ErrFeedbackNotFound, "feedback %d not found", id)
	}
	return err
}

// scopeReport keeps only the caller's store in a task report (all of it
// for callers without a store).
func scopeReport(c *gin.Context, rep hqtasks.Report) hqtasks.Report {
	store := scopedStore(c)
	if store == "" {
		return rep
	}
	kept := []hqtasks.StoreReport{}
	rep.Total = hqtasks.ExecCounts{}
	for _, sr := range rep.Stores {
		if sr.StoreCode == store {
			kept = append(kept, sr)
			rep.Total = sr.ExecCounts
		}
	}
	rep.Stores = kept
	return rep
}
