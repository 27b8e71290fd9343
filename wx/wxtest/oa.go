package wxtest

import (
	"encoding/json"
	"net/url"
	"slices"
	"sort"

	"github.com/siyu/siyu/wx"
)

// oaState is what the fake Official Account remembers.
type oaState struct {
	tags    []oaTag
	nextTag int64
	members map[int64]map[string]bool // tag id -> openids
	users   map[string]wx.OAUser
}

type oaTag struct {
	ID   int64
	Name string
}

func newOAState() oaState {
	return oaState{
		tags:    []oaTag{{ID: 2, Name: "星标组"}}, // every account has it
		nextTag: 100,
		members: map[int64]map[string]bool{},
		users:   map[string]wx.OAUser{},
	}
}

// SetOAUser sets what user/info answers for u.OpenID. Without it every openid
// is a subscribed follower with unionid "union-<openid>".
func (s *Server) SetOAUser(u wx.OAUser) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oa.users[u.OpenID] = u
}

// AddUserTag creates an Official Account user tag as if an operator had, and
// returns its id.
func (s *Server) AddUserTag(name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createUserTag(name)
}

// TagMembers returns the openids that carry user tag tagID, sorted.
func (s *Server) TagMembers(tagID int64) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id := range s.oa.members[tagID] {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func (s *Server) createUserTag(name string) int64 {
	id := s.oa.nextTag
	s.oa.nextTag++
	s.oa.tags = append(s.oa.tags, oaTag{ID: id, Name: name})
	return id
}

// qrCreate is POST /cgi-bin/qrcode/create.
func (s *Server) qrCreate(_ url.Values, body []byte) map[string]any {
	var req struct {
		ExpireSeconds int64  `json:"expire_seconds"`
		ActionName    string `json:"action_name"`
		ActionInfo    struct {
			Scene struct {
				SceneStr string `json:"scene_str"`
				SceneID  int64  `json:"scene_id"`
			} `json:"scene"`
		} `json:"action_info"`
	}
	_ = json.Unmarshal(body, &req)
	scene := req.ActionInfo.Scene
	switch req.ActionName {
	case "QR_STR_SCENE", "QR_LIMIT_STR_SCENE":
		if scene.SceneStr == "" || len(scene.SceneStr) > 64 {
			return errBody(40053, "invalid action info")
		}
	case "QR_SCENE", "QR_LIMIT_SCENE":
		if scene.SceneID <= 0 {
			return errBody(40053, "invalid action info")
		}
	default:
		return errBody(40052, "invalid action name")
	}
	ticket := s.nextID("gQFakeTicket")
	answer := map[string]any{"ticket": ticket, "url": "http://weixin.qq.com/q/" + ticket}
	if req.ActionName == "QR_STR_SCENE" || req.ActionName == "QR_SCENE" {
		exp := req.ExpireSeconds
		if exp <= 0 {
			exp = 60
		}
		answer["expire_seconds"] = min(exp, 2592000)
	}
	return answer
}

// customSend is POST /cgi-bin/message/custom/send.
func (s *Server) customSend(_ url.Values, body []byte) map[string]any {
	var req struct {
		ToUser  string `json:"touser"`
		MsgType string `json:"msgtype"`
		Text    struct {
			Content string `json:"content"`
		} `json:"text"`
	}
	_ = json.Unmarshal(body, &req)
	switch {
	case req.ToUser == "":
		return errBody(40003, "invalid openid")
	case req.MsgType == "":
		return errBody(40008, "invalid message type")
	case req.MsgType == "text" && req.Text.Content == "":
		return errBody(44004, "empty content")
	}
	return okBody(nil)
}

// templateSend is POST /cgi-bin/message/template/send.
func (s *Server) templateSend(_ url.Values, body []byte) map[string]any {
	var req struct {
		ToUser     string `json:"touser"`
		TemplateID string `json:"template_id"`
	}
	_ = json.Unmarshal(body, &req)
	switch {
	case req.ToUser == "":
		return errBody(40003, "invalid openid")
	case req.TemplateID == "":
		return errBody(40037, "invalid template_id")
	}
	s.seq++
	return okBody(map[string]any{"msgid": 200000 + s.seq})
}

// userInfo is GET /cgi-bin/user/info?openid=&lang=.
func (s *Server) userInfo(q url.Values, _ []byte) map[string]any {
	openID := q.Get("openid")
	if openID == "" {
		return errBody(40003, "invalid openid")
	}
	u, ok := s.oa.users[openID]
	if !ok {
		u = wx.OAUser{OpenID: openID, UnionID: "union-" + openID, Nickname: "Member " + openID, Subscribed: true}
	}
	if !u.Subscribed {
		return map[string]any{"subscribe": 0, "openid": u.OpenID, "unionid": u.UnionID}
	}
	tagIDs := []int64{}
	for id, m := range s.oa.members {
		if m[openID] {
			tagIDs = append(tagIDs, id)
		}
	}
	slices.Sort(tagIDs)
	return map[string]any{
		"subscribe": 1, "openid": u.OpenID, "nickname": u.Nickname, "unionid": u.UnionID,
		"language": "zh_CN", "headimgurl": "http://thirdwx.qlogo.cn/fake/" + openID,
		"subscribe_time": 1700000000, "remark": "", "groupid": 0, "tagid_list": tagIDs,
		"subscribe_scene": "ADD_SCENE_QR_CODE", "qr_scene": 0, "qr_scene_str": "",
	}
}

// tagsGet is GET /cgi-bin/tags/get.
func (s *Server) tagsGet(_ url.Values, _ []byte) map[string]any {
	tags := []map[string]any{}
	for _, t := range s.oa.tags {
		tags = append(tags, map[string]any{"id": t.ID, "name": t.Name, "count": len(s.oa.members[t.ID])})
	}
	return map[string]any{"tags": tags}
}

// tagsCreate is POST /cgi-bin/tags/create.
func (s *Server) tagsCreate(_ url.Values, body []byte) map[string]any {
	var req struct {
		Tag struct {
			Name string `json:"name"`
		} `json:"tag"`
	}
	_ = json.Unmarshal(body, &req)
	name := req.Tag.Name
	if name == "" || len([]rune(name)) > 30 {
		return errBody(45158, "tag name too long")
	}
	for _, t := range s.oa.tags {
		if t.Name == name {
			return errBody(wx.CodeUserTagExists, "tag name already exists")
		}
	}
	return map[string]any{"tag": map[string]any{"id": s.createUserTag(name), "name": name}}
}

func (s *Server) batchTagging(q url.Values, body []byte) map[string]any {
	return s.batchTag(body, true)
}

func (s *Server) batchUntagging(q url.Values, body []byte) map[string]any {
	return s.batchTag(body, false)
}

// batchTag is POST /cgi-bin/tags/members/batch(un)tagging.
func (s *Server) batchTag(body []byte, tag bool) map[string]any {
	var req struct {
		OpenIDList []string `json:"openid_list"`
		TagID      int64    `json:"tagid"`
	}
	_ = json.Unmarshal(body, &req)
	known := slices.ContainsFunc(s.oa.tags, func(t oaTag) bool { return t.ID == req.TagID })
	switch {
	case !known:
		return errBody(45159, "invalid tag id")
	case len(req.OpenIDList) == 0 || len(req.OpenIDList) > 50:
		return errBody(40032, "invalid openid list size")
	}
	m := s.oa.members[req.TagID]
	if m == nil {
		m = map[string]bool{}
		s.oa.members[req.TagID] = m
	}
	for _, id := range req.OpenIDList {
		if tag {
			m[id] = true
		} else {
			delete(m, id)
		}
	}
	return okBody(nil)
}
