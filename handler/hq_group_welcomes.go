package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// groupWelcomeRequest is the body of PUT /api/hq/group-welcomes/{scene}.
type groupWelcomeRequest struct {
	Text string `json:"text"`
}

// saveGroupWelcome creates (201) or replaces (200) a scene's group welcome.
func (s *Server) saveGroupWelcome(c *gin.Context) {
	var req groupWelcomeRequest
	if !bindJSON(c, &req) {
		return
	}
	w, created, err := s.groups.SaveWelcome(c.Request.Context(), c.Param("scene"), req.Text)
	if err != nil {
		writeError(c, err)
		return
	}
	respondSaved(c, created, w)
}

func (s *Server) getGroupWelcome(c *gin.Context) {
	w, err := s.groups.GetWelcome(c.Request.Context(), c.Param("scene"))
	reply(c, http.StatusOK, w, err)
}

func (s *Server) listGroupWelcomes(c *gin.Context) {
	ws, err := s.groups.ListWelcomes(c.Request.Context())
	reply(c, http.StatusOK, gin.H{"group_welcomes": ws}, err)
}

func (s *Server) deleteGroupWelcome(c *gin.Context) {
	if err := s.groups.DeleteWelcome(c.Request.Context(), c.Param("scene")); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
