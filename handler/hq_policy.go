package handler

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
)

// rule says which roles may call the routes it matches. Routes match by
// method ("*" any, "GET" reads, "WRITE" anything else) and by the route
// template below /api/hq (a trailing "*" matches a prefix). The first
// matching rule decides; a route no rule matches is admin only.
type rule struct {
	method string
	route  string
	roles  []string
}

var (
	allRoles  = []string{model.OpAdmin, model.OpOperator, model.OpAnalyst, model.OpStoreManager}
	hqReaders = []string{model.OpAdmin, model.OpOperator, model.OpAnalyst}
	hqWriters = []string{model.OpAdmin, model.OpOperator}
	adminOnly = []string{model.OpAdmin}
)

// hqPolicy is the one place that says who may do what in the HQ API.
// Store managers' reads are further limited to their store by scopeStore.
var hqPolicy = []rule{
	{"*", "/operators*", adminOnly},
	{"*", "/audit*", adminOnly},
	{"*", "/config", adminOnly},

	// What a store manager may read (scoped to their store) and answer.
	{"GET", "/members", allRoles},
	{"GET", "/members/:id", allRoles},
	{"GET", "/members/:id/ledger", allRoles},
	{"GET", "/members/:id/points", allRoles},
	{"GET", "/members/:id/level", allRoles},
	{"GET", "/members/:id/orders", allRoles},
	{"GET", "/members/:id/coupons", allRoles},
	{"GET", "/members/:id/redemptions", allRoles},
	{"GET", "/members/:id/relations", allRoles},
	{"GET", "/members/:id/timeline", allRoles},
	{"GET", "/members/:id/groups", allRoles},
	{"GET", "/groups", allRoles},
	{"GET", "/groups/:chat_id", allRoles},
	{"GET", "/metrics/coupon-templates", hqReaders}, // brand-wide figures, no store scope
	{"GET", "/metrics/*", allRoles},                 // funnel and cohorts: store_code forced to a store manager's store
	{"GET", "/tasks", allRoles},
	{"GET", "/tasks/:id", allRoles},
	{"GET", "/tasks/:id/report", allRoles},
	// A store manager sees the effect of their store's part of a task only
	// (figures over the customers targeted through the store); a task that
	// never reached the store answers 404, as its report does.
	{"GET", "/tasks/:id/effect", allRoles},
	{"GET", "/feedback", allRoles},
	{"WRITE", "/feedback/:id/reply", []string{model.OpAdmin, model.OpOperator, model.OpStoreManager}},

	// Everything else: HQ staff read, operators and admins write.
	{"GET", "*", hqReaders},
	{"WRITE", "*", hqWriters},
}

// allowed reports whether role may call method on route (the template
// below /api/hq, as gin's FullPath without the group prefix).
func allowed(role, method, route string) bool {
	for _, r := range hqPolicy {
		if !r.matches(method, route) {
			continue
		}
		for _, want := range r.roles {
			if want == role {
				return true
			}
		}
		return false
	}
	return role == model.OpAdmin
}

func (r rule) matches(method, route string) bool {
	switch r.method {
	case "*":
	case "WRITE":
		if !isWrite(method) {
			return false
		}
	default:
		if method != r.method && !(r.method == "GET" && method == "HEAD") {
			return false
		}
	}
	if p, ok := strings.CutSuffix(r.route, "*"); ok {
		return strings.HasPrefix(route, p)
	}
	return route == r.route
}

// hqRoute is the request's route template below /api/hq.
func hqRoute(c *gin.Context) string { return strings.TrimPrefix(c.FullPath(), "/api/hq") }

// authorize answers 403 when the caller's role may not call the route.
func (s *Server) authorize(c *gin.Context) {
	p, _ := caller(c)
	if !allowed(p.role(), c.Request.Method, hqRoute(c)) {
		writeError(c, model.Errorf(model.EFORBIDDEN, "角色 %s 无权执行此操作", p.role()))
		return
	}
	c.Next()
}
