package wx

import (
	"context"
	"errors"
	"net/url"
)

// Official Account web authorisation (网页授权) paths.
const (
	pathOAuthAuthorize = "/connect/oauth2/authorize"
	pathOAuthToken     = "/sns/oauth2/access_token"
	pathSNSUserInfo    = "/sns/userinfo"

	// oauthHost is where WeChat's browser is sent to authorise; a configured
	// WeChatAPIBase (a fake upstream) serves the page itself.
	oauthHost = "https://open.weixin.qq.com"
)

// OAuth scopes: base signs the member in silently with the openid; userinfo
// asks them to share nickname and avatar.
const (
	ScopeBase     = "snsapi_base"
	ScopeUserInfo = "snsapi_userinfo"
)

// WebUser is who signed in through web authorisation. Nickname and Avatar
// are filled only for the userinfo scope.
type WebUser struct {
	OpenID   string
	UnionID  string
	Scope    string
	Nickname string
	Avatar   string
}

// OAuthURL returns the address to send WeChat's browser to for web
// authorisation with scope (ScopeBase or ScopeUserInfo); WeChat comes back to
// redirect with ?code=…&state=state. It returns ErrNotConfigured without an
// Official Account.
func (c *Client) OAuthURL(redirect, scope, state string) (string, error) {
	if c.cfg.WeChatAppID == "" {
		return "", errNotConfigured(c.oa)
	}
	base := oauthHost
	if c.oaBase != WeChatHost {
		base = c.oaBase
	}
	q := url.Values{"appid": {c.cfg.WeChatAppID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {scope}, "state": {state}}
	return base + pathOAuthAuthorize + "?" + q.Encode() + "#wechat_redirect", nil
}

// ExchangeOAuthCode trades the code of a web-authorisation redirect for the
// member's openid (codes are single-use and live 5 minutes); for the userinfo
// scope it also reads nickname and avatar. It returns ErrNotConfigured and
// *Error, e.g. 40029 for an invalid or used code.
func (c *Client) ExchangeOAuthCode(ctx context.Context, code string) (WebUser, error) {
	if code == "" {
		return WebUser{}, errors.New("wx: empty oauth code")
	}
	if c.cfg.WeChatAppID == "" {
		return WebUser{}, errNotConfigured(c.oa)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		OpenID      string `json:"openid"`
		Scope       string `json:"scope"`
		UnionID     string `json:"unionid"`
	}
	q := url.Values{"appid": {c.cfg.WeChatAppID}, "secret": {c.cfg.WeChatSecret}, "code": {code}, "grant_type": {"authorization_code"}}
	if err := c.plainGet(ctx, pathOAuthToken, q, "", &tok); err != nil {
		return WebUser{}, err
	}
	if tok.OpenID == "" {
		return WebUser{}, errors.New("wx: " + pathOAuthToken + " answered no openid")
	}
	u := WebUser{OpenID: tok.OpenID, UnionID: tok.UnionID, Scope: tok.Scope}
	if tok.Scope != ScopeUserInfo {
		return u, nil
	}
	var info struct {
		Nickname   string `json:"nickname"`
		HeadImgURL string `json:"headimgurl"`
		UnionID    string `json:"unionid"`
	}
	q = url.Values{"openid": {tok.OpenID}, "lang": {"zh_CN"}}
	if err := c.plainGet(ctx, pathSNSUserInfo, q, tok.AccessToken, &info); err != nil {
		return WebUser{}, err
	}
	u.Nickname, u.Avatar = info.Nickname, info.HeadImgURL
	if u.UnionID == "" {
		u.UnionID = info.UnionID
	}
	return u, nil
}

// plainGet is a GET to the Official Account API with the given token (the
// member's web token, or none) instead of the account's access token.
func (c *Client) plainGet(ctx context.Context, path string, q url.Values, tok string, out any) error {
	return c.send(ctx, request{path: path, query: q, token: &tokenSource{base: c.oaBase}}, tok, nil, out)
}
