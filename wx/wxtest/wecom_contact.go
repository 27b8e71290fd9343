package wxtest

import (
	"encoding/json"
	"net/url"
	"slices"
	"time"

	"github.com/siyu/siyu/wx"
)

// wecomState is what the fake corp remembers.
type wecomState struct {
	groups   []*corpGroup
	contacts map[string]*wx.ExternalContact
	ways     map[string]wx.ContactWay
	welcomed map[string]bool
	codes    map[string]bool // used OAuth codes
	msgs     map[string]*groupMsg
	users    []wx.WeComUser
	// loginUser scans the web-login page's QR code.
	loginUser string
}

type corpGroup struct {
	ID, Name string
	Created  int64
	Tags     []corpTag
}

type corpTag struct {
	ID, Name string
	Created  int64
}

type groupMsg struct {
	sender    string
	group     bool     // chat_type group: externals are chat ids
	externals []string // the targets: external userids, or chat ids of a send to groups
	status    map[string]int
	sent      bool // the sender confirmed it (get_groupmsg_task status 2)
}

func newWeComState() wecomState {
	return wecomState{
		contacts:  map[string]*wx.ExternalContact{},
		ways:      map[string]wx.ContactWay{},
		welcomed:  map[string]bool{},
		codes:     map[string]bool{},
		msgs:      map[string]*groupMsg{},
		loginUser: "hq01",
		users: []wx.WeComUser{
			{UserID: "guide01", Name: "导购一", Department: []int{1, 2}},
			{UserID: "guide02", Name: "导购二", Department: []int{1, 3}},
			{UserID: "hq01", Name: "总部运营", Department: []int{1}},
		},
	}
}

// SetExternalContact sets what externalcontact/get answers for
// c.ExternalUserID (unionid, follow users and their tag ids). Without it an
// external contact is a WeChat user named "Customer <id>" with no unionid and
// no follow users, gaining follow users as mark_tag tags it.
func (s *Server) SetExternalContact(c wx.ExternalContact) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wc.contacts[c.ExternalUserID] = cloneContact(c)
}

// ContactTags returns the corp tag ids member userID has put on the external
// contact, in the order they were added.
func (s *Server) ContactTags(userID, externalUserID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.wc.contacts[externalUserID]; ok {
		for _, f := range c.FollowUsers {
			if f.UserID == userID {
				return slices.Clone(f.TagIDs)
			}
		}
	}
	return nil
}

// AddCorpTag creates corp tag name in group (and the group) as if an operator
// had, and returns the tag id.
func (s *Server) AddCorpTag(group, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.findGroup("", group)
	if g == nil {
		g = &corpGroup{ID: s.nextID("etGRP"), Name: group, Created: time.Now().Unix()}
		s.wc.groups = append(s.wc.groups, g)
	}
	t := corpTag{ID: s.nextID("etTAG"), Name: name, Created: time.Now().Unix()}
	g.Tags = append(g.Tags, t)
	return t.ID
}

// RenameCorpTag renames corp tag id as if an operator had in WeCom.
func (s *Server) RenameCorpTag(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, t := s.findTag(id); t != nil {
		t.Name = name
	}
}

// DeleteCorpTag deletes corp tag id as if an operator had in WeCom; it
// disappears from contacts too.
func (s *Server) DeleteCorpTag(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, g := range s.wc.groups {
		g.Tags = slices.DeleteFunc(g.Tags, func(t corpTag) bool { return t.ID == id })
	}
	for _, c := range s.wc.contacts {
		for i := range c.FollowUsers {
			c.FollowUsers[i].TagIDs = slices.DeleteFunc(c.FollowUsers[i].TagIDs, func(t string) bool { return t == id })
		}
	}
}

// CorpTagID returns the id of corp tag name in group, "" when there is none.
func (s *Server) CorpTagID(group, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if g := s.findGroup("", group); g != nil {
		for _, t := range g.Tags {
			if t.Name == name {
				return t.ID
			}
		}
	}
	return ""
}

func (s *Server) findGroup(id, name string) *corpGroup {
	for _, g := range s.wc.groups {
		if (id != "" && g.ID == id) || (id == "" && g.Name == name) {
			return g
		}
	}
	return nil
}

func (s *Server) findTag(id string) (*corpGroup, *corpTag) {
	for _, g := range s.wc.groups {
		for i := range g.Tags {
			if g.Tags[i].ID == id {
				return g, &g.Tags[i]
			}
		}
	}
	return nil, nil
}

func (s *Server) contact(id string) *wx.ExternalContact {
	c, ok := s.wc.contacts[id]
	if !ok {
		c = &wx.ExternalContact{ExternalUserID: id, Name: "Customer " + id, Type: 1,
			Avatar: "http://wx.qlogo.cn/fake/" + id}
		s.wc.contacts[id] = c
	}
	return c
}

func cloneContact(c wx.ExternalContact) *wx.ExternalContact {
	c.FollowUsers = slices.Clone(c.FollowUsers)
	for i := range c.FollowUsers {
		c.FollowUsers[i].TagIDs = slices.Clone(c.FollowUsers[i].TagIDs)
	}
	return &c
}

// externalGet is GET /cgi-bin/externalcontact/get?external_userid=.
func (s *Server) externalGet(q url.Values, _ []byte) map[string]any {
	id := q.Get("external_userid")
	if id == "" {
		return errBody(40096, "invalid external userid")
	}
	c := s.contact(id)
	follow := []map[string]any{}
	for _, f := range c.FollowUsers {
		tags := []map[string]any{}
		for _, tid := range f.TagIDs {
			g, t := s.findTag(tid)
			if t == nil {
				continue // deleted since
			}
			tags = append(tags, map[string]any{"group_name": g.Name, "tag_name": t.Name, "tag_id": t.ID, "type": 1})
		}
		follow = append(follow, map[string]any{
			"userid": f.UserID, "remark": f.Remark, "description": "", "createtime": f.CreateTime,
			"tags": tags, "state": f.State, "add_way": 1, "oper_userid": f.UserID,
		})
	}
	return okBody(map[string]any{
		"external_contact": map[string]any{
			"external_userid": c.ExternalUserID, "name": c.Name, "avatar": c.Avatar,
			"type": c.Type, "gender": 0, "unionid": c.UnionID,
		},
		"follow_user": follow,
		"next_cursor": "",
	})
}

// corpTagList is POST /cgi-bin/externalcontact/get_corp_tag_list.
func (s *Server) corpTagList(_ url.Values, body []byte) map[string]any {
	var req struct {
		TagID   []string `json:"tag_id"`
		GroupID []string `json:"group_id"`
	}
	_ = json.Unmarshal(body, &req)
	groups := []map[string]any{}
	for _, g := range s.wc.groups {
		tags := g.Tags
		switch { // group_id wins over tag_id, as in WeCom
		case len(req.GroupID) > 0:
			if !slices.Contains(req.GroupID, g.ID) {
				continue
			}
		case len(req.TagID) > 0:
			tags = slices.DeleteFunc(slices.Clone(tags), func(t corpTag) bool { return !slices.Contains(req.TagID, t.ID) })
			if len(tags) == 0 {
				continue
			}
		}
		groups = append(groups, groupJSON(g, tags))
	}
	return okBody(map[string]any{"tag_group": groups})
}

func groupJSON(g *corpGroup, tags []corpTag) map[string]any {
	ts := []map[string]any{}
	for i, t := range tags {
		ts = append(ts, map[string]any{"id": t.ID, "name": t.Name, "create_time": t.Created, "order": i, "deleted": false})
	}
	return map[string]any{"group_id": g.ID, "group_name": g.Name, "create_time": g.Created,
		"order": 0, "deleted": false, "tag": ts}
}

// addCorpTag is POST /cgi-bin/externalcontact/add_corp_tag: into the group
// named by group_id, else the group called group_name (created if missing).
func (s *Server) addCorpTag(_ url.Values, body []byte) map[string]any {
	var req struct {
		GroupID   string `json:"group_id"`
		GroupName string `json:"group_name"`
		Tag       []struct {
			Name string `json:"name"`
		} `json:"tag"`
	}
	_ = json.Unmarshal(body, &req)
	if len(req.Tag) == 0 || (req.GroupID == "" && req.GroupName == "") {
		return errBody(40058, "invalid parameter: tag and group_id or group_name required")
	}
	g := s.findGroup(req.GroupID, req.GroupName)
	if g == nil && req.GroupID != "" {
		return errBody(40068, "invalid tagid")
	}
	now := time.Now().Unix()
	var created []corpTag
	for _, t := range req.Tag {
		if g != nil && slices.ContainsFunc(g.Tags, func(x corpTag) bool { return x.Name == t.Name }) {
			return errBody(wx.CodeCorpTagExists, "tag name already exists")
		}
		created = append(created, corpTag{ID: s.nextID("etTAG"), Name: t.Name, Created: now})
	}
	if g == nil {
		g = &corpGroup{ID: s.nextID("etGRP"), Name: req.GroupName, Created: now}
		s.wc.groups = append(s.wc.groups, g)
	}
	g.Tags = append(g.Tags, created...)
	return okBody(map[string]any{"tag_group": groupJSON(g, created)})
}

// markTag is POST /cgi-bin/externalcontact/mark_tag; the tags land on the
// stored contact's follow user.
func (s *Server) markTag(_ url.Values, body []byte) map[string]any {
	var req struct {
		UserID         string   `json:"userid"`
		ExternalUserID string   `json:"external_userid"`
		AddTag         []string `json:"add_tag"`
		RemoveTag      []string `json:"remove_tag"`
	}
	_ = json.Unmarshal(body, &req)
	switch {
	case req.UserID == "":
		return errBody(40003, "invalid userid")
	case req.ExternalUserID == "":
		return errBody(40096, "invalid external userid")
	case len(req.AddTag) == 0 && len(req.RemoveTag) == 0:
		return errBody(40058, "invalid parameter: add_tag and remove_tag both empty")
	}
	for _, id := range append(slices.Clone(req.AddTag), req.RemoveTag...) {
		if _, t := s.findTag(id); t == nil {
			return errBody(40068, "invalid tagid")
		}
	}
	c := s.contact(req.ExternalUserID)
	i := slices.IndexFunc(c.FollowUsers, func(f wx.FollowUser) bool { return f.UserID == req.UserID })
	if i < 0 {
		c.FollowUsers = append(c.FollowUsers, wx.FollowUser{UserID: req.UserID, CreateTime: time.Now().Unix()})
		i = len(c.FollowUsers) - 1
	}
	f := &c.FollowUsers[i]
	for _, id := range req.AddTag {
		if !slices.Contains(f.TagIDs, id) {
			f.TagIDs = append(f.TagIDs, id)
		}
	}
	f.TagIDs = slices.DeleteFunc(f.TagIDs, func(id string) bool { return slices.Contains(req.RemoveTag, id) })
	return okBody(nil)
}

// sendWelcomeMsg is POST /cgi-bin/externalcontact/send_welcome_msg. A welcome
// code works once; the fake answers 41051 to a reused one.
func (s *Server) sendWelcomeMsg(_ url.Values, body []byte) map[string]any {
	var req struct {
		WelcomeCode string `json:"welcome_code"`
	}
	_ = json.Unmarshal(body, &req)
	if req.WelcomeCode == "" {
		return errBody(41051, "invalid welcome_code")
	}
	if s.wc.welcomed[req.WelcomeCode] {
		return errBody(41051, "welcome_code expired or already used")
	}
	s.wc.welcomed[req.WelcomeCode] = true
	return okBody(nil)
}
