package wxtest

import (
	"encoding/json"
	"net/url"
	"slices"
	"sort"
	"time"

	"github.com/siyu/siyu/wx"
)

// groupState is the fake corp's customer groups and join ways.
type groupState struct {
	chats    map[string]*wx.GroupChat
	ways     map[string]wx.JoinWay
	welcomes map[string]string // group welcome templates by id
	departed map[string]bool   // userids that have left the corp
	refuse   map[string]int    // chat_id -> errcode a group transfer answers
}

func newGroupState() groupState {
	return groupState{chats: map[string]*wx.GroupChat{}, ways: map[string]wx.JoinWay{}, welcomes: map[string]string{},
		departed: map[string]bool{}, refuse: map[string]int{}}
}

// SetGroupChat creates or replaces a customer group as groupchat/get will
// answer it.
func (s *Server) SetGroupChat(g wx.GroupChat) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := g
	c.Members = slices.Clone(g.Members)
	if c.CreateTime == 0 {
		c.CreateTime = time.Now().Unix()
	}
	s.wg.chats[g.ChatID] = &c
}

// JoinGroupChat puts a person in a group (replacing an earlier entry of
// the same userid), as if they had joined.
func (s *Server) JoinGroupChat(chatID string, m wx.GroupChatMember) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.wg.chats[chatID]
	if g == nil {
		return
	}
	if m.JoinTime == 0 {
		m.JoinTime = time.Now().Unix()
	}
	g.Members = slices.DeleteFunc(g.Members, func(x wx.GroupChatMember) bool { return x.UserID == m.UserID })
	g.Members = append(g.Members, m)
}

// QuitGroupChat takes a person out of a group.
func (s *Server) QuitGroupChat(chatID, userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.wg.chats[chatID]; g != nil {
		g.Members = slices.DeleteFunc(g.Members, func(x wx.GroupChatMember) bool { return x.UserID == userID })
	}
}

// DismissGroupChat removes a group: groupchat/get answers 40050 for it.
func (s *Server) DismissGroupChat(chatID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.wg.chats, chatID)
}

// GroupChat returns a copy of the group, and whether it exists.
func (s *Server) GroupChat(chatID string) (wx.GroupChat, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, ok := s.wg.chats[chatID]
	if !ok {
		return wx.GroupChat{}, false
	}
	c := *g
	c.Members = slices.Clone(g.Members)
	return c, true
}

// JoinWay returns the join way with the config id, and whether it exists.
func (s *Server) JoinWay(configID string) (wx.JoinWay, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.wg.ways[configID]
	return w, ok
}

// groupChatList is POST groupchat/list: chat ids by owner, paged by an
// index cursor.
func (s *Server) groupChatList(_ url.Values, body []byte) map[string]any {
	var req struct {
		OwnerFilter struct {
			UserIDList []string `json:"userid_list"`
		} `json:"owner_filter"`
		Cursor string `json:"cursor"`
		Limit  int    `json:"limit"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Limit <= 0 || req.Limit > 1000 {
		return errBody(40058, "invalid limit")
	}
	var ids []string
	for id, g := range s.wg.chats {
		if len(req.OwnerFilter.UserIDList) == 0 || slices.Contains(req.OwnerFilter.UserIDList, g.Owner) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	start := 0
	if req.Cursor != "" {
		start = sort.SearchStrings(ids, req.Cursor)
	}
	end := min(start+req.Limit, len(ids))
	list := []map[string]any{}
	for _, id := range ids[start:end] {
		list = append(list, map[string]any{"chat_id": id, "status": 0})
	}
	next := ""
	if end < len(ids) {
		next = ids[end]
	}
	return okBody(map[string]any{"group_chat_list": list, "next_cursor": next})
}

// groupChatGet is POST groupchat/get.
func (s *Server) groupChatGet(_ url.Values, body []byte) map[string]any {
	var req struct {
		ChatID string `json:"chat_id"`
	}
	_ = json.Unmarshal(body, &req)
	g, ok := s.wg.chats[req.ChatID]
	if !ok {
		return errBody(40050, "chatid not exist")
	}
	members := []map[string]any{}
	for _, m := range g.Members {
		e := map[string]any{"userid": m.UserID, "type": m.Type, "join_time": m.JoinTime, "join_scene": m.JoinScene,
			"invitor": map[string]any{"userid": m.Invitor}, "name": m.Name}
		if m.State != "" {
			e["state"] = m.State
		}
		if m.UnionID != "" {
			e["unionid"] = m.UnionID
		}
		members = append(members, e)
	}
	return okBody(map[string]any{"group_chat": map[string]any{"chat_id": g.ChatID, "name": g.Name, "owner": g.Owner,
		"create_time": g.CreateTime, "notice": g.Notice, "member_list": members}})
}

// addJoinWay is POST groupchat/add_join_way.
func (s *Server) addJoinWay(_ url.Values, body []byte) map[string]any {
	var w wx.JoinWay
	if err := json.Unmarshal(body, &w); err != nil || len(w.ChatIDs) == 0 || len(w.ChatIDs) > 5 {
		return errBody(40058, "invalid chat_id_list")
	}
	for _, id := range w.ChatIDs {
		if _, ok := s.wg.chats[id]; !ok {
			return errBody(40050, "chatid not exist")
		}
	}
	w.ConfigID = s.nextID("jw")
	w.QRCode = "https://wework.qpic.cn/wwpic/fake/" + w.ConfigID
	s.wg.ways[w.ConfigID] = w
	return okBody(map[string]any{"config_id": w.ConfigID})
}

// joinWayByID decodes {"config_id"} and finds the way.
func (s *Server) joinWayByID(body []byte) (wx.JoinWay, bool) {
	var req struct {
		ConfigID string `json:"config_id"`
	}
	_ = json.Unmarshal(body, &req)
	w, ok := s.wg.ways[req.ConfigID]
	return w, ok
}

// getJoinWay is POST groupchat/get_join_way.
func (s *Server) getJoinWay(_ url.Values, body []byte) map[string]any {
	w, ok := s.joinWayByID(body)
	if !ok {
		return errBody(41044, "invalid config_id")
	}
	return okBody(map[string]any{"join_way": w})
}

// updateJoinWay is POST groupchat/update_join_way.
func (s *Server) updateJoinWay(_ url.Values, body []byte) map[string]any {
	cur, ok := s.joinWayByID(body)
	if !ok {
		return errBody(41044, "invalid config_id")
	}
	var w wx.JoinWay
	if err := json.Unmarshal(body, &w); err != nil || len(w.ChatIDs) == 0 || len(w.ChatIDs) > 5 {
		return errBody(40058, "invalid chat_id_list")
	}
	w.QRCode = cur.QRCode
	s.wg.ways[w.ConfigID] = w
	return okBody(nil)
}

// delJoinWay is POST groupchat/del_join_way.
func (s *Server) delJoinWay(_ url.Values, body []byte) map[string]any {
	w, ok := s.joinWayByID(body)
	if !ok {
		return errBody(41044, "invalid config_id")
	}
	delete(s.wg.ways, w.ConfigID)
	return okBody(nil)
}

// GroupWelcome returns a group welcome template's text, and whether it
// exists.
func (s *Server) GroupWelcome(templateID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.wg.welcomes[templateID]
	return t, ok
}

type welcomeReq struct {
	TemplateID string `json:"template_id"`
	Text       struct {
		Content string `json:"content"`
	} `json:"text"`
}

// groupWelcomeAdd is POST group_welcome_template/add.
func (s *Server) groupWelcomeAdd(_ url.Values, body []byte) map[string]any {
	var req welcomeReq
	if err := json.Unmarshal(body, &req); err != nil || req.Text.Content == "" {
		return errBody(41048, "invalid text content")
	}
	id := s.nextID("msg")
	s.wg.welcomes[id] = req.Text.Content
	return okBody(map[string]any{"template_id": id})
}

// groupWelcomeEdit is POST group_welcome_template/edit.
func (s *Server) groupWelcomeEdit(_ url.Values, body []byte) map[string]any {
	var req welcomeReq
	_ = json.Unmarshal(body, &req)
	if _, ok := s.wg.welcomes[req.TemplateID]; !ok {
		return errBody(41049, "invalid template_id")
	}
	s.wg.welcomes[req.TemplateID] = req.Text.Content
	return okBody(nil)
}

// groupWelcomeGet is POST group_welcome_template/get.
func (s *Server) groupWelcomeGet(_ url.Values, body []byte) map[string]any {
	var req welcomeReq
	_ = json.Unmarshal(body, &req)
	t, ok := s.wg.welcomes[req.TemplateID]
	if !ok {
		return errBody(41049, "invalid template_id")
	}
	return okBody(map[string]any{"text": map[string]any{"content": t}})
}

// groupWelcomeDel is POST group_welcome_template/del.
func (s *Server) groupWelcomeDel(_ url.Values, body []byte) map[string]any {
	var req welcomeReq
	_ = json.Unmarshal(body, &req)
	if _, ok := s.wg.welcomes[req.TemplateID]; !ok {
		return errBody(41049, "invalid template_id")
	}
	delete(s.wg.welcomes, req.TemplateID)
	return okBody(nil)
}
