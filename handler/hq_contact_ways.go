package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/guides"
)

// contactWayRequest is the body of POST /api/hq/contact-ways.
type contactWayRequest struct {
	Scene      string   `json:"scene"`
	Guides     []string `json:"guides"`
	Remark     string   `json:"remark"`
	SkipVerify *bool    `json:"skip_verify"` // default true: customers are added at once
}

// needChannels answers 503 when the channel service is not wired.
func (s *Server) needChannels(c *gin.Context) bool {
	return serviceWired(c, s.codes != nil, "contact-way and QR codes are not available: WeChat/WeCom are not configured")
}

func (s *Server) createContactWay(c *gin.Context) {
	var req contactWayRequest
	if !bindJSON(c, &req) {
		return
	}
	if !s.needChannels(c) {
		return
	}
	skip := req.SkipVerify == nil || *req.SkipVerify
	cw, err := s.codes.CreateContactWay(c.Request.Context(), guides.ContactWayRequest{
		Scene: req.Scene, Guides: req.Guides, Remark: req.Remark, SkipVerify: skip,
	})
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusCreated, cw)
}

func (s *Server) listContactWays(c *gin.Context) {
	ways, err := s.guides.ListContactWays(c.Request.Context(), c.Query("scene"))
	reply(c, http.StatusOK, gin.H{"contact_ways": ways}, err)
}

// deleteContactWay deletes the code in WeCom too.
func (s *Server) deleteContactWay(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	if !s.needChannels(c) {
		return
	}
	if err := s.codes.DeleteContactWay(c.Request.Context(), id); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
