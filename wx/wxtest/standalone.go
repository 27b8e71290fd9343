package wxtest

import (
	"fmt"
	"net/http"

	"github.com/siyu/siyu/wx"
)

// New returns a fake upstream that is not bound to a test: serve it with
// an http.Server (it is an http.Handler) and call Release before shutting
// that down, so calls told to hang return.
func New() *Server {
	s := &Server{closing: make(chan struct{}), tokens: map[string]*tokenInfo{}}
	s.resetLocked()
	return s
}

// Release makes hanging calls return; call it once, when done.
func (s *Server) Release() { close(s.closing) }

var _ http.Handler = (*Server)(nil)

// DemoWorld is the scripted world of `siyu simulate upstream`: a corp with
// two guides, three customers with names, and two customer groups (one
// with a customer who joined through the group code state "grp_demo").
type DemoWorld struct {
	Guides    []string
	Customers []string
	Groups    []string
}

// LoadDemoWorld fills s with the demo world and returns what it holds.
func (s *Server) LoadDemoWorld(now int64) DemoWorld {
	w := DemoWorld{Guides: []string{"guide01", "guide02"}}
	names := []string{"张小姐", "李先生", "王女士"}
	for i, name := range names {
		id := fmt.Sprintf("wm_demo_%02d", i+1)
		w.Customers = append(w.Customers, id)
		s.SetExternalContact(wx.ExternalContact{ExternalUserID: id, Name: name, Type: 1,
			FollowUsers: []wx.FollowUser{{UserID: "guide01", CreateTime: now}}})
	}
	s.SetGroupChat(wx.GroupChat{ChatID: "wr_demo_01", Name: "上海一店福利群", Owner: "guide01", CreateTime: now, Notice: "每周一上新，群内专享价",
		Members: []wx.GroupChatMember{
			{UserID: "guide01", Type: 1, JoinTime: now},
			{UserID: "wm_demo_01", Type: 2, JoinTime: now, JoinScene: 3, State: "grp_demo", Name: names[0]},
			{UserID: "wm_demo_02", Type: 2, JoinTime: now, JoinScene: 1, Invitor: "guide01", Name: names[1]},
		}})
	s.SetGroupChat(wx.GroupChat{ChatID: "wr_demo_02", Name: "上海一店新客群", Owner: "guide02", CreateTime: now,
		Members: []wx.GroupChatMember{{UserID: "guide02", Type: 1, JoinTime: now}, {UserID: "wm_demo_03", Type: 2, JoinTime: now, JoinScene: 3, Name: names[2]}}})
	w.Groups = []string{"wr_demo_01", "wr_demo_02"}
	return w
}
