package handler_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx"
)

// groupFixture is a change_external_chat fixture about chatID.
func (e *testEnv) groupFixture(name, chatID string, now time.Time) []byte {
	return []byte(strings.ReplaceAll(string(e.fixture(name, now)), "CHAT_ID", chatID))
}

// TestWeComGroupFixtures: customer-group events as WeCom documents them
// are queued with the group, the change and who joined; one without its
// ChatId is refused and queues nothing.
func TestWeComGroupFixtures(t *testing.T) {
	chat := func(change, detail string) tasks.WeComEvent {
		return tasks.WeComEvent{Event: tasks.EventChangeExternalChat, ChangeType: change, UpdateDetail: detail, ChatID: "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA"}
	}
	add := chat("update", "add_member")
	add.JoinScene, add.MemChangeList = 3, "Jack,Rose"
	for file, want := range map[string]tasks.WeComEvent{
		"change_external_chat_create.xml":     chat("create", ""),
		"change_external_chat_add_member.xml": add,
		"change_external_chat_dismiss.xml":    chat("dismiss", ""),
	} {
		t.Run(file, func(t *testing.T) {
			e := newTestEnv(t)
			now := e.clock.Now()
			e.sendWeCom(e.groupFixture(file, want.ChatID, now))
			pending, err := asynq.NewInspectorFromRedisClient(e.rdb.Client).ListPendingTasks(taskstest.Queues(e.prefix).Name(tasks.QueueDefault))
			if err != nil || len(pending) != 1 {
				t.Fatalf("queued events = %d, %v; want 1", len(pending), err)
			}
			var got tasks.WeComEvent
			mustUnmarshal(t, pending[0].Payload, &got)
			want.CorpID, want.CreateTime = e.wc.CorpID, now.Unix()
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("queued event (-want +got):\n%s", diff)
			}
		})
	}
	e := newTestEnv(t)
	s, err := e.wc.Sign(e.groupFixture("change_external_chat_create.xml", "", e.clock.Now()), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if status, body := e.postRaw("/wecom/callback", s.Query, s.Body); status != http.StatusBadRequest {
		t.Errorf("event without ChatId = %d %s, want 400", status, body)
	}
}

// TestHQGroups: a group code is created over HQ, a customer joins through
// it, the callback's event fills the group in, and HQ reads the group, its
// members, the member's groups and the joins per day; a store manager of
// another store sees none of it.
func TestHQGroups(t *testing.T) {
	e := newTestEnv(t)
	now := e.clock.Now().Unix()
	if code := e.hq("POST", "/api/hq/scenes", map[string]any{"scene": "grp_e2e", "tags": []string{"渠道:社群"}, "store_code": "sh001"}, nil); code != 201 {
		t.Fatalf("scene = %d", code)
	}
	e.db.Create(&model.Guide{UserID: "g_sh", Name: "上海导购", StoreCode: "sh001"})
	e.up.SetGroupChat(wx.GroupChat{ChatID: "wrE2E", Name: "上海社群", Owner: "g_sh", CreateTime: now,
		Members: []wx.GroupChatMember{{UserID: "g_sh", Type: 1, JoinTime: now}}})
	var bad map[string]any
	if code := e.hq("POST", "/api/hq/group-codes", map[string]any{"scene": "grp_e2e", "chat_ids": []string{"1", "2", "3", "4", "5", "6"}}, &bad); code != 400 {
		t.Errorf("six groups = %d %v, want 400", code, bad)
	}
	var gc model.GroupCode
	if code := e.hq("POST", "/api/hq/group-codes", map[string]any{"scene": "grp_e2e", "chat_ids": []string{"wrE2E"}, "remark": "海报"}, &gc); code != 201 || gc.ConfigID == "" || gc.QRCode == "" {
		t.Fatalf("create code = %d %+v", code, gc)
	}
	var codes struct {
		GroupCodes []model.GroupCode `json:"group_codes"`
	}
	if e.hq("GET", "/api/hq/group-codes", nil, &codes); len(codes.GroupCodes) != 1 {
		t.Errorf("codes = %+v, want the one created (not the refused one)", codes)
	}
	e.up.JoinGroupChat("wrE2E", wx.GroupChatMember{UserID: "wm_e2e", Type: 2, JoinScene: 3, State: "grp_e2e", JoinTime: now, Name: "小社"})
	e.startWorker()
	e.sendWeCom(e.groupFixture("change_external_chat_add_member.xml", "wrE2E", e.clock.Now()))
	e.idle()

	var detail struct {
		model.Group
		Members []model.GroupMember `json:"members"`
	}
	if code := e.hq("GET", "/api/hq/groups/wrE2E", nil, &detail); code != 200 || detail.Name != "上海社群" || detail.StoreCode != "sh001" || len(detail.Members) != 2 {
		t.Fatalf("group = %d %+v", code, detail)
	}
	var list struct{ Groups []model.Group }
	if e.hq("GET", "/api/hq/groups?store_code=sh001&q=社群", nil, &list); len(list.Groups) != 1 {
		t.Errorf("list = %+v, want the group", list)
	}
	var found struct{ Members []model.MemberView }
	e.hq("GET", "/api/hq/members?external_userid=wm_e2e", nil, &found)
	if len(found.Members) != 1 || strings.Join(found.Members[0].Tags, ",") != "渠道:社群" {
		t.Fatalf("member = %+v, want one tagged by the code's scene", found)
	}
	var mg struct{ Groups []map[string]any }
	if e.hq("GET", fmt.Sprintf("/api/hq/members/%d/groups", found.Members[0].ID), nil, &mg); len(mg.Groups) != 1 || mg.Groups[0]["chat_id"] != "wrE2E" {
		t.Errorf("member's groups = %+v", mg)
	}
	var chart struct {
		Series    map[string][]float64
		Breakdown map[string][]struct {
			Key    string
			Values map[string]int64
		}
	}
	if code := e.hq("GET", "/api/hq/metrics/groups", nil, &chart); code != 200 || sum(chart.Series["joins"]) != 2 {
		t.Errorf("metrics = %d %+v, want 2 joins", code, chart)
	}
	bj := e.operator("g_bj_mgr", model.OpStoreManager, "bj001")
	if code := e.hqAs(bj, "GET", "/api/hq/groups/wrE2E", nil, nil); code != 404 {
		t.Errorf("another store's manager reads the group: %d, want 404", code)
	}
	var none struct{ Groups []model.Group }
	if e.hqAs(bj, "GET", "/api/hq/groups", nil, &none); len(none.Groups) != 0 {
		t.Errorf("another store's manager lists %d groups, want 0", len(none.Groups))
	}
	if code := e.hq("POST", "/api/hq/groups/sync", nil, nil); code != 202 {
		t.Errorf("sync = %d, want 202", code)
	}
}

func sum(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x
	}
	return s
}

// TestHQGroupWelcomes: a scene's group welcome is a WeCom group welcome
// template with the newcomer's name filled in by the platform; saving it
// again edits the same template; deleting removes it in WeCom too.
func TestHQGroupWelcomes(t *testing.T) {
	e := newTestEnv(t)
	if code := e.hq("PUT", "/api/hq/group-welcomes/grp_none", map[string]any{"text": "欢迎"}, nil); code != 400 {
		t.Errorf("welcome for an unknown scene = %d, want 400", code)
	}
	if code := e.hq("POST", "/api/hq/scenes", map[string]any{"scene": "grp_w"}, nil); code != 201 {
		t.Fatalf("scene = %d", code)
	}
	if code := e.hq("PUT", "/api/hq/group-welcomes/grp_w", map[string]any{"text": "  "}, nil); code != 400 {
		t.Errorf("empty welcome = %d, want 400", code)
	}
	var w model.GroupWelcome
	if code := e.hq("PUT", "/api/hq/group-welcomes/grp_w", map[string]any{"text": "{{称呼}}，欢迎进群！"}, &w); code != 201 || w.TemplateID == "" {
		t.Fatalf("create = %d %+v", code, w)
	}
	if got, _ := e.up.GroupWelcome(w.TemplateID); got != "%NICKNAME%，欢迎进群！" {
		t.Errorf("template in WeCom = %q", got)
	}
	var again model.GroupWelcome
	if code := e.hq("PUT", "/api/hq/group-welcomes/grp_w", map[string]any{"text": "欢迎新朋友"}, &again); code != 200 || again.TemplateID != w.TemplateID {
		t.Errorf("replace = %d %+v, want 200 on the same template", code, again)
	}
	if got, _ := e.up.GroupWelcome(w.TemplateID); got != "欢迎新朋友" {
		t.Errorf("template after edit = %q", got)
	}
	if code := e.hq("DELETE", "/api/hq/group-welcomes/grp_w", nil, nil); code != 204 {
		t.Errorf("delete = %d", code)
	}
	if _, ok := e.up.GroupWelcome(w.TemplateID); ok {
		t.Error("template still in WeCom after delete")
	}
	if code := e.hq("GET", "/api/hq/group-welcomes/grp_w", nil, nil); code != 404 {
		t.Errorf("get after delete = %d, want 404", code)
	}
}
