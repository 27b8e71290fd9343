package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// sidebarGroup serves GET /api/sidebar/groups/{chat_id}: the group open in
// the chat, for a guide who owns it or is in it, or manages its store.
func (s *Server) sidebarGroup(c *gin.Context) {
	g, _ := guideOf(c)
	v, err := s.groups.ForGuide(c.Request.Context(), g, c.Param("chat_id"))
	reply(c, http.StatusOK, v, err)
}
