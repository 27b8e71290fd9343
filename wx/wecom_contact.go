package wx

import (
	"context"
	"errors"
	"fmt"
	"net/url"
)

// WeCom customer-contact API paths.
const (
	pathExternalGet   = "/cgi-bin/externalcontact/get"
	pathWelcomeMsg    = "/cgi-bin/externalcontact/send_welcome_msg"
	pathAddContactWay = "/cgi-bin/externalcontact/add_contact_way"
	pathDelContactWay = "/cgi-bin/externalcontact/del_contact_way"

	maxContactWayState = 30 // characters WeCom keeps of a state
)

// contactCall is a rate-limited request with the customer-contact token.
func (c *Client) contactCall(path string, query url.Values, body any) request {
	return request{path: path, query: query, body: body, token: c.contact, limited: true}
}

// GetExternalContact reads an external contact and every member who added it
// (WeCom pages follow users beyond 500; all pages are read). Tags of type 1
// (corp tags) are returned by id. It returns ErrNotConfigured and *Error,
// e.g. 84061 when no member has this contact.
func (c *Client) GetExternalContact(ctx context.Context, externalUserID string) (ExternalContact, error) {
	var out ExternalContact
	cursor := ""
	for {
		var resp struct {
			ExternalContact struct {
				ExternalUserID string `json:"external_userid"`
				Name           string `json:"name"`
				Avatar         string `json:"avatar"`
				Type           int    `json:"type"`
				UnionID        string `json:"unionid"`
			} `json:"external_contact"`
			FollowUser []struct {
				UserID     string `json:"userid"`
				Remark     string `json:"remark"`
				CreateTime int64  `json:"createtime"`
				State      string `json:"state"`
				Tags       []struct {
					TagID     string `json:"tag_id"`
					TagName   string `json:"tag_name"`
					GroupName string `json:"group_name"`
					Type      int    `json:"type"`
				} `json:"tags"`
			} `json:"follow_user"`
			NextCursor string `json:"next_cursor"`
		}
		q := url.Values{"external_userid": {externalUserID}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		if err := c.do(ctx, c.contactCall(pathExternalGet, q, nil), &resp); err != nil {
			return ExternalContact{}, err
		}
		ec := resp.ExternalContact
		out.ExternalUserID, out.Name, out.Avatar = ec.ExternalUserID, ec.Name, ec.Avatar
		out.UnionID, out.Type = ec.UnionID, ec.Type
		for _, f := range resp.FollowUser {
			fu := FollowUser{UserID: f.UserID, Remark: f.Remark, State: f.State, CreateTime: f.CreateTime}
			for _, t := range f.Tags {
				if t.Type == 1 && t.TagID != "" {
					fu.TagIDs = append(fu.TagIDs, t.TagID)
					fu.Tags = append(fu.Tags, CorpTag{ID: t.TagID, Name: t.TagName, GroupName: t.GroupName})
				}
			}
			out.FollowUsers = append(out.FollowUsers, fu)
		}
		if resp.NextCursor == "" || resp.NextCursor == cursor {
			return out, nil
		}
		cursor = resp.NextCursor
	}
}

// SendWelcomeMsg answers an add_external_contact event's WelcomeCode with a
// text welcome. WeCom accepts it once and within 20 seconds of the event;
// later or repeated sends get a *Error that is not retryable. It returns
// ErrNotConfigured and *Error.
func (c *Client) SendWelcomeMsg(ctx context.Context, welcomeCode, text string) error {
	type msgText struct {
		Content string `json:"content"`
	}
	req := struct {
		WelcomeCode string  `json:"welcome_code"`
		Text        msgText `json:"text"`
	}{WelcomeCode: welcomeCode, Text: msgText{Content: text}}
	return c.do(ctx, c.contactCall(pathWelcomeMsg, nil, req), nil)
}

// AddContactWay creates a "contact me" configuration: Type 1 takes exactly one
// member, Type 2 several; Scene 2 makes a QR code, whose URL is returned with
// the config id. The State (at most 30 characters) comes back in the
// add_external_contact event and on FollowUser.State. It returns an error for
// a malformed way, ErrNotConfigured and *Error.
func (c *Client) AddContactWay(ctx context.Context, way ContactWay) (configID, qrCodeURL string, err error) {
	switch {
	case way.Type != 1 && way.Type != 2:
		return "", "", fmt.Errorf("wx: contact way type must be 1 or 2, got %d", way.Type)
	case way.Scene != 1 && way.Scene != 2:
		return "", "", fmt.Errorf("wx: contact way scene must be 1 or 2, got %d", way.Scene)
	case len(way.Users) == 0:
		return "", "", errors.New("wx: contact way needs at least one user")
	case way.Type == 1 && len(way.Users) != 1:
		return "", "", fmt.Errorf("wx: single-member contact way takes one user, got %d", len(way.Users))
	case len([]rune(way.State)) > maxContactWayState:
		return "", "", fmt.Errorf("wx: contact way state longer than %d characters", maxContactWayState)
	}
	req := struct {
		Type       int      `json:"type"`
		Scene      int      `json:"scene"`
		Remark     string   `json:"remark,omitempty"`
		SkipVerify bool     `json:"skip_verify"`
		State      string   `json:"state,omitempty"`
		User       []string `json:"user"`
	}{way.Type, way.Scene, way.Remark, way.SkipVerify, way.State, way.Users}
	var resp struct {
		ConfigID string `json:"config_id"`
		QRCode   string `json:"qr_code"`
	}
	if err := c.do(ctx, c.contactCall(pathAddContactWay, nil, req), &resp); err != nil {
		return "", "", err
	}
	return resp.ConfigID, resp.QRCode, nil
}

// DelContactWay deletes a "contact me" configuration. It returns
// ErrNotConfigured and *Error.
func (c *Client) DelContactWay(ctx context.Context, configID string) error {
	req := struct {
		ConfigID string `json:"config_id"`
	}{configID}
	return c.do(ctx, c.contactCall(pathDelContactWay, nil, req), nil)
}
