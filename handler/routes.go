package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// routes lists every route: the callbacks and probes here, HQ and the
// sidebar in the helpers below.
func (s *Server) routes(r *gin.Engine) {
	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", s.requireMetrics, gin.WrapH(s.metrics.Handler()))

	r.POST("/api/auth/login", s.login)
	r.POST("/api/auth/logout", s.authHQ, s.logout)
	r.GET("/api/auth/me", s.authHQ, s.me)
	r.GET("/api/auth/options", s.loginOptions)
	r.GET("/api/auth/wecom/start", s.wecomLoginStart)
	r.GET("/api/auth/wecom/callback", s.wecomLoginCallback)

	r.GET("/wechat/callback", s.wechatVerify)
	r.POST("/wechat/callback", s.wechatCallback)
	r.GET("/wecom/callback", s.wecomVerify)
	r.POST("/wecom/callback", s.wecomCallback)

	hq := r.Group("/api/hq", s.authHQ, s.auditHQ, s.authorize, s.scopeStore, s.idempotency())
	hq.GET("/operators", s.listOperators)
	hq.POST("/operators", s.createOperator)
	hq.GET("/operators/:id", s.getOperator)
	hq.PUT("/operators/:id", s.updateOperator)
	hq.DELETE("/operators/:id", s.deleteOperator)
	hq.POST("/operators/:id/keys", s.createOperatorKey)
	hq.DELETE("/operators/:id/keys/:prefix", s.revokeOperatorKey)
	hq.GET("/audit", s.listAudit)
	hq.GET("/config", s.runningConfig)
	s.hqMemberRoutes(hq)
	s.hqLoyaltyRoutes(hq)
	s.hqOrganisationRoutes(hq)
	s.hqTaskRoutes(hq)
	s.hqHandoverRoutes(hq)
	s.hqMaterialRoutes(hq)
	s.hqGroupRoutes(hq)
	s.sidebarRoutes(r)
	s.memberRoutes(r)

	if s.queues != nil {
		r.Any("/admin/queues/*path", s.authQueues, gin.WrapH(s.queues))
	}
	r.NoRoute(func(c *gin.Context) {
		respond(c, http.StatusNotFound, gin.H{"error": gin.H{"code": "not_found", "message": "no such path: " + c.Request.URL.Path}})
	})
}

// hqMemberRoutes are HQ's scenes and its views and edits of one member.
func (s *Server) hqMemberRoutes(hq *gin.RouterGroup) {
	hq.POST("/scenes", s.saveScene)
	hq.GET("/scenes", s.listScenes)
	hq.GET("/scenes/:scene", s.getScene)
	hq.DELETE("/scenes/:scene", s.deleteScene)
	hq.GET("/members", s.findMembers)
	hq.GET("/members/:id", s.getMember)
	hq.GET("/members/:id/ledger", memberList("entries", s.loyalty.Ledger))
	hq.GET("/members/:id/points", s.memberPoints)
	hq.POST("/members/:id/points", s.adjustPoints)
	hq.GET("/members/:id/level", s.memberLevel)
	hq.PUT("/members/:id/birthday", s.setBirthday)
	hq.GET("/members/:id/invite", s.memberInvite)
	hq.GET("/members/:id/orders", memberList("orders", s.loyalty.MemberOrders))
	hq.GET("/members/:id/coupons", s.memberCoupons)
	hq.GET("/members/:id/redemptions", memberList("redemptions", s.loyalty.MemberRedemptions))
	hq.POST("/members/:id/redemptions", s.redeem)
	hq.POST("/members/:id/tags", s.editMemberTags)
	hq.GET("/members/:id/relations", s.memberRelations)
	hq.GET("/members/:id/timeline", s.memberTimeline)
	hq.GET("/scenes/:scene/stats", s.sceneStats)
}

// hqLoyaltyRoutes are orders, earning rules, levels, the points mall,
// coupons, segments and the dashboards' metrics.
func (s *Server) hqLoyaltyRoutes(hq *gin.RouterGroup) {
	hq.POST("/orders", s.postOrders)
	hq.GET("/orders/:id", s.getOrder)
	hq.POST("/orders/:id/refund", s.refundOrder)
	hq.POST("/events", s.postEvent)

	hq.GET("/earning-rules", s.listEarningRules)
	hq.PUT("/earning-rules/:channel", s.saveEarningRule)
	hq.GET("/levels", s.listLevels)
	hq.PUT("/levels/:name", s.saveLevel)
	hq.DELETE("/levels/:name", s.deleteLevel)

	hq.POST("/rewards", s.createReward)
	hq.GET("/rewards", s.listRewards)
	hq.GET("/rewards/:id", s.getReward)
	hq.PUT("/rewards/:id", s.updateReward)
	hq.POST("/rewards/:id/stock", s.restockReward)
	hq.POST("/rewards/:id/image", s.uploadRewardImage)
	hq.GET("/rewards/:id/image", s.rewardImage)
	hq.GET("/redemptions", s.listRedemptions)
	hq.POST("/redemptions/pickup", s.pickUp)

	hq.POST("/coupon-templates", s.createCouponTemplate)
	hq.GET("/coupon-templates", s.listCouponTemplates)
	hq.GET("/coupon-templates/:id", s.getCouponTemplate)
	hq.PUT("/coupon-templates/:id", s.updateCouponTemplate)
	hq.POST("/coupons/issue", s.issueCoupons)
	hq.POST("/coupons/redeem", s.redeemCoupon)
	hq.GET("/coupons/:code", s.getCoupon)

	hq.POST("/segments/recompute", s.recomputeSegments)
	hq.GET("/segments/runs", s.listSegmentRuns)
	hq.POST("/segments/preview", s.previewSegment)
	hq.GET("/metrics/summary", s.metricsSummary)
	for name, fn := range metricRoutes {
		hq.GET("/metrics/"+name, s.metric(fn))
	}
	hq.GET("/metrics/funnel", s.funnel)
	hq.GET("/metrics/cohorts", s.cohorts)
	hq.GET("/metrics/coupon-templates", s.couponTemplateStats)
	hq.GET("/metrics/winback", s.winback)
	hq.GET("/metrics/winback/members", s.winbackMembers)
}

// hqOrganisationRoutes are stores, guides, contact ways, QR codes and the
// sidebar's script library.
func (s *Server) hqOrganisationRoutes(hq *gin.RouterGroup) {
	hq.POST("/stores", s.saveStore)
	hq.GET("/stores", s.listStores)
	hq.POST("/stores/import", s.importStores)
	hq.POST("/guides", s.saveGuide)
	hq.GET("/guides", s.listGuides)
	hq.POST("/guides/import", s.importGuides)
	hq.POST("/guides/sync", s.syncGuides)
	hq.POST("/contact-ways", s.createContactWay)
	hq.GET("/contact-ways", s.listContactWays)
	hq.DELETE("/contact-ways/:id", s.deleteContactWay)
	hq.POST("/qrcodes", s.createQRCode)
	hq.GET("/qrcodes", s.listQRCodes)
	hq.POST("/script-groups", s.saveScriptGroup)
	hq.PUT("/script-groups/:id", s.saveScriptGroup)
	hq.DELETE("/script-groups/:id", s.deleteScriptGroup)
	hq.GET("/scripts", s.listScripts)
	hq.GET("/scripts/usage", s.scriptUsage)
	hq.POST("/scripts", s.saveScript)
	hq.PUT("/scripts/:id", s.saveScript)
	hq.DELETE("/scripts/:id", s.deleteScript)
}

// hqTaskRoutes are HQ tasks and the guides' feedback on them.
func (s *Server) hqTaskRoutes(hq *gin.RouterGroup) {
	hq.POST("/tasks", s.needTasks, s.createTask)
	hq.GET("/tasks", s.needTasks, s.listTasks)
	hq.POST("/tasks/preview", s.needTasks, s.previewTask)
	hq.GET("/tasks/:id", s.needTasks, s.getTask)
	hq.POST("/tasks/:id/dispatch", s.needTasks, s.dispatchTask)
	hq.POST("/tasks/:id/cancel", s.needTasks, s.cancelTask)
	hq.POST("/tasks/:id/close", s.needTasks, s.closeTask)
	hq.GET("/tasks/:id/report", s.needTasks, s.taskReport)
	hq.GET("/tasks/:id/effect", s.needTasks, s.taskEffect)
	hq.GET("/feedback", s.needTasks, s.listFeedback)
	hq.POST("/feedback/:id/reply", s.needTasks, s.replyFeedback)
}

// sidebarRoutes are the WeCom sidebar page and its API (guides sign in).
func (s *Server) sidebarRoutes(r *gin.Engine) {
	r.GET("/api/sidebar/login", s.sidebarLogin)
	r.GET("/api/sidebar/config", s.sidebarConfig)
	r.GET("/console/*file", consolePage)
	r.GET("/sidebar", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/sidebar/") })
	r.GET("/sidebar/*file", s.sidebarPage)
	sb := r.Group("/api/sidebar", s.requireGuide)
	sb.GET("/me", s.sidebarMe)
	sb.GET("/jssdk", s.sidebarJSSDK)
	sb.GET("/contacts/:external_userid", s.sidebarContact)
	sb.GET("/groups/:chat_id", s.needGroups, s.sidebarGroup)
	sb.POST("/contacts/:external_userid/tags", s.sidebarTags)
	sb.POST("/contacts/:external_userid/coupons", s.sidebarIssueCoupon)
	sb.GET("/coupon-templates", s.sidebarCouponTemplates)
	sb.GET("/scripts", s.sidebarScripts)
	sb.POST("/scripts/:id/sent", s.sidebarScriptSent)
	sb.GET("/tasks", s.needTasks, s.sidebarTasks)
	sb.POST("/task-items/:id", s.needTasks, s.sidebarTaskItem)
	sb.POST("/feedback", s.needTasks, s.sidebarFeedback)
	sb.POST("/coupons/redeem", s.sidebarRedeemCoupon)
	sb.GET("/materials", s.needMaterials, s.sidebarMaterials)
	sb.POST("/materials/:id/send", s.needMaterials, s.sidebarSendMaterial)
	sb.GET("/materials/:id/content", s.needMaterials, s.sidebarMaterialContent)
}

// memberRoutes are the member centre: the page and its API, behind the
// member's session from Official Account web authorisation.
func (s *Server) memberRoutes(r *gin.Engine) {
	r.GET("/m", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/m/") })
	r.GET("/m/*file", s.memberPage)
	r.GET("/api/m/oauth/start", s.memberOAuthStart)
	r.GET("/api/m/oauth/callback", s.memberOAuthCallback)
	m := r.Group("/api/m", s.requireMember)
	m.GET("/me", s.memberMe)
	m.GET("/card", s.memberCard)
	m.GET("/checkins", s.memberCheckins)
	m.POST("/checkins", s.memberCheckIn)
	m.GET("/rewards", s.memberRewards)
	m.POST("/rewards/:id/redeem", s.memberRedeem)
	m.GET("/coupons", s.memberCouponList)
	m.GET("/coupons/:id", s.memberCoupon)
	m.GET("/points", s.memberLedger)
	m.GET("/invite", s.memberInviteInfo)
	m.GET("/invite/poster.png", s.memberPoster)
	m.PUT("/profile", s.memberProfile)
	m.GET("/jssdk", s.memberJSSDK)
	m.POST("/logout", s.memberLogout)
}
