package wxtest

import (
	"fmt"
	"net/http"
	"net/url"
)

// pathWeComLogin is WeCom's web-login (扫码登录) page.
const pathWeComLogin = "/wwlogin/sso/login"

// SetWeComLoginUser sets who scans the WeCom login page's QR code (default
// "hq01", a member of the default corp).
func (s *Server) SetWeComLoginUser(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wc.loginUser = userID
}

// wecomLogin is GET /wwlogin/sso/login: as if the login user had scanned
// the QR code and confirmed, it sends the browser back to redirect_uri with
// a single-use code for auth/getuserinfo ("code_<userid>~<n>") and the state.
func (s *Server) wecomLogin(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme == "" || q.Get("login_type") != "CorpApp" || q.Get("appid") == "" || q.Get("agentid") == "" {
		http.Error(w, "wxtest: bad login request (login_type=CorpApp, appid, agentid, redirect_uri)", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.seq++
	code := fmt.Sprintf("code_%s~login%d", s.wc.loginUser, s.seq)
	s.mu.Unlock()
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}
