package handler

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
)

// wecomLoginBase is WeCom's web-login (扫码登录) page.
const wecomLoginBase = "https://login.work.weixin.qq.com/wwlogin/sso/login"

// wecomLoginStart serves GET /api/auth/wecom/start: the URL of WeCom's
// login QR page for the console to open, with a state bound to this
// browser by a cookie.
func (s *Server) wecomLoginStart(c *gin.Context) {
	if s.sidebarWX == nil || s.wecomCorpID == "" || s.wecomAgentID == "" {
		writeError(c, model.Errorf(model.EUNAVAILABLE, "企业微信扫码登录未配置：需要 SIYU_WECOM_CORPID、SIYU_WECOM_AGENT_ID 和 SIYU_WECOM_AGENT_SECRET"))
		return
	}
	base := strings.TrimRight(s.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if c.Request.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + c.Request.Host
	}
	q := url.Values{"login_type": {"CorpApp"}, "appid": {s.wecomCorpID}, "agentid": {s.wecomAgentID},
		"redirect_uri": {base + "/api/auth/wecom/callback"}, "state": {consoleState.issue(c)}}
	c.JSON(http.StatusOK, gin.H{"url": wecomLoginBase + "?" + q.Encode()})
}

// wecomLoginCallback serves GET /api/auth/wecom/callback?code=&state=, where
// WeCom sends the browser back after the scan: the code names a WeCom
// userid, the operator bound to it gets a session, and the browser goes to
// the console. 403 for a state this browser did not start, 401 for a code
// WeCom refuses or a userid no operator has.
func (s *Server) wecomLoginCallback(c *gin.Context) {
	if s.sidebarWX == nil {
		writeError(c, model.Errorf(model.EUNAVAILABLE, "企业微信扫码登录未配置"))
		return
	}
	if err := consoleState.check(c); err != nil {
		writeError(c, err)
		return
	}
	code := c.Query("code")
	if code == "" {
		writeError(c, invalid("code: required"))
		return
	}
	userID, err := s.sidebarWX.OAuthUserID(c.Request.Context(), code)
	if err != nil {
		logger(c).Warn("WeCom login code refused", "err", err)
		writeError(c, model.Errorf(model.EUNAUTHORIZED, "企业微信未确认此次登录，请重新扫码"))
		return
	}
	sess, err := s.ops.LoginWeCom(c.Request.Context(), userID, actor(c))
	if err != nil {
		writeError(c, err)
		return
	}
	s.setSessionCookie(c, sess.Token, int(s.ops.SessionTTL.Seconds()))
	c.Redirect(http.StatusFound, "/console/")
}
