package handler

import (
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/operators"
)

const (
	ctxPrincipal = "siyu.principal"
	// hqCookie carries the console session.
	hqCookie = "siyu_hq"
	// bootstrapUser names the SIYU_HQ_TOKEN caller in the audit log.
	bootstrapUser = "hq-token"
)

// principal is who calls the HQ API and how they proved it.
type principal struct {
	op   model.Operator // ID 0 for the bootstrap token
	via  string         // "token", "key" or "session"
	csrf string         // the session's CSRF token
}

func (p principal) role() string { return p.op.Role }

// caller returns the request's principal; ok is false before authHQ ran.
func caller(c *gin.Context) (principal, bool) {
	v, ok := c.Get(ctxPrincipal)
	if !ok {
		return principal{}, false
	}
	return v.(principal), true
}

// actor describes the caller for the audit log.
func actor(c *gin.Context) operators.Actor {
	a := operators.Actor{Address: c.ClientIP(), UserAgent: c.Request.UserAgent()}
	if p, ok := caller(c); ok {
		a.OperatorID, a.Username, a.Role = p.op.ID, p.op.Username, p.op.Role
	}
	return a
}

// isWrite reports whether method changes something.
func isWrite(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// authHQ admits a request bearing SIYU_HQ_TOKEN or an operator's API key as
// `Authorization: Bearer`, or a console session cookie; a write made with
// the cookie must also carry the session's X-CSRF-Token. 401 without
// credentials, 403 for a write without the CSRF token.
func (s *Server) authHQ(c *gin.Context) {
	p, err := s.authenticate(c)
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="siyu-hq"`)
		writeError(c, err)
		return
	}
	if p.via == "session" && isWrite(c.Request.Method) &&
		subtle.ConstantTimeCompare([]byte(c.GetHeader("X-CSRF-Token")), []byte(p.csrf)) != 1 {
		writeError(c, model.Errorf(model.EFORBIDDEN, "写操作需要 X-CSRF-Token 请求头（登录时返回的 csrf_token）"))
		return
	}
	c.Set(ctxPrincipal, p)
	c.Set(ctxRole, p.role())
	c.Next()
}

// authenticate finds the caller from the bearer key or the session cookie.
// Errors: EUNAUTHORIZED.
func (s *Server) authenticate(c *gin.Context) (principal, error) {
	ctx := c.Request.Context()
	if h := c.GetHeader("Authorization"); h != "" {
		key, ok := strings.CutPrefix(h, "Bearer ")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return principal{}, model.Errorf(model.EUNAUTHORIZED, "Authorization: want Bearer <key>")
		}
		if s.hqToken != "" && subtle.ConstantTimeCompare([]byte(key), []byte(s.hqToken)) == 1 {
			return principal{op: model.Operator{Username: bootstrapUser, Role: model.OpAdmin}, via: "token"}, nil
		}
		op, err := s.ops.OperatorByKey(ctx, key)
		if err != nil {
			if model.ErrorCode(err) == model.EUNAUTHORIZED {
				err = model.Errorf(model.EUNAUTHORIZED, "missing or invalid bearer token")
			}
			return principal{}, err
		}
		return principal{op: op, via: "key"}, nil
	}
	if ck, err := c.Cookie(hqCookie); err == nil && ck != "" {
		sess, err := s.ops.SessionByToken(ctx, ck)
		if err != nil {
			if model.ErrorCode(err) == model.EUNAUTHORIZED {
				err = model.Errorf(model.EUNAUTHORIZED, "登录已失效，请重新登录")
			}
			return principal{}, err
		}
		return principal{op: sess.Operator, via: "session", csrf: sess.CSRF}, nil
	}
	return principal{}, model.Errorf(model.EUNAUTHORIZED, "missing or invalid bearer token")
}

// login serves POST /api/auth/login {"username","password"}: the operator,
// a CSRF token and the session cookie. The same 401 for an unknown user and
// a wrong password; 429 while locked out.
func (s *Server) login(c *gin.Context) {
	var req struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	if !bindJSON(c, &req) {
		return
	}
	sess, err := s.ops.Login(c.Request.Context(), req.Username, req.Password, actor(c))
	if err != nil {
		if model.ErrorCode(err) == model.ETOOMANY {
			s.metrics.Limited.WithLabelValues("login").Inc()
		}
		writeError(c, err)
		return
	}
	s.setSessionCookie(c, sess.Token, int(s.ops.SessionTTL.Seconds()))
	c.JSON(http.StatusOK, gin.H{"operator": sess.Operator, "csrf_token": sess.CSRF})
}

// setSessionCookie sets (maxAge > 0) or clears (maxAge < 0) the console
// cookie: HttpOnly, SameSite=Strict, Secure over https.
func (s *Server) setSessionCookie(c *gin.Context, value string, maxAge int) {
	secure := c.Request.TLS != nil || strings.HasPrefix(strings.ToLower(s.PublicURL), "https://")
	http.SetCookie(c.Writer, &http.Cookie{Name: hqCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
}

// logout serves POST /api/auth/logout: the session ends server-side.
func (s *Server) logout(c *gin.Context) {
	p, _ := caller(c)
	if p.via == "session" {
		ck, _ := c.Cookie(hqCookie)
		if err := s.ops.Logout(c.Request.Context(), ck, actor(c)); err != nil {
			writeError(c, err)
			return
		}
	}
	s.setSessionCookie(c, "", -1)
	c.JSON(http.StatusOK, gin.H{"ok": true})
}

// me serves GET /api/auth/me: the signed-in operator (and, for a session,
// its CSRF token, so a reloaded console can write again).
func (s *Server) me(c *gin.Context) {
	p, _ := caller(c)
	out := gin.H{"operator": p.op}
	if p.via == "session" {
		out["csrf_token"] = p.csrf
	}
	c.JSON(http.StatusOK, out)
}
