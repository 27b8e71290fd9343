package wx

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// WeCom app API paths: sidebar login, JS-SDK tickets, address book.
const (
	pathAuthUserInfo   = "/cgi-bin/auth/getuserinfo"
	pathJSAPITicket    = "/cgi-bin/get_jsapi_ticket"
	pathAgentTicket    = "/cgi-bin/ticket/get"
	pathUserSimpleList = "/cgi-bin/user/simplelist"

	// ticketMargin is how long before its expiry a ticket stops being handed
	// out, so a page signed with it still verifies.
	ticketMargin = 10 * time.Minute
)

// agentCall is a rate-limited request with the self-built app's token.
func (c *Client) agentCall(path string, query url.Values, body any) request {
	return request{path: path, query: query, body: body, token: c.agent, limited: true}
}

// OAuthUserID exchanges the code of a sidebar (snsapi_base) OAuth redirect for
// the member's userid. Codes are single-use and live 5 minutes. It returns
// ErrNotMember when the code belongs to a non-member, ErrNotConfigured, and
// *Error, e.g. 40029 for an invalid or used code.
func (c *Client) OAuthUserID(ctx context.Context, code string) (string, error) {
	if code == "" {
		return "", errors.New("wx: empty oauth code")
	}
	var resp struct {
		UserID string `json:"userid"`
	}
	if err := c.do(ctx, c.agentCall(pathAuthUserInfo, url.Values{"code": {code}}, nil), &resp); err != nil {
		return "", err
	}
	if resp.UserID == "" {
		return "", ErrNotMember
	}
	return resp.UserID, nil
}

// JSAPITicket returns the corp jsapi_ticket that signs wx.config in the
// sidebar, cached (in Redis when configured, so all instances share it) until
// 10 minutes before it expires. It returns ErrNotConfigured and *Error.
func (c *Client) JSAPITicket(ctx context.Context) (string, error) {
	key := "wecom_jsapi_ticket:" + c.cfg.WeComCorpID + ":" + c.cfg.WeComAgentID
	return c.ticket(ctx, key, pathJSAPITicket, nil)
}

// AgentJSAPITicket returns the agent ticket that signs wx.agentConfig, cached
// like JSAPITicket. It returns ErrNotConfigured and *Error.
func (c *Client) AgentJSAPITicket(ctx context.Context) (string, error) {
	key := "wecom_agent_ticket:" + c.cfg.WeComCorpID + ":" + c.cfg.WeComAgentID
	return c.ticket(ctx, key, pathAgentTicket, url.Values{"type": {"agent_config"}})
}

// ticket returns the cached ticket at key or fetches it. silenceper's
// WorkJsTicket would do the same but takes no context and hides errcodes.
func (c *Client) ticket(ctx context.Context, key, path string, query url.Values) (string, error) {
	if c.agent.handle == nil {
		return "", errNotConfigured(c.agent)
	}
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
	if err := c.do(ctx, c.agentCall(path, query, nil), &resp); err != nil {
		return "", err
	}
	if resp.Ticket == "" {
		return "", fmt.Errorf("wx: %s answered no ticket", path)
	}
	ttl := time.Duration(resp.ExpiresIn)*time.Second - ticketMargin
	_ = c.store.SetContext(ctx, key, resp.Ticket, ttl) // ttl <= 0: not cached
	return resp.Ticket, nil
}

// ListUsers lists the members of department departmentID and its
// sub-departments (1 is the whole corp) that the app can see, with their
// userid, name and departments. It returns ErrNotConfigured and *Error, e.g.
// 60011 when the department is outside the app's visible range.
func (c *Client) ListUsers(ctx context.Context, departmentID int) ([]WeComUser, error) {
	var resp struct {
		UserList []struct {
			UserID     string `json:"userid"`
			Name       string `json:"name"`
			Department []int  `json:"department"`
		} `json:"userlist"`
	}
	q := url.Values{"department_id": {strconv.Itoa(departmentID)}, "fetch_child": {"1"}}
	if err := c.do(ctx, c.agentCall(pathUserSimpleList, q, nil), &resp); err != nil {
		return nil, err
	}
	users := make([]WeComUser, 0, len(resp.UserList))
	for _, u := range resp.UserList {
		users = append(users, WeComUser{UserID: u.UserID, Name: u.Name, Department: u.Department})
	}
	return users, nil
}
