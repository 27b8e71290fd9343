package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/materials"
)

type sendMaterialRequest struct {
	ExternalUserID string `json:"external_userid"`
}

// sidebarMaterials serves GET /api/sidebar/materials?q=&group=&type=: the
// materials switched on and open to the guide's store.
func (s *Server) sidebarMaterials(c *gin.Context) {
	g, _ := guideOf(c)
	out, err := s.materials.List(c.Request.Context(), materials.Query{Q: c.Query("q"), Group: c.Query("group"),
		Type: c.Query("type"), StoreCode: g.StoreCode, EnabledOnly: true})
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, gin.H{"materials": out})
}

// sidebarSendMaterial serves POST /api/sidebar/materials/{id}/send: the
// sendChatMessage payload (with the media_id for uploaded content), and
// the send counted for the guide.
func (s *Server) sidebarSendMaterial(c *gin.Context) {
	var req sendMaterialRequest
	if !bindJSON(c, &req) {
		return
	}
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	g, _ := guideOf(c)
	p, err := s.materials.Send(c.Request.Context(), g, id, req.ExternalUserID)
	reply(c, http.StatusOK, gin.H{"message": p}, err)
}

// sidebarMaterialContent serves GET /api/sidebar/materials/{id}/content:
// the preview of an uploaded material open to the guide's store.
func (s *Server) sidebarMaterialContent(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	g, _ := guideOf(c)
	data, ct, err := s.materials.ContentFor(c.Request.Context(), g, id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Data(http.StatusOK, ct, data)
}
