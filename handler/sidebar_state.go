package handler

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
)

// oauthCookie binds a WeCom OAuth round trip to the browser that started
// it: the page puts the same value in the OAuth `state`.
// retry tells the person how to start again when the state does not match.
type oauthCookie struct{ name, path, retry string }

var (
	sidebarState = oauthCookie{"siyu_oauth_state", "/api/sidebar/", "请从企业微信重新打开侧边栏"}
	consoleState = oauthCookie{"siyu_login_state", "/api/auth/", "请回到登录页重新扫码"}
)

// issue sets a fresh state cookie (HttpOnly, SameSite=Lax so it
// survives the top-level redirect back from WeCom; 10 minutes) and returns
// the value for the OAuth URL.
func (oc oauthCookie) issue(c *gin.Context) string {
	b := make([]byte, 16)
	rand.Read(b)
	state := hex.EncodeToString(b)
	http.SetCookie(c.Writer, &http.Cookie{Name: oc.name, Value: state, Path: oc.path, MaxAge: 600,
		HttpOnly: true, Secure: c.Request.TLS != nil, SameSite: http.SameSiteLaxMode})
	return state
}

// check refuses a login whose state does not match this
// browser's state cookie (a code obtained elsewhere and planted here), and
// clears the cookie: a state is used once. Errors: EFORBIDDEN.
func (oc oauthCookie) check(c *gin.Context) error {
	want, _ := c.Cookie(oc.name)
	got := c.Query("state")
	http.SetCookie(c.Writer, &http.Cookie{Name: oc.name, Value: "", Path: oc.path, MaxAge: -1, HttpOnly: true})
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return model.Errorf(model.EFORBIDDEN, "登录状态校验失败（state 不匹配），%s", oc.retry)
	}
	return nil
}
