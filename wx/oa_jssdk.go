package wx

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// Official Account JS-SDK and menu paths.
const (
	pathOATicket   = "/cgi-bin/ticket/getticket"
	pathMenuCreate = "/cgi-bin/menu/create"
)

// OAJSAPITicket returns the Official Account's jsapi_ticket that signs
// wx.config in the member centre. Like the access token it is kept in Redis
// when configured, so every instance shares one, until 10 minutes before it
// expires. It returns ErrNotConfigured and *Error.
func (c *Client) OAJSAPITicket(ctx context.Context) (string, error) {
	if c.oa.handle == nil {
		return "", errNotConfigured(c.oa)
	}
	key := "oa_jsapi_ticket:" + c.cfg.WeChatAppID
	if t := getString(ctx, c.store, key); t != "" {
		return t, nil
	}
	if err := c.tickMu.lock(ctx); err != nil {
		return "", err
	}
	defer c.tickMu.unlock()
	if t := getString(ctx, c.store, key); t != "" {
		return t, nil
	}
	var resp struct {
		Ticket    string `json:"ticket"`
		ExpiresIn int64  `json:"expires_in"`
	}
	if err := c.do(ctx, c.oaCall(pathOATicket, url.Values{"type": {"jsapi"}}, nil), &resp); err != nil {
		return "", err
	}
	if resp.Ticket == "" {
		return "", fmt.Errorf("wx: %s answered no ticket", pathOATicket)
	}
	ttl := time.Duration(resp.ExpiresIn)*time.Second - ticketMargin
	_ = c.store.SetContext(ctx, key, resp.Ticket, ttl) // ttl <= 0: not cached
	return resp.Ticket, nil
}

// MenuButton is one Official Account menu button: a click button sends Key
// to the callback, a view button opens URL; Sub holds up to 5 sub-buttons
// (then the button itself has no type).
type MenuButton struct {
	Type string       `json:"type,omitempty"` // "click" or "view"
	Name string       `json:"name"`
	Key  string       `json:"key,omitempty"`
	URL  string       `json:"url,omitempty"`
	Sub  []MenuButton `json:"sub_button,omitempty"`
}

// CreateMenu replaces the Official Account's custom menu (at most 3 buttons).
// It returns ErrNotConfigured and *Error, e.g. 40016 for a bad button count
// or 40055 for a bad URL.
func (c *Client) CreateMenu(ctx context.Context, buttons []MenuButton) error {
	body := struct {
		Button []MenuButton `json:"button"`
	}{buttons}
	return c.do(ctx, c.oaCall(pathMenuCreate, nil, body), nil)
}
