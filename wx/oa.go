package wx

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Official Account API paths.
const (
	pathQRCreate       = "/cgi-bin/qrcode/create"
	pathCustomSend     = "/cgi-bin/message/custom/send"
	pathTemplateSend   = "/cgi-bin/message/template/send"
	pathUserInfo       = "/cgi-bin/user/info"
	pathTagsGet        = "/cgi-bin/tags/get"
	pathTagsCreate     = "/cgi-bin/tags/create"
	pathTagsBatchTag   = "/cgi-bin/tags/members/batchtagging"
	pathTagsBatchUntag = "/cgi-bin/tags/members/batchuntagging"

	// showQRCodeURL turns a ticket into the QR code image.
	showQRCodeURL = "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket="

	maxTempQRExpire = 30 * 24 * time.Hour
	maxSceneLen     = 64
)

// oaCall is a request with the Official Account token.
func (c *Client) oaCall(path string, query url.Values, body any) request {
	return request{path: path, query: query, body: body, token: c.oa}
}

// CreateQRCode creates a parametric QR code for the string scene (1–64 bytes).
// expire 0 makes a permanent code; a positive expire makes a temporary one,
// rounded up to whole seconds and capped at 30 days. It returns an error for
// a bad scene or negative expire, ErrNotConfigured, and *Error from WeChat
// (e.g. 45009 when the permanent-code quota is used up).
func (c *Client) CreateQRCode(ctx context.Context, scene string, expire time.Duration) (QRCode, error) {
	if scene == "" || len(scene) > maxSceneLen {
		return QRCode{}, fmt.Errorf("wx: QR scene must be 1-%d bytes, got %d", maxSceneLen, len(scene))
	}
	if expire < 0 {
		return QRCode{}, errors.New("wx: QR expire must not be negative")
	}
	// basic.NewTmpQrRequest panics on integer scenes; only string scenes are
	// used, so the request is built directly.
	type sceneInfo struct {
		SceneStr string `json:"scene_str"`
	}
	type actionInfo struct {
		Scene sceneInfo `json:"scene"`
	}
	req := struct {
		ExpireSeconds int64      `json:"expire_seconds,omitempty"`
		ActionName    string     `json:"action_name"`
		ActionInfo    actionInfo `json:"action_info"`
	}{ActionName: "QR_LIMIT_STR_SCENE", ActionInfo: actionInfo{Scene: sceneInfo{SceneStr: scene}}}
	if expire > 0 {
		expire = min(expire, maxTempQRExpire)
		req.ActionName = "QR_STR_SCENE"
		req.ExpireSeconds = int64((expire + time.Second - 1) / time.Second)
	}

	var resp struct {
		Ticket        string `json:"ticket"`
		ExpireSeconds int    `json:"expire_seconds"`
		URL           string `json:"url"`
	}
	if err := c.do(ctx, c.oaCall(pathQRCreate, nil, req), &resp); err != nil {
		return QRCode{}, err
	}
	return QRCode{
		Ticket:        resp.Ticket,
		URL:           resp.URL,
		ImageURL:      showQRCodeURL + url.QueryEscape(resp.Ticket),
		ExpireSeconds: resp.ExpireSeconds,
	}, nil
}

// SendCustomText sends a customer-service text message to a follower. WeChat
// accepts it only within 48 hours of the follower's last message or event
// (45015 after that). It returns ErrNotConfigured and *Error, e.g. 45047 when
// too many messages were sent to the follower without a reply.
func (c *Client) SendCustomText(ctx context.Context, openID, text string) error {
	type textBody struct {
		Content string `json:"content"`
	}
	req := struct {
		ToUser  string   `json:"touser"`
		MsgType string   `json:"msgtype"`
		Text    textBody `json:"text"`
	}{ToUser: openID, MsgType: "text", Text: textBody{Content: text}}
	return c.do(ctx, c.oaCall(pathCustomSend, nil, req), nil)
}

// SendTemplate sends a template message. It returns ErrNotConfigured and
// *Error, e.g. 40037 for a bad template id or 43004 when the user unfollowed.
func (c *Client) SendTemplate(ctx context.Context, msg TemplateMessage) error {
	type value struct {
		Value string `json:"value"`
	}
	data := make(map[string]value, len(msg.Data))
	for k, v := range msg.Data {
		data[k] = value{Value: v}
	}
	req := struct {
		ToUser     string           `json:"touser"`
		TemplateID string           `json:"template_id"`
		URL        string           `json:"url,omitempty"`
		Data       map[string]value `json:"data"`
	}{ToUser: msg.ToUser, TemplateID: msg.TemplateID, URL: msg.URL, Data: data}
	return c.do(ctx, c.oaCall(pathTemplateSend, nil, req), nil)
}

// GetUser reads a follower's basic information (user/info). An unsubscribed
// user comes back with Subscribed false and only the ids. It returns
// ErrNotConfigured and *Error, e.g. 40003 for an openid of another account.
func (c *Client) GetUser(ctx context.Context, openID string) (OAUser, error) {
	var resp struct {
		Subscribe int    `json:"subscribe"`
		OpenID    string `json:"openid"`
		Nickname  string `json:"nickname"`
		UnionID   string `json:"unionid"`
	}
	q := url.Values{"openid": {openID}, "lang": {"zh_CN"}}
	if err := c.do(ctx, c.oaCall(pathUserInfo, q, nil), &resp); err != nil {
		return OAUser{}, err
	}
	return OAUser{
		OpenID:     resp.OpenID,
		UnionID:    resp.UnionID,
		Nickname:   resp.Nickname,
		Subscribed: resp.Subscribe == 1,
	}, nil
}
