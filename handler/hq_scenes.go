package handler

import (
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
)

// sceneRequest is the body of POST /api/hq/scenes.
type sceneRequest struct {
	Scene       string   `json:"scene"`
	Tags        []string `json:"tags"`
	StoreCode   string   `json:"store_code"`
	GuideUserID string   `json:"guide_userid"`
	Welcome     string   `json:"welcome"`
	BonusPoints int64    `json:"bonus_points"`
}

// decodeJSON decodes the body into v, refusing unknown fields and trailing
// data with a message that says what is wrong.
func decodeJSON(c *gin.Context, v any) error {
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if _, ok := err.(interface{ Limit() int64 }); ok {
			return err
		}
		return invalid("request body is not valid JSON for this endpoint: %v", err)
	}
	if dec.More() {
		return invalid("request body has data after the JSON object")
	}
	return nil
}

func (s *Server) saveScene(c *gin.Context) {
	var req sceneRequest
	if !bindJSON(c, &req) {
		return
	}
	sc, created, err := s.tags.SaveScene(c.Request.Context(), model.Scene{
		Scene: req.Scene, Tags: req.Tags, StoreCode: req.StoreCode, GuideUserID: req.GuideUserID,
		Welcome: req.Welcome, BonusPoints: req.BonusPoints,
	})
	if err != nil {
		writeError(c, err)
		return
	}
	respondSaved(c, created, sc)
}

func (s *Server) listScenes(c *gin.Context) {
	scenes, err := s.tags.ListScenes(c.Request.Context())
	reply(c, http.StatusOK, gin.H{"scenes": scenes}, err)
}

func (s *Server) getScene(c *gin.Context) {
	sc, err := s.tags.GetScene(c.Request.Context(), c.Param("scene"))
	reply(c, http.StatusOK, sc, err)
}

func (s *Server) deleteScene(c *gin.Context) {
	if err := s.tags.DeleteScene(c.Request.Context(), c.Param("scene")); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
