package wxtest

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/siyu/siyu/wx"
)

// SetGroupMsgStatus sets the status get_groupmsg_send_result reports for one
// external contact of group send msgID (0 not sent, the default; 1 sent;
// 2 not a friend; 3 already received a group send).
func (s *Server) SetGroupMsgStatus(msgID, externalUserID string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.wc.msgs[msgID]; ok {
		m.status[externalUserID] = status
	}
}

// SetUsers replaces the corp's members that user/simplelist and user/list
// answer. The default is guide01 (departments 1, 2), guide02 (1, 3) and hq01 (1).
func (s *Server) SetUsers(users []wx.WeComUser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wc.users = slices.Clone(users)
}

// addContactWay is POST /cgi-bin/externalcontact/add_contact_way.
func (s *Server) addContactWay(_ url.Values, body []byte) map[string]any {
	var req struct {
		Type       int      `json:"type"`
		Scene      int      `json:"scene"`
		Remark     string   `json:"remark"`
		SkipVerify bool     `json:"skip_verify"`
		State      string   `json:"state"`
		User       []string `json:"user"`
	}
	_ = json.Unmarshal(body, &req)
	switch {
	case req.Type != 1 && req.Type != 2:
		return errBody(40058, "invalid parameter: type")
	case req.Scene != 1 && req.Scene != 2:
		return errBody(40058, "invalid parameter: scene")
	case len(req.User) == 0 || (req.Type == 1 && len(req.User) != 1):
		return errBody(40058, "invalid parameter: user")
	case len([]rune(req.State)) > 30:
		return errBody(40058, "invalid parameter: state too long")
	}
	id := s.nextID("cfg")
	s.wc.ways[id] = wx.ContactWay{Type: req.Type, Scene: req.Scene, State: req.State, Users: req.User,
		Remark: req.Remark, SkipVerify: req.SkipVerify}
	answer := map[string]any{"config_id": id}
	if req.Scene == 2 {
		answer["qr_code"] = "https://wework.qq.com/fake/qr/" + id
	}
	return okBody(answer)
}

// delContactWay is POST /cgi-bin/externalcontact/del_contact_way.
func (s *Server) delContactWay(_ url.Values, body []byte) map[string]any {
	var req struct {
		ConfigID string `json:"config_id"`
	}
	_ = json.Unmarshal(body, &req)
	if _, ok := s.wc.ways[req.ConfigID]; !ok {
		return errBody(40058, "invalid parameter: config_id")
	}
	delete(s.wc.ways, req.ConfigID)
	return okBody(nil)
}

// messageSend is POST /cgi-bin/message/send (text and textcard).
func (s *Server) messageSend(_ url.Values, body []byte) map[string]any {
	var req struct {
		ToUser   string          `json:"touser"`
		MsgType  string          `json:"msgtype"`
		AgentID  int             `json:"agentid"`
		Text     json.RawMessage `json:"text"`
		TextCard json.RawMessage `json:"textcard"`
	}
	_ = json.Unmarshal(body, &req)
	switch {
	case req.AgentID == 0:
		return errBody(40056, "invalid agentid")
	case req.ToUser == "":
		return errBody(81013, "user & party & tag all invalid")
	case req.MsgType == "text" && len(req.Text) == 0, req.MsgType == "textcard" && len(req.TextCard) == 0:
		return errBody(41001, "missing "+req.MsgType)
	case req.MsgType != "text" && req.MsgType != "textcard":
		return errBody(40008, "invalid message type")
	}
	return okBody(map[string]any{"invaliduser": "", "invalidparty": "", "invalidtag": "",
		"unlicenseduser": "", "msgid": s.nextID("appmsg"), "response_code": ""})
}

// addMsgTemplate is POST /cgi-bin/externalcontact/add_msg_template:
// chat_type single (to external_userid) or group (to the sender's groups
// in chat_id_list).
func (s *Server) addMsgTemplate(_ url.Values, body []byte) map[string]any {
	var req struct {
		ChatType       string   `json:"chat_type"`
		ExternalUserID []string `json:"external_userid"`
		ChatIDList     []string `json:"chat_id_list"`
		Sender         string   `json:"sender"`
		Text           struct {
			Content string `json:"content"`
		} `json:"text"`
	}
	_ = json.Unmarshal(body, &req)
	group := req.ChatType == "group"
	switch {
	case req.ChatType != "" && req.ChatType != "single" && !group:
		return errBody(40058, "invalid parameter: chat_type")
	case group && req.Sender == "":
		return errBody(40058, "invalid parameter: sender required for chat_type group")
	case req.Sender == "" && len(req.ExternalUserID) == 0:
		return errBody(40058, "invalid parameter: sender or external_userid required")
	case req.Text.Content == "":
		return errBody(41001, "missing text content")
	}
	targets := req.ExternalUserID
	if group {
		targets = req.ChatIDList
	}
	id := s.nextID("msgFAKE")
	s.wc.msgs[id] = &groupMsg{sender: req.Sender, group: group, externals: targets, status: map[string]int{}}
	return okBody(map[string]any{"fail_list": []string{}, "msgid": id})
}

// GroupMsg is a group send the fake holds: its msgid, sender, whether it
// goes to customer groups, and its targets (external userids or chat ids).
type GroupMsg struct {
	MsgID   string
	Sender  string
	Group   bool
	Targets []string
}

// GroupMsgs returns the group sends created so far, by msgid.
func (s *Server) GroupMsgs() []GroupMsg {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []GroupMsg{}
	for id, m := range s.wc.msgs {
		out = append(out, GroupMsg{MsgID: id, Sender: m.sender, Group: m.group, Targets: slices.Clone(m.externals)})
	}
	slices.SortFunc(out, func(a, b GroupMsg) int { return strings.Compare(a.MsgID, b.MsgID) })
	return out
}

// ConfirmGroupMsg plays the sender confirming group send msgID on the
// phone: get_groupmsg_task reports it sent (2) and every target gets
// status 1 (sent).
func (s *Server) ConfirmGroupMsg(msgID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m, ok := s.wc.msgs[msgID]; ok {
		m.sent = true
		for _, t := range m.externals {
			m.status[t] = 1
		}
	}
}

// groupMsgTask is POST /cgi-bin/externalcontact/get_groupmsg_task: the
// sender's part (status 2 once confirmed, else 0).
func (s *Server) groupMsgTask(_ url.Values, body []byte) map[string]any {
	var req struct {
		MsgID string `json:"msgid"`
	}
	_ = json.Unmarshal(body, &req)
	m, ok := s.wc.msgs[req.MsgID]
	if !ok {
		return errBody(40058, "invalid parameter: msgid")
	}
	status := 0
	if m.sent {
		status = 2
	}
	return okBody(map[string]any{"next_cursor": "", "task_list": []map[string]any{{"userid": m.sender, "status": status, "send_time": 0}}})
}

// groupMsgSendResult is POST /cgi-bin/externalcontact/get_groupmsg_send_result,
// paged by limit (default 500, at most 1000) with an offset cursor; a send
// to groups lists chat_id instead of external_userid.
func (s *Server) groupMsgSendResult(_ url.Values, body []byte) map[string]any {
	var req struct {
		MsgID  string `json:"msgid"`
		UserID string `json:"userid"`
		Limit  int    `json:"limit"`
		Cursor string `json:"cursor"`
	}
	_ = json.Unmarshal(body, &req)
	if req.UserID == "" {
		return errBody(40003, "invalid userid")
	}
	m, ok := s.wc.msgs[req.MsgID]
	if !ok {
		return errBody(40058, "invalid parameter: msgid")
	}
	list := []map[string]any{}
	if m.sender == req.UserID {
		limit := req.Limit
		if limit <= 0 || limit > 1000 {
			limit = 500
		}
		start, _ := strconv.Atoi(req.Cursor)
		end := min(start+limit, len(m.externals))
		key := "external_userid"
		if m.group {
			key = "chat_id"
		}
		for _, ext := range m.externals[min(start, end):end] {
			list = append(list, map[string]any{key: ext, "userid": m.sender, "status": m.status[ext], "send_time": 0})
		}
		if end < len(m.externals) {
			return okBody(map[string]any{"next_cursor": strconv.Itoa(end), "send_list": list})
		}
	}
	return okBody(map[string]any{"next_cursor": "", "send_list": list})
}

// authUserInfo is GET /cgi-bin/auth/getuserinfo?code=. Code "code_<userid>"
// (optionally "code_<userid>~<anything>", so a test can sign the same user
// in repeatedly) belongs to member userid, "openid_<openid>" to a
// non-member; codes are single-use, like WeCom's.
func (s *Server) authUserInfo(q url.Values, _ []byte) map[string]any {
	code := q.Get("code")
	if s.wc.codes[code] {
		return errBody(40029, "invalid code")
	}
	switch {
	case strings.HasPrefix(code, "code_") && len(code) > len("code_"):
		s.wc.codes[code] = true
		userID, _, _ := strings.Cut(strings.TrimPrefix(code, "code_"), "~")
		return okBody(map[string]any{"userid": userID, "user_ticket": s.nextID("ticket")})
	case strings.HasPrefix(code, "openid_") && len(code) > len("openid_"):
		s.wc.codes[code] = true
		return okBody(map[string]any{"openid": strings.TrimPrefix(code, "openid_")})
	}
	return errBody(40029, "invalid code")
}

// jsapiTicket is GET /cgi-bin/get_jsapi_ticket.
func (s *Server) jsapiTicket(_ url.Values, _ []byte) map[string]any {
	return okBody(map[string]any{"ticket": s.nextID("jsapi-ticket-"), "expires_in": 7200})
}

// agentTicket is GET /cgi-bin/ticket/get?type=agent_config.
func (s *Server) agentTicket(q url.Values, _ []byte) map[string]any {
	if q.Get("type") != "agent_config" {
		return errBody(40058, "invalid parameter: type")
	}
	return okBody(map[string]any{"ticket": s.nextID("agent-ticket-"), "expires_in": 7200})
}

// userList is GET /cgi-bin/user/simplelist (and user/list)?department_id=.
// Department 1 with fetch_child=1 is everyone; otherwise direct members.
func (s *Server) userList(q url.Values, _ []byte) map[string]any {
	dept, err := strconv.Atoi(q.Get("department_id"))
	if err != nil || dept <= 0 {
		return errBody(60003, "department not found")
	}
	all := dept == 1 && q.Get("fetch_child") == "1"
	users := []map[string]any{}
	for _, u := range s.wc.users {
		if all || slices.Contains(u.Department, dept) {
			users = append(users, map[string]any{"userid": u.UserID, "name": u.Name,
				"department": u.Department, "open_userid": "woAJ" + u.UserID})
		}
	}
	return okBody(map[string]any{"userlist": users})
}
