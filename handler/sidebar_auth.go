package handler

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
)

// SidebarWeCom is what the sidebar needs from WeCom: the OAuth code
// exchange and the JS-SDK tickets. *wx.Client implements it.
type SidebarWeCom interface {
	OAuthUserID(ctx context.Context, code string) (string, error)
	JSAPITicket(ctx context.Context) (string, error)
	AgentJSAPITicket(ctx context.Context) (string, error)
	// WeComLoginURL is WeCom's login QR page for the console (扫码登录).
	WeComLoginURL(redirect, state string) (string, error)
}

const (
	ctxGuide      = "siyu.guide"
	ctxGuideStore = "siyu.guide_store"
)

// sidebarLogin exchanges the WeCom OAuth code for the guide's userid and
// sets the signed session cookie. Only registered guides and store managers
// may sign in.
func (s *Server) sidebarLogin(c *gin.Context) {
	code := c.Query("code")
	if code == "" {
		writeError(c, invalid("code: required (the WeCom OAuth code from the page URL)"))
		return
	}
	if s.sidebarWX == nil {
		writeError(c, model.Errorf(model.EUNAVAILABLE, "WeCom is not configured: set SIYU_WECOM_CORPID and SIYU_WECOM_AGENT_SECRET"))
		return
	}
	if err := sidebarState.check(c); err != nil {
		writeError(c, err)
		return
	}
	userID, err := s.sidebarWX.OAuthUserID(c.Request.Context(), code)
	if err != nil {
		logger(c).Warn("sidebar OAuth failed", "err", err)
		writeError(c, model.Errorf(model.EUNAUTHORIZED, "WeCom did not accept the code; reopen the sidebar"))
		return
	}
	g, storeName, err := s.guides.GuideByUserID(c.Request.Context(), userID)
	if model.ErrorCode(err) == model.ENOTFOUND {
		writeError(c, model.Errorf(model.EFORBIDDEN, "%s is not registered as a guide; ask HQ to add you", userID))
		return
	} else if err != nil {
		writeError(c, err)
		return
	}
	value, exp := s.sessions.Issue(g.UserID)
	s.sessions.setCookie(c.Writer, c.Request, value, exp)
	respond(c, http.StatusOK, gin.H{"userid": g.UserID, "name": g.Name, "role": g.Role, "store_code": g.StoreCode, "store_name": storeName, "expires_at": exp})
}

// requireGuide admits requests with a valid session cookie of a guide who is
// still registered; 401 otherwise.
func (s *Server) requireGuide(c *gin.Context) {
	cookie, err := c.Cookie(sessionCookie)
	if err != nil {
		writeError(c, model.Errorf(model.EUNAUTHORIZED, "no sidebar session: open the sidebar from WeCom to sign in"))
		return
	}
	sess, ok := s.sessions.Verify(cookie)
	if !ok {
		writeError(c, model.Errorf(model.EUNAUTHORIZED, "the sidebar session is invalid or expired: sign in again"))
		return
	}
	g, storeName, err := s.guides.GuideByUserID(c.Request.Context(), sess.UserID)
	if model.ErrorCode(err) == model.ENOTFOUND {
		writeError(c, model.Errorf(model.EUNAUTHORIZED, "%s is no longer a registered guide", sess.UserID))
		return
	} else if err != nil {
		writeError(c, err)
		return
	}
	c.Set(ctxGuide, g)
	c.Set(ctxGuideStore, storeName)
	c.Next()
}

// guideOf returns the signed-in guide (set by requireGuide).
func guideOf(c *gin.Context) (model.Guide, string) {
	return c.MustGet(ctxGuide).(model.Guide), c.GetString(ctxGuideStore)
}

// jsSignature is a wx.config / wx.agentConfig signature set.
type jsSignature struct {
	CorpID    string `json:"corpid"`
	AgentID   string `json:"agentid,omitempty"`
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
}

// sidebarJSSDK returns the config and agentConfig signatures for the page
// URL (without its #fragment), as WeCom's JS-SDK expects.
func (s *Server) sidebarJSSDK(c *gin.Context) {
	raw := c.Query("url")
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		writeError(c, invalid("url: want the page's full http(s) URL"))
		return
	}
	u.Fragment = ""
	if s.sidebarWX == nil {
		writeError(c, model.Errorf(model.EUNAVAILABLE, "WeCom is not configured"))
		return
	}
	ctx := c.Request.Context()
	corpTicket, err := s.sidebarWX.JSAPITicket(ctx)
	var agentTicket string
	if err == nil {
		agentTicket, err = s.sidebarWX.AgentJSAPITicket(ctx)
	}
	if err != nil {
		logger(c).Warn("JS-SDK ticket", "err", err)
		writeError(c, model.Errorf(model.EUNAVAILABLE, "WeCom did not issue a JS-SDK ticket; try again shortly"))
		return
	}
	ts := s.now().Unix()
	cfg := signJS(corpTicket, u.String(), ts)
	cfg.CorpID = s.wecomCorpID
	agent := signJS(agentTicket, u.String(), ts)
	agent.CorpID, agent.AgentID = s.wecomCorpID, s.wecomAgentID
	respond(c, http.StatusOK, gin.H{"config": cfg, "agentConfig": agent})
}

// signJS computes sha1("jsapi_ticket=…&noncestr=…&timestamp=…&url=…").
func signJS(ticket, pageURL string, ts int64) jsSignature {
	b := make([]byte, 8)
	rand.Read(b)
	nonce := hex.EncodeToString(b)
	h := sha1.Sum([]byte("jsapi_ticket=" + ticket + "&noncestr=" + nonce + "&timestamp=" + strconv.FormatInt(ts, 10) + "&url=" + pageURL))
	return jsSignature{Timestamp: ts, NonceStr: nonce, Signature: hex.EncodeToString(h[:])}
}
