package wxtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// pathAuthorize is the browser's web-authorisation page.
const pathAuthorize = "/connect/oauth2/authorize"

// webState is what the fake remembers of web authorisation, JS-SDK tickets
// and the menu.
type webState struct {
	browserOpenID string          // who the authorize page signs in
	usedCodes     map[string]bool // codes are single-use
	tokens        map[string]string
	menu          []byte // the last menu created
}

func newWebState() webState {
	return webState{browserOpenID: "o_member", usedCodes: map[string]bool{}, tokens: map[string]string{}}
}

// SetBrowserOpenID sets who the authorize page signs in (default
// "o_member"), as if that follower had opened the page in WeChat.
func (s *Server) SetBrowserOpenID(openID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.web.browserOpenID = openID
}

// Menu returns the body of the last menu/create call that succeeded, or nil.
func (s *Server) Menu() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]byte(nil), s.web.menu...)
}

// OAuthCode returns a code for openID and scope, as the authorize page
// would hand out: "oacode_<openid>~<scope>~<n>". Codes are single-use.
func (s *Server) OAuthCode(openID, scope string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.oauthCodeLocked(openID, scope)
}

func (s *Server) oauthCodeLocked(openID, scope string) string {
	s.seq++
	return fmt.Sprintf("oacode_%s~%s~%d", openID, scope, s.seq)
}

// authorize is GET /connect/oauth2/authorize: it sends the browser back to
// redirect_uri with a code for the browser's openid and the state, as
// WeChat does once the member allows (snsapi_base: at once).
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	scope := q.Get("scope")
	if err != nil || redirect.Scheme == "" || q.Get("appid") == "" || (scope != "snsapi_base" && scope != "snsapi_userinfo") {
		http.Error(w, "wxtest: bad authorize request (redirect_uri, appid, scope)", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	code := s.oauthCodeLocked(s.web.browserOpenID, scope)
	s.mu.Unlock()
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// snsToken is GET /sns/oauth2/access_token?appid&secret&code&grant_type.
func (s *Server) snsToken(q url.Values, _ []byte) map[string]any {
	code := q.Get("code")
	switch {
	case q.Get("grant_type") != "authorization_code":
		return errBody(40002, "invalid grant_type")
	case q.Get("appid") == "" || q.Get("secret") == "":
		return errBody(41002, "appid or secret missing")
	case !strings.HasPrefix(code, "oacode_") || s.web.usedCodes[code]:
		return errBody(40029, "invalid code")
	}
	s.web.usedCodes[code] = true
	parts := strings.Split(strings.TrimPrefix(code, "oacode_"), "~")
	openID, scope := parts[0], "snsapi_base"
	if len(parts) > 1 && parts[1] == "snsapi_userinfo" {
		scope = parts[1]
	}
	if openID == "" {
		return errBody(40029, "invalid code")
	}
	tok := s.nextID("webtoken-")
	s.web.tokens[tok] = openID
	return map[string]any{"access_token": tok, "expires_in": 7200, "refresh_token": s.nextID("refresh-"),
		"openid": openID, "scope": scope}
}

// snsUserInfo is GET /sns/userinfo?access_token&openid&lang.
func (s *Server) snsUserInfo(q url.Values, _ []byte) map[string]any {
	openID, ok := s.web.tokens[q.Get("access_token")]
	if !ok || openID != q.Get("openid") {
		return errBody(40001, "invalid credential, access_token is invalid or not latest")
	}
	nick := "Member " + openID
	if u, ok := s.oa.users[openID]; ok && u.Nickname != "" {
		nick = u.Nickname
	}
	return map[string]any{"openid": openID, "nickname": nick, "sex": 0, "province": "", "city": "", "country": "",
		"headimgurl": "http://thirdwx.qlogo.cn/fake/" + openID, "privilege": []string{}, "unionid": "union-" + openID}
}

// oaTicket is GET /cgi-bin/ticket/getticket?type=jsapi.
func (s *Server) oaTicket(q url.Values, _ []byte) map[string]any {
	if q.Get("type") != "jsapi" && q.Get("type") != "wx_card" {
		return errBody(40058, "invalid parameter: type")
	}
	return okBody(map[string]any{"ticket": s.nextID("oa-jsapi-ticket-"), "expires_in": 7200})
}

// menuCreate is POST /cgi-bin/menu/create: 1–3 buttons, each with a name and
// a type, or up to 5 sub-buttons.
func (s *Server) menuCreate(_ url.Values, body []byte) map[string]any {
	type button struct {
		Type string   `json:"type"`
		Name string   `json:"name"`
		Key  string   `json:"key"`
		URL  string   `json:"url"`
		Sub  []button `json:"sub_button"`
	}
	var req struct {
		Button []button `json:"button"`
	}
	_ = json.Unmarshal(body, &req)
	if len(req.Button) == 0 || len(req.Button) > 3 {
		return errBody(40016, "invalid button size")
	}
	check := func(b button) map[string]any {
		switch {
		case b.Name == "":
			return errBody(40017, "invalid button name")
		case b.Type == "click" && b.Key == "":
			return errBody(40019, "invalid button key")
		case b.Type == "view" && !strings.HasPrefix(b.URL, "http"):
			return errBody(40055, "invalid button url")
		case b.Type != "click" && b.Type != "view":
			return errBody(40018, "invalid button type")
		}
		return nil
	}
	for _, b := range req.Button {
		if len(b.Sub) > 5 {
			return errBody(40023, "invalid sub button size")
		}
		if len(b.Sub) == 0 {
			if e := check(b); e != nil {
				return e
			}
		}
		for _, sb := range b.Sub {
			if e := check(sb); e != nil {
				return e
			}
		}
	}
	s.web.menu = append([]byte(nil), body...)
	return okBody(nil)
}
