package wx

import "net/url"

// WeCom web login (企业微信扫码登录): the browser opens WeCom's login page,
// the user scans its QR code with WeCom, and WeCom sends the browser back
// with a code that auth/getuserinfo (OAuthUserID) turns into the userid.
const (
	pathWeComLogin = "/wwlogin/sso/login"

	// wecomLoginHost serves the login page; a configured WeComAPIBase (a
	// fake upstream) serves it itself.
	wecomLoginHost = "https://login.work.weixin.qq.com"
)

// WeComLoginURL returns the address of WeCom's login QR page for the
// self-built app; WeCom comes back to redirect with ?code=…&state=state.
// It returns ErrNotConfigured without the app (corp id, agent id and
// secret).
func (c *Client) WeComLoginURL(redirect, state string) (string, error) {
	if c.agent.handle == nil {
		return "", errNotConfigured(c.agent)
	}
	base := wecomLoginHost
	if c.wcBase != WeComHost {
		base = c.wcBase
	}
	q := url.Values{"login_type": {"CorpApp"}, "appid": {c.cfg.WeComCorpID}, "agentid": {c.cfg.WeComAgentID},
		"redirect_uri": {redirect}, "state": {state}}
	return base + pathWeComLogin + "?" + q.Encode(), nil
}
