package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
)

// groupCodeRequest is the body of POST and PUT /api/hq/group-codes.
type groupCodeRequest struct {
	Scene          string   `json:"scene"`
	ChatIDs        []string `json:"chat_ids"`
	AutoCreateRoom bool     `json:"auto_create_room"`
	RoomBaseName   string   `json:"room_base_name"`
	RoomBaseID     int      `json:"room_base_id"`
	Remark         string   `json:"remark"`
}

func (r groupCodeRequest) code() model.GroupCode {
	return model.GroupCode{Scene: r.Scene, ChatIDs: r.ChatIDs, AutoCreateRoom: r.AutoCreateRoom,
		RoomBaseName: r.RoomBaseName, RoomBaseID: r.RoomBaseID, Remark: r.Remark}
}

func (s *Server) createGroupCode(c *gin.Context) {
	var req groupCodeRequest
	if !bindJSON(c, &req) {
		return
	}
	gc, err := s.groups.CreateCode(c.Request.Context(), req.code())
	reply(c, http.StatusCreated, gc, err)
}

func (s *Server) updateGroupCode(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	var req groupCodeRequest
	if !bindJSON(c, &req) {
		return
	}
	gc, err := s.groups.UpdateCode(c.Request.Context(), id, req.code())
	reply(c, http.StatusOK, gc, err)
}

func (s *Server) getGroupCode(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	gc, err := s.groups.GetCode(c.Request.Context(), id)
	reply(c, http.StatusOK, gc, err)
}

func (s *Server) listGroupCodes(c *gin.Context) {
	codes, err := s.groups.ListCodes(c.Request.Context())
	reply(c, http.StatusOK, gin.H{"group_codes": codes}, err)
}

// deleteGroupCode deletes the code in WeCom too.
func (s *Server) deleteGroupCode(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	if err := s.groups.DeleteCode(c.Request.Context(), id); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
