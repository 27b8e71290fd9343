package tasks_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx"
)

// staff records store sh001 with guide g01 and its manager m01.
func (e *env) staff() {
	e.t.Helper()
	ctx := context.Background()
	_, err := e.guides.ImportStores(ctx, []model.Store{{Code: "sh001", Name: "上海一店"}})
	e.must(err)
	_, err = e.guides.ImportGuides(ctx, []model.Guide{{UserID: "g01", Name: "张三", StoreCode: "sh001"},
		{UserID: "m01", Name: "李店长", StoreCode: "sh001", Role: model.RoleStoreManager}})
	e.must(err)
}

// TestDeleteEvents: each kind of deletion ends the relation with who ended
// it, records churn once and notifies the store manager once — even when
// the event task runs again; a transfer is neither churn nor notified.
func TestDeleteEvents(t *testing.T) {
	cases := []struct {
		change, source, by string
		churn              int64
		notices            int
		text               string
	}{
		{tasks.ChangeDelFollowUser, "", model.EndedByCustomer, 1, 1, "客户 Alice 删除了导购 张三"},
		{tasks.ChangeDelExternalContact, "", model.EndedByGuide, 1, 1, "导购 张三 删除了客户 Alice"},
		{tasks.ChangeDelExternalContact, tasks.SourceDeleteByTransfer, model.EndedByTransfer, 0, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.by, func(t *testing.T) {
			e := newEnv(t)
			e.staff()
			e.up.SetExternalContact(wx.ExternalContact{ExternalUserID: "wm_a", Name: "Alice", Type: 1, FollowUsers: []wx.FollowUser{{UserID: "g01"}}})
			e.deliver(e.add("g01", "wm_a", "", ""))
			e.start()
			e.idle()
			del := e.event(tc.change, "g01", "wm_a")
			del.CreateTime += 5
			del.Source = tc.source
			e.deliver(del)
			e.idle()
			// Run the event task once more, as at-least-once delivery may.
			rerun(e, del)
			e.idle()

			m := e.member("wm_a")
			rels, _ := e.members.Relations(context.Background(), m.ID)
			if len(rels) != 1 || rels[0].Active() || rels[0].EndedBy != tc.by || rels[0].EndedAt.Unix() != del.CreateTime {
				t.Fatalf("relations = %+v, want one ended by %s at the event time", rels, tc.by)
			}
			if n := e.count(&model.MemberEvent{}, "kind = ?", model.EventWeComChurn); n != tc.churn {
				t.Errorf("churn events = %d, want %d", n, tc.churn)
			}
			calls := e.up.Calls(pathAppMsg)
			if len(calls) != tc.notices {
				t.Fatalf("app messages = %d, want %d", len(calls), tc.notices)
			}
			if tc.notices > 0 {
				var msg struct {
					ToUser string `json:"touser"`
					Text   struct{ Content string }
				}
				if err := json.Unmarshal(calls[0].Body, &msg); err != nil {
					t.Fatalf("notice body %s: %v", calls[0].Body, err)
				}
				if msg.ToUser != "m01" || !strings.Contains(msg.Text.Content, tc.text) || !strings.Contains(msg.Text.Content, "sh001") {
					t.Errorf("notice = %+v, want to m01 saying %q", msg, tc.text)
				}
			}
		})
	}
}

// rerun deletes the event's retained task and enqueues it again, so the
// handler runs a second time.
func rerun(e *env, ev tasks.WeComEvent) {
	e.t.Helper()
	insp := asynq.NewInspectorFromRedisClient(e.rdb.Client)
	queue := taskstest.Queues(e.prefix).Name(tasks.QueueDefault)
	done, err := insp.ListCompletedTasks(queue)
	e.must(err)
	deleted := 0
	for _, ti := range done {
		if ti.Type == tasks.TypeWeComEvent && strings.Contains(string(ti.Payload), ev.ChangeType) {
			e.must(insp.DeleteTask(queue, ti.ID))
			deleted++
		}
	}
	if deleted != 1 {
		e.t.Fatalf("completed %s tasks = %d, want 1 to run again", ev.ChangeType, deleted)
	}
	e.deliver(ev)
}

// TestNotifyRateLimit: over the per-recipient limit, messages are put off
// to the next minute, not dropped.
func TestNotifyRateLimit(t *testing.T) {
	e := newEnv(t)
	e.deps.AppMessagesPerMinute = 2
	for _, key := range []string{"k1", "k2", "k3"} {
		e.enqueue(tasks.NewNotifyGuideTask(tasks.NotifyPayload{To: "m01", Text: "hello " + key, Key: key}))
	}
	e.start()
	c := e.idle()
	if n := e.up.CallCount(pathAppMsg); n != 2 {
		t.Errorf("app messages sent = %d, want 2 within the minute", n)
	}
	if c.Scheduled != 1 {
		t.Fatalf("scheduled = %d, want the third message put off", c.Scheduled)
	}
	insp := asynq.NewInspectorFromRedisClient(e.rdb.Client)
	later, err := insp.ListScheduledTasks(taskstest.Queues(e.prefix).Name(tasks.QueueDefault))
	e.must(err)
	if len(later) != 1 || time.Until(later[0].NextProcessAt) > 62*time.Second || !strings.Contains(string(later[0].Payload), `"deferrals":1`) {
		t.Errorf("scheduled = %+v, want one deferral due within the next minute", later)
	}
}
