package tasks_test

import (
	"testing"
	"time"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/wx"
)

// pathAppSend is WeCom's app message API, which notifies store managers.
const pathAppSend = "/cgi-bin/message/send"

// TestDeleteNamingAnUnknownGuideIsRecorded: a deletion by a guide Siyu has
// no record of ends nothing it does not know about, yet is recorded (the
// ended relation and the member's churn event) and handled once, without
// a retry and without notifying anyone.
func TestDeleteNamingAnUnknownGuideIsRecorded(t *testing.T) {
	e := newEnv(t)
	e.up.SetExternalContact(wx.ExternalContact{ExternalUserID: "wm_dora", Name: "Dora", Type: 1,
		FollowUsers: []wx.FollowUser{{UserID: "g01", CreateTime: time.Now().Unix()}}})
	e.deliver(e.add("g01", "wm_dora", "", ""))
	e.start()
	e.drained()
	del := e.event(tasks.ChangeDelExternalContact, "g_ghost", "wm_dora")
	e.deliver(del)
	e.deliver(del) // a retry
	c := e.drained()
	if c.Archived != 0 {
		t.Errorf("archived tasks = %d, want the deletion handled", c.Archived)
	}
	m := e.member("wm_dora")
	if n := e.count(&model.GuideRelation{}, "member_id = ? AND guide_user_id = ? AND ended_by = ?", m.ID, "g_ghost", model.EndedByGuide); n != 1 {
		t.Errorf("ended relations with the unknown guide = %d, want 1 recorded", n)
	}
	if n := e.count(&model.MemberEvent{}, "member_id = ? AND kind = ?", m.ID, model.EventWeComChurn); n != 1 {
		t.Errorf("churn events = %d, want 1", n)
	}
	if m.GuideUserID != "g01" {
		t.Errorf("bound guide = %q, want g01 kept (the unknown guide was never bound)", m.GuideUserID)
	}
	if n := e.up.CallCount(pathAppSend); n != 0 {
		t.Errorf("app messages = %d, want none (no store manager is known)", n)
	}
}

// TestGuideDeletedFromAddressBookIsRecorded: a guide deleted from the WeCom
// address book (change_contact delete_user) is recorded on each member
// bound to them, once even when the event comes twice; bindings stay until
// a handover decides otherwise. A deletion of a userid Siyu never saw
// records nothing and fails nothing.
func TestGuideDeletedFromAddressBookIsRecorded(t *testing.T) {
	e := newEnv(t)
	for _, ext := range []string{"wm_eve", "wm_finn"} {
		e.up.SetExternalContact(wx.ExternalContact{ExternalUserID: ext, Type: 1,
			FollowUsers: []wx.FollowUser{{UserID: "g01", CreateTime: time.Now().Unix()}}})
		e.deliver(e.add("g01", ext, "", ""))
	}
	e.start()
	e.drained()
	gone := tasks.WeComEvent{CorpID: e.corp, Event: tasks.EventChangeContact, ChangeType: tasks.ChangeDeleteUser,
		UserID: "g01", CreateTime: time.Now().Unix()}
	e.deliver(gone)
	e.deliver(gone)
	stranger := gone
	stranger.UserID = "g_never_seen"
	e.deliver(stranger)
	if c := e.drained(); c.Archived != 0 {
		t.Errorf("archived tasks = %d, want every deletion handled", c.Archived)
	}
	for _, ext := range []string{"wm_eve", "wm_finn"} {
		m := e.member(ext)
		if n := e.count(&model.MemberEvent{}, "member_id = ? AND kind = ?", m.ID, model.EventGuideDeleted); n != 1 {
			t.Errorf("%s: guide-deleted events = %d, want 1", ext, n)
		}
		if m.GuideUserID != "g01" {
			t.Errorf("%s: bound guide = %q, want g01 until a handover", ext, m.GuideUserID)
		}
	}
	if n := e.count(&model.MemberEvent{}, "kind = ?", model.EventGuideDeleted); n != 2 {
		t.Errorf("guide-deleted events = %d, want 2 (none for the stranger)", n)
	}
}
