package handler

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
)

// wecomLoginMissing says what to configure for WeCom QR login.
const wecomLoginMissing = "企业微信扫码登录未配置：需要 SIYU_WECOM_CORPID、SIYU_WECOM_AGENT_ID 和 SIYU_WECOM_AGENT_SECRET"

// wecomAppReady reports whether the WeCom self-built app is configured:
// operators can sign in with WeCom's login QR code and guides get app
// messages.
func (s *Server) wecomAppReady() bool {
	return s.sidebarWX != nil && s.wecomCorpID != "" && s.wecomAgentID != ""
}

// loginOptions serves GET /api/auth/options (public): the ways the login
// page may offer, so it shows the WeCom QR button only where it works.
func (s *Server) loginOptions(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"password": true, "wecom_qr": s.wecomAppReady()})
}

// wecomLoginStart serves GET /api/auth/wecom/start: the URL of WeCom's
// login QR page for the console to open, with a state bound to this
// browser by a cookie.
func (s *Server) wecomLoginStart(c *gin.Context) {
	if !s.wecomAppReady() {
		writeError(c, model.Errorf(model.EUNAVAILABLE, wecomLoginMissing))
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
	u, err := s.sidebarWX.WeComLoginURL(base+"/api/auth/wecom/callback", consoleState.issue(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"url": u})
}

// wecomLoginCallback serves GET /api/auth/wecom/callback?code=&state=, where
// WeCom sends the browser back after the scan: the code names a WeCom
// userid, the operator bound to it gets a session, and the browser goes to
// the console. Every refusal — a state this browser did not start (one
// use each), a code WeCom refuses, a userid no operator has — sends the
// browser back to the login page with the reason in Chinese (?wecom_error=).
func (s *Server) wecomLoginCallback(c *gin.Context) {
	back := func(msg string) {
		c.Redirect(http.StatusFound, "/console/login?"+url.Values{"wecom_error": {msg}}.Encode())
	}
	if !s.wecomAppReady() {
		back(wecomLoginMissing)
		return
	}
	if err := consoleState.check(c); err != nil {
		back(model.ErrorMessage(err))
		return
	}
	code := c.Query("code")
	if code == "" {
		back("企业微信没有返回登录码，请重新扫码")
		return
	}
	userID, err := s.sidebarWX.OAuthUserID(c.Request.Context(), code)
	if err != nil {
		logger(c).Warn("WeCom login code refused", "err", err)
		back("企业微信未确认此次登录，请重新扫码")
		return
	}
	sess, err := s.ops.LoginWeCom(c.Request.Context(), userID, actor(c))
	if err != nil {
		if model.ErrorCode(err) != model.EUNAUTHORIZED {
			logger(c).Error("WeCom login", "err", err)
			back("登录失败，请稍后再试")
			return
		}
		back(model.ErrorMessage(err))
		return
	}
	s.setSessionCookie(c, sess.Token, int(s.ops.SessionTTL.Seconds()))
	c.Redirect(http.StatusFound, "/console/")
}
