package handler

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/groups"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
)

// hqGroupRoutes are WeCom customer groups and their 加入群聊 codes.
func (s *Server) hqGroupRoutes(hq *gin.RouterGroup) {
	hq.GET("/groups", s.needGroups, s.listGroups)
	hq.POST("/groups/sync", s.needGroups, s.syncGroups)
	hq.GET("/groups/:chat_id", s.needGroups, s.getGroup)
	hq.GET("/group-codes", s.needGroups, s.listGroupCodes)
	hq.POST("/group-codes", s.needGroups, s.createGroupCode)
	hq.GET("/group-codes/:id", s.needGroups, s.getGroupCode)
	hq.PUT("/group-codes/:id", s.needGroups, s.updateGroupCode)
	hq.DELETE("/group-codes/:id", s.needGroups, s.deleteGroupCode)
	hq.GET("/group-welcomes", s.needGroups, s.listGroupWelcomes)
	hq.GET("/group-welcomes/:scene", s.needGroups, s.getGroupWelcome)
	hq.PUT("/group-welcomes/:scene", s.needGroups, s.saveGroupWelcome)
	hq.DELETE("/group-welcomes/:scene", s.needGroups, s.deleteGroupWelcome)
	hq.GET("/members/:id/groups", s.needGroups, memberList("groups", func(ctx context.Context, id int64, _ int) ([]groups.MemberGroup, error) {
		return s.groups.MemberGroups(ctx, id)
	}))
}

// needGroups answers 503 when the group service is not wired.
func (s *Server) needGroups(c *gin.Context) {
	if serviceWired(c, s.groups != nil, "customer groups are not available") {
		c.Next()
	}
}

// listGroups answers GET /api/hq/groups?store_code=&owner=&q=&limit=&offset=.
func (s *Server) listGroups(c *gin.Context) {
	limit, offset, err := pageParams(c)
	if err != nil {
		writeError(c, err)
		return
	}
	store := c.Query("store_code")
	if scoped := scopedStore(c); scoped != "" {
		store = scoped
	}
	gs, err := s.groups.List(c.Request.Context(), groups.Filter{StoreCode: store, Owner: c.Query("owner"), Q: c.Query("q"), Limit: limit, Offset: offset})
	reply(c, http.StatusOK, gin.H{"groups": gs}, err)
}

// getGroup answers GET /api/hq/groups/{chat_id} with the members; a store
// manager sees only their store's groups.
func (s *Server) getGroup(c *gin.Context) {
	g, err := s.groups.Get(c.Request.Context(), c.Param("chat_id"))
	if err == nil {
		if scoped := scopedStore(c); scoped != "" && g.StoreCode != scoped {
			err = groups.ErrGroupNotFound
		}
	}
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, g)
}

// syncGroupsRequest is the optional body of POST /api/hq/groups/sync.
type syncGroupsRequest struct {
	Owners []string `json:"owners"`
}

// syncGroups answers POST /api/hq/groups/sync: the walk over groupchat/list
// and groupchat/get runs on the queue; 202 with the run's name.
func (s *Server) syncGroups(c *gin.Context) {
	var req syncGroupsRequest
	if c.Request.ContentLength > 0 {
		if !bindJSON(c, &req) {
			return
		}
	}
	if s.enq == nil || s.wcCfg.CorpID == "" {
		writeError(c, model.Errorf(model.EUNAVAILABLE, "同步需要任务队列和企业微信配置（SIYU_WECOM_CORPID）"))
		return
	}
	run := fmt.Sprintf("%d", s.now().UnixNano())
	t, err := tasks.NewSyncGroupsTask(tasks.SyncGroupsPayload{CorpID: s.wcCfg.CorpID, Run: run, Owners: req.Owners})
	if err == nil { // recorded first: the sweeper queues the page if this enqueue is lost
		err = s.groups.StartSync(c.Request.Context(), s.wcCfg.CorpID, run, req.Owners)
	}
	if err == nil {
		err = s.enq.Enqueue(c.Request.Context(), t, tasks.QueueLow)
	}
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusAccepted, gin.H{"run": run, "queued": true})
}
