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
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	var req memberTagsRequest
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, err)
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
	if s.enq != nil {
		key := "hq:" + c.GetString(ctxRequestID) // one mirror per request
		if t, err := tasks.NewMirrorTagsTask(memberID, req.Remove, key); err == nil {
			if err := s.enq.Enqueue(ctx, t, tasks.QueueDefault); err != nil {
				logger(c).Warn("tags saved but not queued for WeCom", "member", memberID, "err", err)
			}
		}
	}
	m, err := s.tags.GetMember(ctx, memberID)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, m)
}

// memberRelations lists the member's guide relations, ended ones included.
func (s *Server) memberRelations(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	rels, err := s.tags.Relations(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"relations": rels})
}
