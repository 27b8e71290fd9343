package tasks_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/wx"
)

// TestAddFlow: an add through a scene makes the member and the relation,
// tags them, mirrors the tags with one mark_tag call and sends the scene's
// welcome with the code once, even when the event is enqueued three times.
func TestAddFlow(t *testing.T) {
	e := newEnv(t)
	e.scene("store_sh001", []string{"门店:上海一店", "渠道:企微"}, "欢迎来到上海一店")
	e.up.SetExternalContact(wx.ExternalContact{ExternalUserID: "wm_alice", Name: "Alice", Avatar: "http://a/alice", Type: 1,
		FollowUsers: []wx.FollowUser{{UserID: "g01", Remark: "VIP客户", State: "store_sh001", CreateTime: time.Now().Unix()}}})
	ev := e.add("g01", "wm_alice", "store_sh001", "WELCOME-1")
	for range 3 {
		e.deliver(ev)
	}
	e.start()
	e.idle()

	m := e.member("wm_alice")
	if m.Nickname != "Alice" || m.Avatar != "http://a/alice" || m.FirstScene != "store_sh001" || m.GuideUserID != "g01" ||
		strings.Join(m.Tags, ",") != "渠道:企微,门店:上海一店" {
		t.Errorf("member = %+v", m)
	}
	rels, _ := e.members.Relations(context.Background(), m.ID)
	if len(rels) != 1 || rels[0].State != "store_sh001" || rels[0].Remark != "VIP客户" || !rels[0].Active() {
		t.Errorf("relations = %+v, want one active with state and remark", rels)
	}
	if n := e.up.CallCount(pathMarkTag); n != 1 {
		t.Errorf("mark_tag calls = %d, want 1", n)
	}
	if got := e.tagNames("g01", "wm_alice"); strings.Join(got, ",") != "渠道:企微,门店:上海一店" && strings.Join(got, ",") != "门店:上海一店,渠道:企微" {
		t.Errorf("tags in WeCom = %v", got)
	}
	calls := e.up.Calls(pathWelcome)
	if len(calls) != 1 {
		t.Fatalf("welcome calls = %d, want 1", len(calls))
	}
	var body struct {
		WelcomeCode string `json:"welcome_code"`
		Text        struct{ Content string }
	}
	if err := json.Unmarshal(calls[0].Body, &body); err != nil {
		t.Fatalf("welcome body %s: %v", calls[0].Body, err)
	}
	if body.WelcomeCode != "WELCOME-1" || body.Text.Content != "欢迎来到上海一店" {
		t.Errorf("welcome = %+v, want the code and the scene's welcome", body)
	}
}

// TestWelcomeWindow: a welcome whose 20 s have passed is not sent.
func TestWelcomeWindow(t *testing.T) {
	e := newEnv(t)
	ev := e.add("g01", "wm_late", "", "WELCOME-LATE")
	ev.CreateTime = time.Now().Add(-25 * time.Second).Unix()
	e.deliver(ev)
	e.start()
	c := e.idle()
	if n := e.up.CallCount(pathWelcome); n != 0 {
		t.Errorf("welcome calls = %d, want 0 after the window", n)
	}
	if c.Archived != 1 {
		t.Errorf("archived tasks = %d, want the late welcome archived (not retried)", c.Archived)
	}
	e.member("wm_late") // the add itself is recorded
}

// TestEditFlowsTagsBack: tags a guide puts on the contact in WeCom become
// the member's wecom-source tags.
func TestEditFlowsTagsBack(t *testing.T) {
	e := newEnv(t)
	vip := e.up.AddCorpTag("等级", "VIP")
	sport := e.up.AddCorpTag("私域", "爱运动")
	e.up.SetExternalContact(wx.ExternalContact{ExternalUserID: "wm_b", Type: 1, FollowUsers: []wx.FollowUser{{UserID: "g01"}}})
	e.deliver(e.add("g01", "wm_b", "", ""))
	e.start()
	e.idle()
	e.up.SetExternalContact(wx.ExternalContact{ExternalUserID: "wm_b", Name: "Bob", Type: 1,
		FollowUsers: []wx.FollowUser{{UserID: "g01", Remark: "爱跑步", TagIDs: []string{vip, sport}}}})
	edit := e.event(tasks.ChangeEditExternalContact, "g01", "wm_b")
	edit.CreateTime++
	e.deliver(edit)
	e.idle()
	m := e.member("wm_b")
	if strings.Join(m.Tags, ",") != "爱运动,等级:VIP" || m.Nickname != "Bob" {
		t.Errorf("member = %+v, want the WeCom tags and name", m)
	}
	if n := e.count(&model.MemberTag{}, "source = ?", model.TagSourceWeCom); n != 2 {
		t.Errorf("wecom-source tags = %d, want 2", n)
	}
	if n := e.up.CallCount(pathMarkTag); n != 0 {
		t.Errorf("mark_tag calls = %d: tags from WeCom are not mirrored back", n)
	}
}

// TestCorpTagEvents: renaming or deleting a corp tag in WeCom renames or
// removes it on members who got it from WeCom.
func TestCorpTagEvents(t *testing.T) {
	e := newEnv(t)
	vip := e.up.AddCorpTag("等级", "VIP")
	e.up.SetExternalContact(wx.ExternalContact{ExternalUserID: "wm_c", Type: 1,
		FollowUsers: []wx.FollowUser{{UserID: "g01", TagIDs: []string{vip}}}})
	e.deliver(e.add("g01", "wm_c", "", ""))
	e.start()
	e.idle()
	tagEvent := func(change string, sec int64) tasks.WeComEvent {
		return tasks.WeComEvent{CorpID: e.corp, Event: tasks.EventChangeExternalTag, ChangeType: change, TagID: vip,
			TagType: "tag", CreateTime: time.Now().Unix() + sec}
	}
	e.up.RenameCorpTag(vip, "SVIP")
	e.deliver(tagEvent("update", 1))
	e.idle()
	if m := e.member("wm_c"); strings.Join(m.Tags, ",") != "等级:SVIP" {
		t.Errorf("tags after rename = %v, want 等级:SVIP", m.Tags)
	}
	e.up.DeleteCorpTag(vip)
	e.deliver(tagEvent("delete", 2))
	e.idle()
	if m := e.member("wm_c"); len(m.Tags) != 0 {
		t.Errorf("tags after delete = %v, want none", m.Tags)
	}
}

// TestManualTagsMirror: manual tags are mirrored, and a removed one comes
// off in WeCom.
func TestManualTagsMirror(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.up.SetExternalContact(wx.ExternalContact{ExternalUserID: "wm_d", Type: 1, FollowUsers: []wx.FollowUser{{UserID: "g01"}}})
	e.deliver(e.add("g01", "wm_d", "", ""))
	e.start()
	e.idle()
	id := e.member("wm_d").ID
	_, err := e.tags.EditTags(ctx, id, []string{"VIP", "活动:双11"}, nil, model.TagSourceManual)
	e.must(err)
	e.enqueue(tasks.NewMirrorTagsTask(id, nil, "t1"))
	e.idle()
	got := e.tagNames("g01", "wm_d")
	slices.Sort(got)
	if strings.Join(got, ",") != "VIP,活动:双11" {
		t.Errorf("WeCom tags = %v", got)
	}
	_, err = e.tags.EditTags(ctx, id, nil, []string{"VIP"}, model.TagSourceManual)
	e.must(err)
	e.enqueue(tasks.NewMirrorTagsTask(id, []string{"VIP"}, "t2"))
	e.idle()
	if got := e.tagNames("g01", "wm_d"); strings.Join(got, ",") != "活动:双11" {
		t.Errorf("WeCom tags after removal = %v", got)
	}
	before := e.up.CallCount(pathMarkTag)
	e.enqueue(tasks.NewMirrorTagsTask(id, []string{"VIP"}, "t3")) // nothing left to change
	e.idle()
	if n := e.up.CallCount(pathMarkTag); n != before {
		t.Errorf("mark_tag calls went from %d to %d for a mirror with nothing to do", before, n)
	}
}

// TestNotConfigured: without WeCom credentials the add is recorded and the
// outbound steps fail once, visibly (archived), never pretending success.
func TestNotConfigured(t *testing.T) {
	e := newEnv(t, func(c *wx.Config) { c.WeComCorpID, c.WeComAgentSecret, c.WeComContactSecret = "", "", "" })
	e.deliver(e.add("g01", "wm_e", "", "WELCOME-E"))
	e.start()
	c := e.idle()
	if c.Archived != 2 || c.Retry != 0 {
		t.Errorf("queues = %+v, want the event and the welcome archived without retries", c)
	}
	e.member("wm_e")
	if n := e.up.CallCount(pathWelcome) + e.up.CallCount(pathGet); n != 0 {
		t.Errorf("upstream calls = %d, want none", n)
	}
}
