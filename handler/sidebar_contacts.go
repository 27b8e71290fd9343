package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// sidebarContact serves GET /api/sidebar/contacts/{external_userid}.
func (s *Server) sidebarContact(c *gin.Context) {
	m, err := s.customerFor(c, c.Param("external_userid"))
	if err != nil {
		writeError(c, err)
		return
	}
	p, err := s.profiles.Contact(c.Request.Context(), m.ID)
	reply(c, http.StatusOK, p, err)
}

type tagChange struct {
	Add    []string `json:"add"`
	Remove []string `json:"remove"`
}

// sidebarTags serves POST /api/sidebar/contacts/{external_userid}/tags:
// the guide adds or removes manual tags.
func (s *Server) sidebarTags(c *gin.Context) {
	m, err := s.customerFor(c, c.Param("external_userid"))
	if err != nil {
		writeError(c, err)
		return
	}
	var req tagChange
	if !bindJSON(c, &req) {
		return
	}
	if len(req.Add) == 0 && len(req.Remove) == 0 {
		writeError(c, invalid("add or remove: name at least one tag"))
		return
	}
	g, _ := guideOf(c)
	full, err := s.members.ChangeManualTags(c.Request.Context(), m.ID, req.Add, req.Remove, g.UserID)
	if err != nil {
		writeError(c, err)
		return
	}
	s.queueTagMirror(c, full.ID, req.Remove)
	respond(c, http.StatusOK, gin.H{"tags": full.Tags})
}
