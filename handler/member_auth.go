package handler

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"image"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/wx"
)

// MemberWeChat is what the member centre needs from the Official Account:
// web authorisation, the JS-SDK ticket and invite QR codes. *wx.Client
// implements it.
type MemberWeChat interface {
	OAuthURL(redirect, scope, state string) (string, error)
	ExchangeOAuthCode(ctx context.Context, code string) (wx.WebUser, error)
	OAJSAPITicket(ctx context.Context) (string, error)
	CreateQRCode(ctx context.Context, scene string, expire time.Duration) (wx.QRCode, error)
	GetUser(ctx context.Context, openID string) (wx.OAUser, error)
}

// MemberCentre configures the member centre (/m/ and /api/m/).
type MemberCentre struct {
	WeChat    MemberWeChat // nil: sign-in answers 503
	PublicURL string       // where members reach Siyu; "" derives it from the request
	// PosterBackground is the brand's invite-poster background (scaled to
	// 750×1200); nil draws one.
	PosterBackground image.Image
	// ReadsPerMinute and WritesPerMinute limit each member (defaults 120 and 20).
	ReadsPerMinute, WritesPerMinute int64
}

// Member-centre cookies and session lifetimes.
const (
	memberCookie = "siyu_member"
	stateCookie  = "siyu_member_oauth"
	memberTTL    = 7 * 24 * time.Hour
	stateTTL     = 10 * time.Minute
	ctxMember    = "siyu.member"
)

// memberSide holds the member centre's signers and settings.
type memberSide struct {
	MemberCentre
	sessions *Sessions // member sessions: UserID "m:<member id>"
	states   *Sessions // OAuth state: UserID "state:<nonce>"
	prefix   string    // Redis key prefix for the rate limits
}

func newMemberSide(mc MemberCentre, secret, prefix string, now func() time.Time) *memberSide {
	if mc.ReadsPerMinute == 0 {
		mc.ReadsPerMinute = 120
	}
	if mc.WritesPerMinute == 0 {
		mc.WritesPerMinute = 20
	}
	signer := NewSessions(secret, memberTTL, now)
	states := *signer // same key, shorter life
	states.ttl = stateTTL
	return &memberSide{MemberCentre: mc, sessions: signer, states: &states, prefix: prefix}
}

// setMemberCookie writes an HttpOnly, SameSite=Lax cookie (Lax so WeChat's
// redirect back from authorisation carries the state cookie).
func setMemberCookie(c *gin.Context, name, value string, exp time.Time) {
	r := c.Request
	secure := r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: "/", Expires: exp,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// safeNext keeps a post-sign-in destination inside the member centre.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/m/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/m/"
	}
	return next
}

// publicBase is the absolute origin members reach Siyu at.
func (s *Server) publicBase(c *gin.Context) string {
	if s.member.PublicURL != "" {
		return strings.TrimRight(s.member.PublicURL, "/")
	}
	scheme := "http"
	if c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + c.Request.Host
}

// memberOAuthStart serves GET /api/m/oauth/start?scope=base|userinfo&next=:
// it sets a signed state cookie and sends the browser to WeChat's web
// authorisation. snsapi_userinfo only when the member chose to share their
// nickname and avatar.
func (s *Server) memberOAuthStart(c *gin.Context) {
	if s.member.WeChat == nil {
		writeError(c, model.Errorf(model.EUNAVAILABLE, "公众号未配置，暂时无法登录"))
		return
	}
	scope := wx.ScopeBase
	switch c.DefaultQuery("scope", "base") {
	case "base":
	case "userinfo":
		scope = wx.ScopeUserInfo
	default:
		writeError(c, invalid("scope: want base or userinfo"))
		return
	}
	b := make([]byte, 12)
	rand.Read(b)
	nonce := hex.EncodeToString(b)
	value, exp := s.member.states.Issue("state:" + nonce)
	setMemberCookie(c, stateCookie, value, exp)
	redirect := s.publicBase(c) + "/api/m/oauth/callback?next=" + url.QueryEscape(safeNext(c.Query("next")))
	to, err := s.member.WeChat.OAuthURL(redirect, scope, nonce)
	if err != nil {
		writeError(c, model.Errorf(model.EUNAVAILABLE, "公众号未配置，暂时无法登录"))
		return
	}
	c.Redirect(http.StatusFound, to)
}

// memberOAuthCallback serves GET /api/m/oauth/callback?code=&state=&next=:
// the state must match the cookie set by start; the code gives the openid
// (and, for snsapi_userinfo, nickname and avatar); the member session is set
// and the browser goes on to next.
func (s *Server) memberOAuthCallback(c *gin.Context) {
	raw, _ := c.Cookie(stateCookie)
	st, ok := s.member.states.Verify(raw)
	if !ok || c.Query("state") == "" || st.UserID != "state:"+c.Query("state") {
		writeError(c, model.Errorf(model.EUNAUTHORIZED, "登录校验失败，请从公众号菜单重新打开会员中心"))
		return
	}
	setMemberCookie(c, stateCookie, "", time.Unix(1, 0)) // one use
	if c.Query("code") == "" || s.member.WeChat == nil {
		writeError(c, model.Errorf(model.EUNAUTHORIZED, "未获得微信授权，请重新打开会员中心"))
		return
	}
	ctx := c.Request.Context()
	u, err := s.member.WeChat.ExchangeOAuthCode(ctx, c.Query("code"))
	if err != nil {
		logger(c).Warn("member OAuth failed", "err", err)
		writeError(c, model.Errorf(model.EUNAUTHORIZED, "微信授权已失效，请重新打开会员中心"))
		return
	}
	m, follower, err := s.webMember(c, u.OpenID)
	if err != nil {
		writeError(c, err)
		return
	} else if !follower {
		c.Redirect(http.StatusFound, "/m/#/follow")
		return
	}
	if u.Scope == wx.ScopeUserInfo && (u.Nickname != "" || u.Avatar != "") {
		if err := s.loyalty.SetWebProfile(ctx, m.ID, u.Nickname, u.Avatar); err != nil {
			writeError(c, err)
			return
		}
	}
	value, exp := s.member.sessions.Issue("m:" + strconv.FormatInt(m.ID, 10))
	setMemberCookie(c, memberCookie, value, exp)
	c.Redirect(http.StatusFound, safeNext(c.Query("next")))
}

// webMember returns the member behind an openid that signed in. An openid
// Siyu has not met is a member only if it follows the account (a follower
// from before Siyu): someone who opened a shared link without following gets
// follower false and no member row.
func (s *Server) webMember(c *gin.Context, openID string) (m model.Member, follower bool, err error) {
	ctx := c.Request.Context()
	known, err := s.members.FindMembers(ctx, members.MemberFilter{OpenID: openID, Limit: 1})
	if err != nil {
		return m, false, err
	}
	if len(known) == 0 {
		user, err := s.member.WeChat.GetUser(ctx, openID)
		if err != nil {
			logger(c).Warn("member sign-in: user/info", "err", err)
			return m, false, model.Errorf(model.EUPSTREAM, "微信暂时没有响应，请稍后再试")
		}
		if !user.Subscribed {
			return m, false, nil
		}
	}
	m, err = s.members.FindOrCreateOAMember(ctx, s.oaCfg.AppID, openID)
	return m, err == nil, err
}

// requireMember admits requests with a valid member session (401 without),
// loads the member (following a merge), checks the CSRF token on writes
// and applies the per-member rate limits.
func (s *Server) requireMember(c *gin.Context) {
	raw, err := c.Cookie(memberCookie)
	sess, ok := s.member.sessions.Verify(raw)
	id, perr := strconv.ParseInt(strings.TrimPrefix(sess.UserID, "m:"), 10, 64)
	if err != nil || !ok || !strings.HasPrefix(sess.UserID, "m:") || perr != nil {
		writeError(c, model.Errorf(model.EUNAUTHORIZED, "请先登录：从公众号菜单打开会员中心"))
		return
	}
	write := c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead
	if write && !hmacEqual(c.GetHeader("X-CSRF-Token"), s.memberCSRF(raw)) {
		writeError(c, model.Errorf(model.EFORBIDDEN, "页面已过期，请刷新后再试"))
		return
	}
	if !s.memberAllowed(c, id, write) {
		return
	}
	m, err := s.members.GetMember(c.Request.Context(), id)
	if model.ErrorCode(err) == model.ENOTFOUND {
		writeError(c, model.Errorf(model.EUNAUTHORIZED, "会员不存在，请重新打开会员中心"))
		return
	} else if err != nil {
		writeError(c, err)
		return
	}
	c.Set(ctxMember, m.Member) // GetMember answers the API view; memberOf hands out the row
	c.Next()
}

// memberOf returns the signed-in member (set by requireMember).
func memberOf(c *gin.Context) model.Member { return c.MustGet(ctxMember).(model.Member) }

// memberCSRF is the CSRF token of a session: a MAC of the cookie, so it
// needs no storage and changes with each sign-in.
func (s *Server) memberCSRF(cookie string) string { return s.member.sessions.sign("csrf:" + cookie) }

func hmacEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// memberAllowed counts the request against the member's per-minute budget
// in Redis (shared by all instances); past it the answer is 429.
func (s *Server) memberAllowed(c *gin.Context, memberID int64, write bool) bool {
	kind, limit := "r", s.member.ReadsPerMinute
	if write {
		kind, limit = "w", s.member.WritesPerMinute
	}
	key := fmt.Sprintf("%s:m:rl:%s:%d:%d", s.member.prefix, kind, memberID, s.now().Unix()/60)
	ctx := c.Request.Context()
	n, err := s.rdb.Incr(ctx, key).Result()
	if err != nil {
		logger(c).Warn("member rate limit: Redis", "err", err) // fail open: Redis down must not lock members out
		return true
	}
	if n == 1 {
		s.rdb.Expire(ctx, key, 2*time.Minute)
	}
	if n > limit {
		c.Header("Retry-After", "60")
		c.AbortWithStatusJSON(http.StatusTooManyRequests, gin.H{"error": gin.H{"code": "rate_limited", "message": "操作太频繁了，请稍后再试"}})
		return false
	}
	return true
}

// memberLogout serves POST /api/m/logout.
func (s *Server) memberLogout(c *gin.Context) {
	setMemberCookie(c, memberCookie, "", time.Unix(1, 0))
	c.Status(http.StatusNoContent)
}
