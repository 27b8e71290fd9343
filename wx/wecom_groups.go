package wx

import (
	"context"
	"fmt"
)

// WeCom customer-group (客户群) API paths.
const (
	pathGroupChatList = "/cgi-bin/externalcontact/groupchat/list"
	pathGroupChatGet  = "/cgi-bin/externalcontact/groupchat/get"
	pathAddJoinWay    = "/cgi-bin/externalcontact/groupchat/add_join_way"
	pathGetJoinWay    = "/cgi-bin/externalcontact/groupchat/get_join_way"
	pathUpdateJoinWay = "/cgi-bin/externalcontact/groupchat/update_join_way"
	pathDelJoinWay    = "/cgi-bin/externalcontact/groupchat/del_join_way"
)

// WeComGroups is every outbound call about customer groups: listing and
// reading groups and the 加入群聊 codes (join ways). *Client implements it.
// Every method honours ctx and the rate limiter; platform failures are
// *Error, ErrNotConfigured means no WeCom corp.
type WeComGroups interface {
	// ListGroupChats lists one page of the groups owned by owners (all
	// groups when none are given); next is "" after the last page.
	ListGroupChats(ctx context.Context, owners []string, cursor string, limit int) (chatIDs []string, next string, err error)
	// GetGroupChat reads a group with its members.
	GetGroupChat(ctx context.Context, chatID string) (GroupChat, error)
	// AddJoinWay creates a 加入群聊 QR code and returns its config id.
	AddJoinWay(ctx context.Context, w JoinWay) (string, error)
	// GetJoinWay reads a join way, with its QR code URL.
	GetJoinWay(ctx context.Context, configID string) (JoinWay, error)
	// UpdateJoinWay replaces a join way's settings (w.ConfigID names it).
	UpdateJoinWay(ctx context.Context, w JoinWay) error
	// DelJoinWay deletes a join way.
	DelJoinWay(ctx context.Context, configID string) error
	// AddGroupWelcome creates a text group welcome template.
	AddGroupWelcome(ctx context.Context, text string) (string, error)
	// EditGroupWelcome replaces a group welcome template's text.
	EditGroupWelcome(ctx context.Context, templateID, text string) error
	// GetGroupWelcome reads a group welcome template's text.
	GetGroupWelcome(ctx context.Context, templateID string) (string, error)
	// DelGroupWelcome deletes a group welcome template.
	DelGroupWelcome(ctx context.Context, templateID string) error
}

// GroupChat is a customer group as groupchat/get answers it.
type GroupChat struct {
	ChatID     string
	Name       string
	Owner      string
	CreateTime int64
	Notice     string
	Members    []GroupChatMember
}

// GroupChatMember is one person in a group. Type 1 is staff, 2 an
// external contact; JoinScene 1 invited, 2 by link, 3 by QR code; State
// is the join way's state the person came through.
type GroupChatMember struct {
	UserID    string
	Type      int
	JoinTime  int64
	JoinScene int
	Invitor   string
	Name      string
	UnionID   string
	State     string
}

// JoinWay is a 加入群聊 code: Scene 2 is a QR code (1 a mini-program
// button); up to 5 ChatIDs; with AutoCreateRoom WeCom opens a new group
// named RoomBaseName + number when the last one is full.
type JoinWay struct {
	ConfigID       string   `json:"config_id,omitempty"`
	Scene          int      `json:"scene"`
	Remark         string   `json:"remark,omitempty"`
	AutoCreateRoom int      `json:"auto_create_room"`
	RoomBaseName   string   `json:"room_base_name,omitempty"`
	RoomBaseID     int      `json:"room_base_id,omitempty"`
	ChatIDs        []string `json:"chat_id_list"`
	QRCode         string   `json:"qr_code,omitempty"`
	State          string   `json:"state,omitempty"`
}

// ListGroupChats lists one page of groups (status 0: all but dismissed
// ones still being handed over). It returns ErrNotConfigured and *Error.
func (c *Client) ListGroupChats(ctx context.Context, owners []string, cursor string, limit int) ([]string, string, error) {
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	type ownerFilter struct {
		UserIDList []string `json:"userid_list"`
	}
	req := struct {
		StatusFilter int          `json:"status_filter"`
		OwnerFilter  *ownerFilter `json:"owner_filter,omitempty"`
		Cursor       string       `json:"cursor,omitempty"`
		Limit        int          `json:"limit"`
	}{Cursor: cursor, Limit: limit}
	if len(owners) > 0 {
		req.OwnerFilter = &ownerFilter{UserIDList: owners}
	}
	var resp struct {
		List []struct {
			ChatID string `json:"chat_id"`
		} `json:"group_chat_list"`
		NextCursor string `json:"next_cursor"`
	}
	if err := c.do(ctx, c.contactCall(pathGroupChatList, nil, req), &resp); err != nil {
		return nil, "", err
	}
	ids := make([]string, 0, len(resp.List))
	for _, g := range resp.List {
		ids = append(ids, g.ChatID)
	}
	return ids, resp.NextCursor, nil
}

// GetGroupChat reads a group and its members. It returns
// ErrNotConfigured and *Error.
func (c *Client) GetGroupChat(ctx context.Context, chatID string) (GroupChat, error) {
	req := struct {
		ChatID   string `json:"chat_id"`
		NeedName int    `json:"need_name"`
	}{chatID, 1}
	var resp struct {
		GroupChat struct {
			ChatID     string `json:"chat_id"`
			Name       string `json:"name"`
			Owner      string `json:"owner"`
			CreateTime int64  `json:"create_time"`
			Notice     string `json:"notice"`
			MemberList []struct {
				UserID    string `json:"userid"`
				Type      int    `json:"type"`
				JoinTime  int64  `json:"join_time"`
				JoinScene int    `json:"join_scene"`
				Invitor   struct {
					UserID string `json:"userid"`
				} `json:"invitor"`
				Name    string `json:"name"`
				UnionID string `json:"unionid"`
				State   string `json:"state"`
			} `json:"member_list"`
		} `json:"group_chat"`
	}
	if err := c.do(ctx, c.contactCall(pathGroupChatGet, nil, req), &resp); err != nil {
		return GroupChat{}, err
	}
	g := resp.GroupChat
	out := GroupChat{ChatID: g.ChatID, Name: g.Name, Owner: g.Owner, CreateTime: g.CreateTime, Notice: g.Notice}
	for _, m := range g.MemberList {
		out.Members = append(out.Members, GroupChatMember{UserID: m.UserID, Type: m.Type, JoinTime: m.JoinTime,
			JoinScene: m.JoinScene, Invitor: m.Invitor.UserID, Name: m.Name, UnionID: m.UnionID, State: m.State})
	}
	return out, nil
}

// checkJoinWay reports a join way WeCom would refuse.
func checkJoinWay(w JoinWay) error {
	switch {
	case w.Scene != 1 && w.Scene != 2:
		return fmt.Errorf("wx: join way scene must be 1 or 2, got %d", w.Scene)
	case len(w.ChatIDs) == 0 || len(w.ChatIDs) > 5:
		return fmt.Errorf("wx: a join way takes 1 to 5 groups, got %d", len(w.ChatIDs))
	case len([]rune(w.State)) > maxContactWayState:
		return fmt.Errorf("wx: join way state longer than %d characters", maxContactWayState)
	}
	return nil
}

// AddJoinWay creates a join way and returns its config id. It returns an
// error for a malformed way, ErrNotConfigured and *Error.
func (c *Client) AddJoinWay(ctx context.Context, w JoinWay) (string, error) {
	if err := checkJoinWay(w); err != nil {
		return "", err
	}
	w.ConfigID, w.QRCode = "", ""
	var resp struct {
		ConfigID string `json:"config_id"`
	}
	if err := c.do(ctx, c.contactCall(pathAddJoinWay, nil, w), &resp); err != nil {
		return "", err
	}
	return resp.ConfigID, nil
}

// GetJoinWay reads a join way. It returns ErrNotConfigured and *Error.
func (c *Client) GetJoinWay(ctx context.Context, configID string) (JoinWay, error) {
	req := struct {
		ConfigID string `json:"config_id"`
	}{configID}
	var resp struct {
		JoinWay JoinWay `json:"join_way"`
	}
	err := c.do(ctx, c.contactCall(pathGetJoinWay, nil, req), &resp)
	return resp.JoinWay, err
}

// UpdateJoinWay replaces a join way's settings. It returns an error for a
// malformed way, ErrNotConfigured and *Error.
func (c *Client) UpdateJoinWay(ctx context.Context, w JoinWay) error {
	if err := checkJoinWay(w); err != nil {
		return err
	}
	if w.ConfigID == "" {
		return fmt.Errorf("wx: update_join_way needs a config id")
	}
	w.QRCode = ""
	return c.do(ctx, c.contactCall(pathUpdateJoinWay, nil, w), nil)
}

// DelJoinWay deletes a join way. It returns ErrNotConfigured and *Error.
func (c *Client) DelJoinWay(ctx context.Context, configID string) error {
	req := struct {
		ConfigID string `json:"config_id"`
	}{configID}
	return c.do(ctx, c.contactCall(pathDelJoinWay, nil, req), nil)
}

var _ WeComGroups = (*Client)(nil)

// Group welcome template (入群欢迎语素材) paths.
const (
	pathGroupWelcomeAdd  = "/cgi-bin/externalcontact/group_welcome_template/add"
	pathGroupWelcomeEdit = "/cgi-bin/externalcontact/group_welcome_template/edit"
	pathGroupWelcomeGet  = "/cgi-bin/externalcontact/group_welcome_template/get"
	pathGroupWelcomeDel  = "/cgi-bin/externalcontact/group_welcome_template/del"
)

type welcomeText struct {
	Content string `json:"content"`
}

// AddGroupWelcome creates a text group welcome template and returns its
// id. %NICKNAME% in text becomes the newcomer's name. It returns
// ErrNotConfigured and *Error.
func (c *Client) AddGroupWelcome(ctx context.Context, text string) (string, error) {
	req := struct {
		Text welcomeText `json:"text"`
	}{welcomeText{text}}
	var resp struct {
		TemplateID string `json:"template_id"`
	}
	err := c.do(ctx, c.contactCall(pathGroupWelcomeAdd, nil, req), &resp)
	return resp.TemplateID, err
}

// EditGroupWelcome replaces a template's text. It returns
// ErrNotConfigured and *Error.
func (c *Client) EditGroupWelcome(ctx context.Context, templateID, text string) error {
	req := struct {
		TemplateID string      `json:"template_id"`
		Text       welcomeText `json:"text"`
	}{templateID, welcomeText{text}}
	return c.do(ctx, c.contactCall(pathGroupWelcomeEdit, nil, req), nil)
}

// GetGroupWelcome reads a template's text. It returns ErrNotConfigured
// and *Error.
func (c *Client) GetGroupWelcome(ctx context.Context, templateID string) (string, error) {
	req := struct {
		TemplateID string `json:"template_id"`
	}{templateID}
	var resp struct {
		Text welcomeText `json:"text"`
	}
	err := c.do(ctx, c.contactCall(pathGroupWelcomeGet, nil, req), &resp)
	return resp.Text.Content, err
}

// DelGroupWelcome deletes a template. It returns ErrNotConfigured and
// *Error.
func (c *Client) DelGroupWelcome(ctx context.Context, templateID string) error {
	req := struct {
		TemplateID string `json:"template_id"`
	}{templateID}
	return c.do(ctx, c.contactCall(pathGroupWelcomeDel, nil, req), nil)
}
