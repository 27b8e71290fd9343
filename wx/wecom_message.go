package wx

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// WeCom message API paths.
const (
	pathMessageSend     = "/cgi-bin/message/send"
	pathAddMsgTemplate  = "/cgi-bin/externalcontact/add_msg_template"
	pathGroupMsgResult  = "/cgi-bin/externalcontact/get_groupmsg_send_result"
	pathGroupMsgTask    = "/cgi-bin/externalcontact/get_groupmsg_task"
	maxGroupMsgChats    = 2000  // customer groups per add_msg_template with chat_type group
	maxAppMsgRecipients = 1000  // members per message/send
	maxGroupMsgTargets  = 10000 // external contacts per add_msg_template
	groupMsgPageSize    = 1000
)

// SendAppTextCard sends a text card (title, description, a link) from the
// self-built agent to the members, 1000 per call; no members means no call.
// Members WeCom does not know are skipped silently (only when all of them are
// unknown does it answer 81013). WeCom also drops, silently, app messages
// beyond 30 per member per minute. It returns ErrNotConfigured and *Error.
func (c *Client) SendAppTextCard(ctx context.Context, toUsers []string, title, description, url string) error {
	type textCard struct {
		Title       string `json:"title"`
		Description string `json:"description"`
		URL         string `json:"url"`
		BtnTxt      string `json:"btntxt,omitempty"`
	}
	return c.sendApp(ctx, toUsers, "textcard", textCard{Title: title, Description: description, URL: url})
}

// SendAppText sends a text message from the self-built agent to the members,
// like SendAppTextCard. It returns ErrNotConfigured and *Error.
func (c *Client) SendAppText(ctx context.Context, toUsers []string, text string) error {
	type textBody struct {
		Content string `json:"content"`
	}
	return c.sendApp(ctx, toUsers, "text", textBody{Content: text})
}

// sendApp posts message/send with the content under the key msgType.
func (c *Client) sendApp(ctx context.Context, toUsers []string, msgType string, content any) error {
	if c.agent.handle == nil {
		return errNotConfigured(c.agent)
	}
	agentID, _ := strconv.Atoi(c.cfg.WeComAgentID) // checked numeric in New
	for start := 0; start < len(toUsers); start += maxAppMsgRecipients {
		batch := toUsers[start:min(start+maxAppMsgRecipients, len(toUsers))]
		req := map[string]any{
			"touser":  strings.Join(batch, "|"),
			"msgtype": msgType,
			"agentid": agentID,
			msgType:   content,
		}
		r := request{path: pathMessageSend, body: req, token: c.agent, limited: true}
		if err := c.do(ctx, r, nil); err != nil {
			return err
		}
	}
	return nil
}

// AddMsgTemplate creates a one-to-one group-send task: member sender is asked
// to confirm sending text to the external contacts (1 to 10,000 of them; an
// empty list is refused, as WeCom would treat it as "all the sender's
// customers"). It returns the msgid for GetGroupMsgSendResult, an error for a
// bad target list, ErrNotConfigured and *Error.
func (c *Client) AddMsgTemplate(ctx context.Context, sender string, externalUserIDs []string, text string) (string, error) {
	if sender == "" {
		return "", errors.New("wx: group send needs a sender")
	}
	if len(externalUserIDs) == 0 || len(externalUserIDs) > maxGroupMsgTargets {
		return "", fmt.Errorf("wx: group send takes 1-%d external contacts, got %d", maxGroupMsgTargets, len(externalUserIDs))
	}
	type msgText struct {
		Content string `json:"content"`
	}
	req := struct {
		ChatType       string   `json:"chat_type"`
		ExternalUserID []string `json:"external_userid"`
		Sender         string   `json:"sender"`
		Text           msgText  `json:"text"`
	}{"single", externalUserIDs, sender, msgText{Content: text}}
	var resp struct {
		FailList []string `json:"fail_list"`
		MsgID    string   `json:"msgid"`
	}
	if err := c.do(ctx, c.contactCall(pathAddMsgTemplate, nil, req), &resp); err != nil {
		return "", err
	}
	return resp.MsgID, nil
}

// GetGroupMsgSendResult reads, for member userID, the outcome of group send
// msgID for each external contact (all pages). It returns ErrNotConfigured
// and *Error.
func (c *Client) GetGroupMsgSendResult(ctx context.Context, msgID, userID string) ([]GroupMsgResult, error) {
	var out []GroupMsgResult
	cursor := ""
	for {
		req := struct {
			MsgID  string `json:"msgid"`
			UserID string `json:"userid"`
			Limit  int    `json:"limit"`
			Cursor string `json:"cursor,omitempty"`
		}{msgID, userID, groupMsgPageSize, cursor}
		var resp struct {
			NextCursor string `json:"next_cursor"`
			SendList   []struct {
				ExternalUserID string `json:"external_userid"`
				ChatID         string `json:"chat_id"`
				Status         int    `json:"status"`
			} `json:"send_list"`
		}
		if err := c.do(ctx, c.contactCall(pathGroupMsgResult, nil, req), &resp); err != nil {
			return nil, err
		}
		for _, s := range resp.SendList {
			out = append(out, GroupMsgResult{ExternalUserID: s.ExternalUserID, ChatID: s.ChatID, Status: s.Status})
		}
		if resp.NextCursor == "" || resp.NextCursor == cursor {
			return out, nil
		}
		cursor = resp.NextCursor
	}
}

// AddGroupMsgTemplate creates a group send to customer groups
// (chat_type group): owner sender is asked to confirm sending text to the
// listed groups of theirs (1 to 2,000; an empty list is refused, as WeCom
// would treat it as "all the sender's groups"). It returns the msgid for
// GetGroupMsgTask and GetGroupMsgSendResult, an error for a bad list,
// ErrNotConfigured and *Error.
func (c *Client) AddGroupMsgTemplate(ctx context.Context, sender string, chatIDs []string, text string) (string, error) {
	if sender == "" {
		return "", errors.New("wx: group send needs a sender")
	}
	if len(chatIDs) == 0 || len(chatIDs) > maxGroupMsgChats {
		return "", fmt.Errorf("wx: group send takes 1-%d groups, got %d", maxGroupMsgChats, len(chatIDs))
	}
	type msgText struct {
		Content string `json:"content"`
	}
	req := struct {
		ChatType   string   `json:"chat_type"`
		Sender     string   `json:"sender"`
		ChatIDList []string `json:"chat_id_list"`
		Text       msgText  `json:"text"`
	}{"group", sender, chatIDs, msgText{Content: text}}
	var resp struct {
		MsgID string `json:"msgid"`
	}
	if err := c.do(ctx, c.contactCall(pathAddMsgTemplate, nil, req), &resp); err != nil {
		return "", err
	}
	return resp.MsgID, nil
}

// GetGroupMsgTask reads, for each sender of group send msgID, whether they
// confirmed it (Status 2 sent, 0 not yet), all pages. It returns
// ErrNotConfigured and *Error.
func (c *Client) GetGroupMsgTask(ctx context.Context, msgID string) ([]GroupMsgTask, error) {
	var out []GroupMsgTask
	cursor := ""
	for {
		req := struct {
			MsgID  string `json:"msgid"`
			Limit  int    `json:"limit"`
			Cursor string `json:"cursor,omitempty"`
		}{msgID, groupMsgPageSize, cursor}
		var resp struct {
			NextCursor string `json:"next_cursor"`
			TaskList   []struct {
				UserID   string `json:"userid"`
				Status   int    `json:"status"`
				SendTime int64  `json:"send_time"`
			} `json:"task_list"`
		}
		if err := c.do(ctx, c.contactCall(pathGroupMsgTask, nil, req), &resp); err != nil {
			return nil, err
		}
		for _, t := range resp.TaskList {
			out = append(out, GroupMsgTask{UserID: t.UserID, Status: t.Status, SendTime: t.SendTime})
		}
		if resp.NextCursor == "" || resp.NextCursor == cursor {
			return out, nil
		}
		cursor = resp.NextCursor
	}
}
