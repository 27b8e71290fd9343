package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// sidebarTasks serves GET /api/sidebar/tasks: with ?external_userid= the
// signed-in guide's open items for that customer ({"items": [...]}),
// without it all the guide's live tasks with counts ({"tasks": [...]}).
func (s *Server) sidebarTasks(c *gin.Context) {
	svc := s.tasks
	g, _ := guideOf(c)
	if ext := c.Query("external_userid"); ext != "" {
		m, err := s.customerFor(c, ext)
		if err != nil {
			writeError(c, err)
			return
		}
		items, err := svc.CustomerItems(c.Request.Context(), g.UserID, m.ID)
		if err != nil {
			writeError(c, err)
			return
		}
		respond(c, http.StatusOK, gin.H{"items": items})
		return
	}
	ts, err := svc.GuideTasks(c.Request.Context(), g.UserID)
	reply(c, http.StatusOK, gin.H{"tasks": ts}, err)
}

// sidebarTaskItem serves POST /api/sidebar/task-items/{id} {"status":
// "done"|"skipped", "note": "…"}: only the item's guide may (403).
func (s *Server) sidebarTaskItem(c *gin.Context) {
	svc := s.tasks
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	var req struct{ Status, Note string }
	if !bindJSON(c, &req) {
		return
	}
	g, _ := guideOf(c)
	it, err := svc.CompleteItem(c.Request.Context(), g.UserID, id, req.Status, req.Note)
	reply(c, http.StatusOK, it, err)
}

// sidebarFeedback serves POST /api/sidebar/feedback {"task_id": 1?, "text": "…"}.
func (s *Server) sidebarFeedback(c *gin.Context) {
	svc := s.tasks
	var req struct {
		TaskID *int64 `json:"task_id"`
		Text   string `json:"text"`
	}
	if !bindJSON(c, &req) {
		return
	}
	g, _ := guideOf(c)
	f, err := svc.SendFeedback(c.Request.Context(), g, req.TaskID, req.Text)
	reply(c, http.StatusCreated, f, err)
}
