package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/hqtasks"
)

// listFeedback serves GET /api/hq/feedback?task_id=&guide_userid=&unanswered=1.
func (s *Server) listFeedback(c *gin.Context) {
	svc := s.tasks
	taskID, err := queryInt(c, "task_id", 0)
	if err != nil {
		writeError(c, err)
		return
	}
	limit, offset, err := pageParams(c)
	if err != nil {
		writeError(c, err)
		return
	}
	out, err := svc.ListFeedback(c.Request.Context(), hqtasks.FeedbackList{TaskID: int64(taskID), Guide: c.Query("guide_userid"),
		Unanswered: c.Query("unanswered") == "1" || c.Query("unanswered") == "true", StoreCode: scopedStore(c), Limit: limit, Offset: offset})
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, gin.H{"feedback": out})
}

// replyFeedback serves POST /api/hq/feedback/{id}/reply {"reply": "…"}; the
// guide gets the reply as an app message.
func (s *Server) replyFeedback(c *gin.Context) {
	svc := s.tasks
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	var req struct {
		Reply string `json:"reply"`
	}
	if !bindJSON(c, &req) {
		return
	}
	f, err := svc.ReplyFeedback(c.Request.Context(), id, req.Reply, "hq")
	reply(c, http.StatusOK, f, err)
}
