package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// routes lists every route in one place.
func (s *Server) routes(r *gin.Engine) {
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(s.metrics.Handler()))

	r.GET("/wechat/callback", s.wechatVerify)
	r.POST("/wechat/callback", s.wechatCallback)

	hq := r.Group("/api/hq", requireHQ(s.hqToken))
	hq.POST("/scenes", s.saveScene)
	hq.GET("/scenes", s.listScenes)
	hq.GET("/scenes/:scene", s.getScene)
	hq.DELETE("/scenes/:scene", s.deleteScene)
	hq.GET("/members", s.findMembers)
	hq.GET("/members/:id", s.getMember)
	hq.GET("/members/:id/ledger", s.memberLedger)

	if s.queues != nil {
		r.Any("/admin/queues/*path", requireHQ(s.hqToken), gin.WrapH(s.queues))
	}
	r.NoRoute(func(c *gin.Context) {
		c.JSON(http.StatusNotFound, gin.H{"error": gin.H{"code": "not_found", "message": "no such path: " + c.Request.URL.Path}})
	})
}
