package tasks_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/groups"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/wx"
)

const (
	pathGroupGet  = "/cgi-bin/externalcontact/groupchat/get"
	pathGroupList = "/cgi-bin/externalcontact/groupchat/list"
	groupT0       = int64(1764460800) // 2025-11-30 00:00 UTC
)

// withGroups wires the groups service into e's worker.
func (e *env) withGroups() *groups.Service {
	g := groups.New(e.st, groups.Options{Members: e.members, Loyalty: e.loy, WeCom: e.wx, Logger: testLogger()})
	e.deps.Groups = g
	return g
}

// chatEvent builds a change_external_chat event at groupT0+at seconds.
func (e *env) chatEvent(change, detail, chatID string, at int64, users ...string) tasks.WeComEvent {
	return tasks.WeComEvent{CorpID: e.corp, Event: tasks.EventChangeExternalChat, ChangeType: change, UpdateDetail: detail,
		ChatID: chatID, CreateTime: groupT0 + at, MemChangeList: strings.Join(users, ",")}
}

// groupWorld sets up a scene with tags and a bonus, the owner guide and
// the upstream's groups: wrA with the guide and three customers (two came
// through the scene's group code), wrB already dismissed.
func (e *env) groupWorld() {
	e.t.Helper()
	ctx := context.Background()
	_, _, err := e.tags.SaveScene(ctx, model.Scene{Scene: "grp_sh001", Tags: []string{"门店:上海一店", "渠道:社群"}, StoreCode: "sh001", BonusPoints: 10})
	e.must(err)
	e.must(e.db.Create(&model.Guide{UserID: "g01", Name: "导购一", StoreCode: "sh001"}).Error)
	e.up.SetGroupChat(wx.GroupChat{ChatID: "wrA", Name: "上海一店福利群", Owner: "g01", CreateTime: groupT0, Notice: "每周一上新",
		Members: []wx.GroupChatMember{
			{UserID: "g01", Type: 1, JoinTime: groupT0, JoinScene: 0},
			{UserID: "wm_a", Type: 2, JoinTime: groupT0 + 10, JoinScene: 3, State: "grp_sh001", Name: "阿一"},
			{UserID: "wm_b", Type: 2, JoinTime: groupT0 + 20, JoinScene: 1, Invitor: "g01", Name: "阿二"},
			{UserID: "wm_c", Type: 2, JoinTime: groupT0 + 30, JoinScene: 3, State: "grp_sh001", Name: "阿三"},
		}})
}

// phaseOne is the events of wrA's first half minute and wrB's life.
func (e *env) phaseOne() []tasks.WeComEvent {
	return []tasks.WeComEvent{
		e.chatEvent(groups.ChangeCreate, "", "wrA", 0),
		e.chatEvent(groups.ChangeCreate, "", "wrB", 5),
		e.chatEvent(groups.ChangeUpdate, groups.DetailAddMember, "wrA", 10, "wm_a"),
		e.chatEvent(groups.ChangeUpdate, groups.DetailAddMember, "wrA", 20, "wm_b"),
		e.chatEvent(groups.ChangeUpdate, groups.DetailAddMember, "wrA", 30, "wm_c"),
		e.chatEvent(groups.ChangeUpdate, groups.DetailChangeName, "wrA", 40),
		e.chatEvent(groups.ChangeDismiss, "", "wrB", 60),
	}
}

// runGroupScenario plays the world's events: phase one delivered in the
// given order (each `times` times), then wm_c leaves wrA.
func runGroupScenario(t *testing.T, reverse bool, times int, failFirst int) string {
	e := newEnv(t)
	e.withGroups()
	e.groupWorld()
	if failFirst > 0 {
		e.up.FailNext(pathGroupGet, failFirst, wx.CodeSystemBusy)
	}
	evs := e.phaseOne()
	if reverse {
		slices.Reverse(evs)
	}
	e.start()
	for range times {
		for _, ev := range evs {
			e.deliver(ev)
		}
	}
	e.drained()
	e.up.QuitGroupChat("wrA", "wm_c")
	for range times {
		e.deliver(e.chatEvent(groups.ChangeUpdate, groups.DetailDelMember, "wrA", 50, "wm_c"))
	}
	e.drained()
	return e.groupSnapshot()
}

// groupSnapshot renders every group row, member row and the customers'
// member state, for comparing runs.
func (e *env) groupSnapshot() string {
	e.t.Helper()
	var b strings.Builder
	var gs []model.Group
	e.must(e.db.Order("chat_id").Find(&gs).Error)
	for _, g := range gs {
		fmt.Fprintf(&b, "group %s name=%s owner=%s store=%s notice=%s count=%d dismissed=%v details=%v\n",
			g.ChatID, g.Name, g.Owner, g.StoreCode, g.Notice, g.MemberCount, fmtTime(g.DismissedAt), g.DetailsAt != nil && g.DismissedAt == nil)
	}
	var ms []model.GroupMember
	e.must(e.db.Order("chat_id, user_id").Find(&ms).Error)
	for _, m := range ms {
		fmt.Fprintf(&b, "member %s/%s type=%d member=%v join=%d scene=%d invitor=%s state=%s quit=%s/%d\n",
			m.ChatID, m.UserID, m.Type, m.MemberID != 0, m.JoinTime.Unix(), m.JoinScene, m.Invitor, m.State, fmtTime(m.QuitAt), m.QuitScene)
	}
	for _, ext := range []string{"wm_a", "wm_c"} {
		m := e.member(ext)
		joins := e.count(&model.MemberEvent{}, "member_id = ? AND kind = ?", m.ID, model.EventGroupJoin)
		quits := e.count(&model.MemberEvent{}, "member_id = ? AND kind = ?", m.ID, model.EventGroupQuit)
		fmt.Fprintf(&b, "customer %s tags=%s store=%s first=%s points=%d joins=%d quits=%d\n",
			ext, strings.Join(m.Tags, ","), m.StoreCode, m.FirstScene, m.Points, joins, quits)
	}
	fmt.Fprintf(&b, "members=%d\n", e.count(&model.Member{}))
	return b.String()
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return fmt.Sprint(t.Unix())
}

// TestGroupEventsConverge: group events (create, joins through a code's
// state, a quit, a rename, a dismiss) delivered once, twice, in reverse
// order and with groupchat/get failing first leave the same rows; the
// customers who came through the scene are tagged, bound and credited its
// bonus once.
func TestGroupEventsConverge(t *testing.T) {
	want := runGroupScenario(t, false, 1, 0)
	for _, line := range []string{
		"group wrA name=上海一店福利群 owner=g01 store=sh001 notice=每周一上新 count=3 dismissed=- details=true",
		fmt.Sprintf("group wrB name= owner= store= notice= count=0 dismissed=%d details=false", groupT0+60),
		fmt.Sprintf("member wrA/wm_a type=2 member=true join=%d scene=3 invitor= state=grp_sh001 quit=-/0", groupT0+10),
		fmt.Sprintf("member wrA/wm_b type=2 member=false join=%d scene=1 invitor=g01 state= quit=-/0", groupT0+20),
		fmt.Sprintf("member wrA/wm_c type=2 member=true join=%d scene=3 invitor= state=grp_sh001 quit=%d/0", groupT0+30, groupT0+50),
		"customer wm_a tags=渠道:社群,门店:上海一店 store=sh001 first=grp_sh001 points=10 joins=1 quits=0",
		"customer wm_c tags=渠道:社群,门店:上海一店 store=sh001 first=grp_sh001 points=10 joins=1 quits=1",
		"members=2",
	} {
		if !strings.Contains(want, line+"\n") {
			t.Errorf("snapshot lacks %q:\n%s", line, want)
		}
	}
	for _, v := range []struct {
		name      string
		reverse   bool
		times     int
		failFirst int
	}{
		{"twice", false, 2, 0},
		{"reversed", true, 1, 0},
		{"reversed twice", true, 2, 0},
		{"api failing first", false, 1, 3},
	} {
		t.Run(v.name, func(t *testing.T) {
			if got := runGroupScenario(t, v.reverse, v.times, v.failFirst); got != want {
				t.Errorf("rows differ from the in-order run:\n got %s\nwant %s", got, want)
			}
		})
	}
}
