package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
)

// memberTagsRequest is the body of POST /api/hq/members/{id}/tags.
type memberTagsRequest struct {
	Add    []string `json:"add"`
	Remove []string `json:"remove"`
}

// editMemberTags adds and removes manual tags, then queues their mirroring
// to WeCom (removals included). It answers the member as it now is.
func (s *Server) editMemberTags(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	var req memberTagsRequest
	if !bindJSON(c, &req) {
		return
	}
	if len(req.Add)+len(req.Remove) == 0 {
		writeError(c, invalid("give tags to add or remove"))
		return
	}
	ctx := c.Request.Context()
	memberID, err := s.tags.EditTags(ctx, id, req.Add, req.Remove, model.TagSourceManual)
	if err != nil {
		writeError(c, err)
		return
	}
	s.queueTagMirror(c, memberID, req.Remove)
	m, err := s.members.GetMember(ctx, memberID)
	reply(c, http.StatusOK, m, err)
}

// memberRelations lists the member's guide relations, ended ones included.
func (s *Server) memberRelations(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	rels, err := s.members.Relations(c.Request.Context(), id)
	reply(c, http.StatusOK, gin.H{"relations": rels}, err)
}

// queueTagMirror queues the mirroring of a member's tags to WeCom after a
// tag edit (one task per request). A queue failure is logged: the tags are
// saved, and the next edit or reconcile mirrors them.
func (s *Server) queueTagMirror(c *gin.Context, memberID int64, removed []string) {
	if s.enq == nil {
		return
	}
	// A fresh id per request: the client's X-Request-Id must never name a
	// queue task (a reused one would swallow later mirrors).
	key := "http:" + newTaskKey()
	t, err := tasks.NewMirrorTagsTask(memberID, removed, key)
	if err == nil {
		err = s.enq.Enqueue(c.Request.Context(), t, tasks.QueueDefault)
	}
	if err != nil {
		logger(c).Warn("tags saved but not queued for WeCom", "member", memberID, "err", err)
	}
}
