package handler

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
)

// stateCookie binds a WeCom OAuth round trip to the browser that started
// it: the page puts the same value in the OAuth `state`.
const stateCookie = "siyu_oauth_state"

// newOAuthState sets a fresh state cookie (HttpOnly, SameSite=Lax so it
// survives the top-level redirect back from WeCom; 10 minutes) and returns
// the value for the OAuth URL.
func newOAuthState(c *gin.Context) string {
	b := make([]byte, 16)
	rand.Read(b)
	state := hex.EncodeToString(b)
	http.SetCookie(c.Writer, &http.Cookie{Name: stateCookie, Value: state, Path: "/api/sidebar/", MaxAge: 600,
		HttpOnly: true, Secure: c.Request.TLS != nil, SameSite: http.SameSiteLaxMode})
	return state
}

// checkOAuthState refuses a login whose state does not match this
// browser's state cookie (a code obtained elsewhere and planted here), and
// clears the cookie: a state is used once. Errors: EFORBIDDEN.
func checkOAuthState(c *gin.Context) error {
	want, _ := c.Cookie(stateCookie)
	got := c.Query("state")
	http.SetCookie(c.Writer, &http.Cookie{Name: stateCookie, Value: "", Path: "/api/sidebar/", MaxAge: -1, HttpOnly: true})
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return model.Errorf(model.EFORBIDDEN, "登录状态校验失败（state 不匹配），请从企业微信重新打开侧边栏")
	}
	return nil
}
