package handler

import (
	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/metrics"
)

// taskRow is a task in GET /api/hq/tasks with its items done and total
// (only the caller's store's for a store manager), so the list needs no
// call per task.
type taskRow struct {
	hqtasks.Task
	ItemProgress metrics.ItemCounts `json:"item_progress"`
}

// withItemProgress counts the listed tasks' items in one query.
func (s *Server) withItemProgress(c *gin.Context, ts []hqtasks.Task) ([]taskRow, error) {
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	counts, err := s.dash.TaskItemCounts(c.Request.Context(), ids, scopedStore(c))
	if err != nil {
		return nil, err
	}
	out := make([]taskRow, len(ts))
	for i, t := range ts {
		out[i] = taskRow{Task: t, ItemProgress: counts[t.ID]}
	}
	return out, nil
}
