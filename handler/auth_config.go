package handler

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/config"
	"github.com/siyu/siyu/model"
)

// AuthConfig holds what the HTTP surface needs to know about who may call
// it, beyond the HQ token.
type AuthConfig struct {
	// PublicURL is where people reach Siyu; https here makes cookies Secure.
	PublicURL string
	// MetricsToken is the bearer token for /metrics (an admin key works
	// too); empty leaves only admin keys.
	MetricsToken string
	// AllowPlainOA accepts plaintext-mode Official Account callbacks although
	// an AES key is set (SIYU_WECHAT_ALLOW_PLAIN=1).
	AllowPlainOA bool
	// TrustedProxies may set X-Forwarded-For; nil trusts none, so the
	// client address is the peer's.
	TrustedProxies []string
	// RunningConfig is the configuration with secrets masked, shown to
	// admins at GET /api/hq/config.
	RunningConfig []config.Setting
}

// requireMetrics admits /metrics with the metrics token or an admin's key
// (or session) as a bearer; 401 without. The internal listener on
// SIYU_METRICS_ADDR serves the registry without this check.
func (s *Server) requireMetrics(c *gin.Context) {
	got, _ := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
	if s.MetricsToken != "" && got != "" && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.MetricsToken)) == 1 {
		c.Next()
		return
	}
	p, err := s.authenticate(c)
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="siyu-metrics"`)
		writeError(c, model.Errorf(model.EUNAUTHORIZED, "/metrics needs SIYU_METRICS_TOKEN or an admin key as a bearer token"))
		return
	}
	if p.role() != model.OpAdmin {
		writeError(c, model.Errorf(model.EFORBIDDEN, "/metrics is for admins"))
		return
	}
	c.Next()
}

// authQueues guards the queue dashboard: an admin's bearer key or console
// session (never Basic auth, which a browser replays). Writes made with the
// session must come from this origin (the dashboard's own page cannot send
// X-CSRF-Token, so Origin is checked instead) or carry X-CSRF-Token.
// Operators and analysts get a read-only view; store managers 403.
func (s *Server) authQueues(c *gin.Context) {
	p, err := s.authenticate(c)
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="siyu-hq"`)
		writeError(c, err)
		return
	}
	write := isWrite(c.Request.Method)
	switch {
	case p.role() == model.OpAdmin:
	case !write && (p.role() == model.OpOperator || p.role() == model.OpAnalyst):
	default:
		writeError(c, model.Errorf(model.EFORBIDDEN, "角色 %s 无权操作队列", p.role()))
		return
	}
	if write && p.via == "session" && !sameOrigin(c.Request) &&
		subtle.ConstantTimeCompare([]byte(c.GetHeader("X-CSRF-Token")), []byte(p.csrf)) != 1 {
		writeError(c, model.Errorf(model.EFORBIDDEN, "跨站请求被拒绝"))
		return
	}
	c.Set(ctxPrincipal, p)
	c.Next()
}

// sameOrigin reports whether the browser says the request comes from a
// page of this host (Origin, or Sec-Fetch-Site when Origin is absent).
func sameOrigin(r *http.Request) bool {
	if o := r.Header.Get("Origin"); o != "" {
		u, err := url.Parse(o)
		return err == nil && u.Host == r.Host
	}
	return r.Header.Get("Sec-Fetch-Site") == "same-origin"
}
