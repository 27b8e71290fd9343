package tasks_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/siyu/siyu/groups"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/wx"
)

// TestGroupCodeTagsByScene: a group code carries its scene as the join
// way's state; a customer who joins through it is tagged and bound by the
// scene and credited its bonus once, even across two groups of the code.
func TestGroupCodeTagsByScene(t *testing.T) {
	e := newEnv(t)
	g := e.withGroups()
	ctx := context.Background()
	_, _, err := e.tags.SaveScene(ctx, model.Scene{Scene: "grp_bj", Tags: []string{"门店:北京店"}, StoreCode: "bj001", GuideUserID: "g02", BonusPoints: 20})
	e.must(err)
	e.up.SetGroupChat(wx.GroupChat{ChatID: "wrX", Name: "北京一群", Owner: "g02", Members: []wx.GroupChatMember{{UserID: "g02", Type: 1}}})
	e.up.SetGroupChat(wx.GroupChat{ChatID: "wrY", Name: "北京二群", Owner: "g02", Members: []wx.GroupChatMember{{UserID: "g02", Type: 1}}})

	if _, err := g.CreateCode(ctx, model.GroupCode{Scene: "no_such_scene", ChatIDs: []string{"wrX"}}); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("code with an unknown scene: err = %v, want invalid", err)
	}
	if _, err := g.CreateCode(ctx, model.GroupCode{Scene: "grp_bj", ChatIDs: []string{"a", "b", "c", "d", "e", "f"}}); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("code with 6 groups: err = %v, want invalid", err)
	}
	code, err := g.CreateCode(ctx, model.GroupCode{Scene: "grp_bj", ChatIDs: []string{"wrX", "wrY"}, Remark: "北京海报"})
	e.must(err)
	way, ok := e.up.JoinWay(code.ConfigID)
	if !ok || way.State != "grp_bj" || way.Scene != 2 || strings.Join(way.ChatIDs, ",") != "wrX,wrY" || code.QRCode == "" {
		t.Fatalf("join way = %+v (found %v), code = %+v; want state grp_bj over wrX,wrY with a QR code", way, ok, code)
	}

	e.start()
	for i, chat := range []string{"wrX", "wrY"} {
		e.up.JoinGroupChat(chat, wx.GroupChatMember{UserID: "wm_join", Type: 2, JoinScene: 3, State: "grp_bj", JoinTime: groupT0 + int64(i)})
		e.deliver(e.chatEvent(groups.ChangeUpdate, groups.DetailAddMember, chat, int64(i), "wm_join"))
		e.drained()
	}
	m := e.member("wm_join")
	if strings.Join(m.Tags, ",") != "门店:北京店" || m.StoreCode != "bj001" || m.GuideUserID != "g02" || m.FirstScene != "grp_bj" || m.Points != 20 {
		t.Errorf("member = tags %v store %s guide %s first %s points %d; want the scene's tag, store, guide and 20 points once",
			m.Tags, m.StoreCode, m.GuideUserID, m.FirstScene, m.Points)
	}

	upd, err := g.UpdateCode(ctx, code.ID, model.GroupCode{Scene: "grp_bj", ChatIDs: []string{"wrY"}, AutoCreateRoom: true, RoomBaseName: "北京群"})
	e.must(err)
	if way, _ := e.up.JoinWay(code.ConfigID); strings.Join(way.ChatIDs, ",") != "wrY" || way.AutoCreateRoom != 1 || upd.QRCode != code.QRCode {
		t.Errorf("after update: join way %+v, code %+v", way, upd)
	}
	e.must(g.DeleteCode(ctx, code.ID))
	if _, ok := e.up.JoinWay(code.ConfigID); ok {
		t.Error("join way still in WeCom after delete")
	}
	if _, err := g.GetCode(ctx, code.ID); !errors.Is(err, groups.ErrGroupCodeNotFound) {
		t.Errorf("GetCode after delete: %v", err)
	}
}

// TestGroupCapacityWarning: when a code's group reaches groups.WarnAt
// people the group's owner is told once; more joins do not repeat it.
func TestGroupCapacityWarning(t *testing.T) {
	e := newEnv(t)
	g := e.withGroups()
	ctx := context.Background()
	e.scene("grp_full", []string{"渠道:社群"}, "")
	members := []wx.GroupChatMember{{UserID: "g03", Type: 1}}
	for i := 1; i < groups.WarnAt-1; i++ {
		members = append(members, wx.GroupChatMember{UserID: fmt.Sprintf("wm_f%03d", i), Type: 2, JoinTime: groupT0})
	}
	e.up.SetGroupChat(wx.GroupChat{ChatID: "wrF", Name: "满员测试群", Owner: "g03", Members: members})
	code, err := g.CreateCode(ctx, model.GroupCode{Scene: "grp_full", ChatIDs: []string{"wrF"}})
	e.must(err)
	e.start()
	e.deliver(e.chatEvent(groups.ChangeCreate, "", "wrF", 0))
	e.drained()
	if n := e.up.CallCount(pathAppMsg); n != 0 {
		t.Fatalf("app messages at %d people = %d, want 0", groups.WarnAt-1, n)
	}
	for i := range 3 {
		id := fmt.Sprintf("wm_new%d", i)
		e.up.JoinGroupChat("wrF", wx.GroupChatMember{UserID: id, Type: 2, JoinScene: 3, State: "grp_full", JoinTime: groupT0 + 100 + int64(i)})
		e.deliver(e.chatEvent(groups.ChangeUpdate, groups.DetailAddMember, "wrF", 100+int64(i), id))
		e.drained()
	}
	calls := e.up.Calls(pathAppMsg)
	if len(calls) != 1 {
		t.Fatalf("app messages = %d, want one warning", len(calls))
	}
	if body := string(calls[0].Body); !strings.Contains(body, "g03") || !strings.Contains(body, "群容量提醒") || !strings.Contains(body, "满员测试群") {
		t.Errorf("warning = %s; want it to the owner g03 naming the group", body)
	}
	got, err := g.GetCode(ctx, code.ID)
	e.must(err)
	if got.CapacityWarned != "wrF" || got.WarnedAt == nil {
		t.Errorf("code = %+v; want it marked warned for wrF (HQ sees it)", got)
	}
}

// TestGroupSync: a sync run walks groupchat/list by pages and reads each
// group; a second run converges on the same rows.
func TestGroupSync(t *testing.T) {
	e := newEnv(t)
	e.withGroups()
	e.groupWorld()
	for i := range 150 {
		e.up.SetGroupChat(wx.GroupChat{ChatID: fmt.Sprintf("wrS%03d", i), Name: fmt.Sprintf("群%d", i), Owner: "g01",
			Members: []wx.GroupChatMember{{UserID: "g01", Type: 1, JoinTime: groupT0}}})
	}
	e.start()
	for _, run := range []string{"r1", "r2"} {
		e.enqueue(tasks.NewSyncGroupsTask(tasks.SyncGroupsPayload{CorpID: e.corp, Run: run}))
		e.drained()
	}
	if n := e.count(&model.Group{}); n != 151 {
		t.Errorf("groups = %d, want 151", n)
	}
	if n := e.up.CallCount(pathGroupList); n != 4 {
		t.Errorf("groupchat/list calls = %d, want 2 pages × 2 runs", n)
	}
	if n := e.up.CallCount(pathGroupGet); n != 302 {
		t.Errorf("groupchat/get calls = %d, want 151 × 2", n)
	}
	snap := e.groupSnapshot()
	e.enqueue(tasks.NewSyncGroupsTask(tasks.SyncGroupsPayload{CorpID: e.corp, Run: "r3"}))
	e.drained()
	if again := e.groupSnapshot(); again != snap {
		t.Errorf("a third sync changed the rows:\n%s\nwant\n%s", again, snap)
	}
}
