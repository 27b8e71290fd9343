package hqtasks_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/tasks/taskstest"
)

// seedGroups writes n groups of `members` people owned round-robin by the
// fleet's guides (chat ids <prefix>_<i>), dismissed ones when dismissed.
func (h *hqEnv) seedGroups(prefix string, n, members int, dismissed bool) []model.Group {
	h.t.Helper()
	now := time.Now().UTC()
	var owners []string
	for i := range h.fleet.Stores {
		for j := range h.fleet.GuidesPerStore {
			owners = append(owners, h.fleet.GuideUserID(i, j))
		}
	}
	rows := make([]model.Group, n)
	for i := range rows {
		owner := owners[i%len(owners)]
		created := now.Add(-time.Duration(i) * time.Hour)
		rows[i] = model.Group{CorpID: "wwfleet", ChatID: fmt.Sprintf("%s_%03d", prefix, i), Name: fmt.Sprintf("会员群%d", i),
			Owner: owner, StoreCode: owner[:5], MemberCount: members, ChatCreated: &created, CreatedAt: now, UpdatedAt: now}
		if dismissed {
			rows[i].DismissedAt = &now
		}
	}
	h.must(h.db.Create(&rows).Error)
	return rows
}

// waitItemsDone waits until the task has want items done.
func (h *hqEnv) waitItemsDone(taskID, want int64) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for h.count(&model.TaskItem{}, "task_id = ? AND status = ?", taskID, model.ItemDone) < want {
		if time.Now().After(deadline) {
			h.t.Fatalf("items done = %d after 20s, want %d (queues %+v)", h.count(&model.TaskItem{}, "task_id = ? AND status = ?", taskID, model.ItemDone),
				want, taskstest.QueueCounts(h.t, h.rdb, h.prefix))
		}
		time.Sleep(30 * time.Millisecond)
	}
}

// TestGroupTaskDispatchedTwice: a group_message task to 50 groups (of 6
// owners in 2 stores; dismissed and too-small groups left out) dispatched
// twice gives 50 items, one per group for its owner, and one group send
// per owner that lists the owner's groups — 50 groups sent to, each once;
// the owners' confirmation, read by the polls, marks all 50 done; the
// preview counts the same groups per store.
func TestGroupTaskDispatchedTwice(t *testing.T) {
	h := newHQEnv(t, tasks.Fleet{Stores: 2, GuidesPerStore: 3}, hqtasks.Options{})
	ctx := context.Background()
	h.seedGroups("chat", 50, 30, false)
	h.seedGroups("gone", 4, 30, true)
	h.seedGroups("small", 4, 3, false)
	gf := hqtasks.GroupFilter{MinMembers: 10}

	reach, err := h.hq.Preview(ctx, hqtasks.PreviewInput{Kind: model.TaskKindGroupMessage, GroupFilter: gf})
	h.must(err)
	if len(reach) != 2 || reach[0].Groups != 26 || reach[1].Groups != 24 || reach[0].Guides != 3 {
		t.Errorf("preview = %+v, want 26 + 24 groups of 3 owners each (9,9,8 and 8,8,8 round-robin)", reach)
	}

	h.start()
	task := h.create(hqtasks.TaskInput{Title: "周一新品群发", Kind: model.TaskKindGroupMessage, Content: "新品到店，群内专享 9 折",
		Instructions: "在客户群发送新品消息", GroupFilter: gf, Dispatch: true})
	var sends []string
	for deadline := time.Now().Add(20 * time.Second); len(sends) < 6; time.Sleep(20 * time.Millisecond) {
		h.must(h.db.Model(&model.GuideTask{}).Where("task_id = ? AND msg_id <> ''", task.ID).Pluck("msg_id", &sends).Error)
		if time.Now().After(deadline) {
			t.Fatalf("group sends recorded = %d after 20s, want 6", len(sends))
		}
	}
	_, err = h.hq.Dispatch(ctx, task.ID)
	h.must(err)
	time.Sleep(300 * time.Millisecond) // several poll rounds: nothing is confirmed yet
	if n := h.count(&model.TaskItem{}, "task_id = ? AND status = ?", task.ID, model.ItemDone); n != 0 {
		t.Errorf("items done before any owner confirmed = %d, want 0", n)
	}

	h.checkItems(task.ID, 50)
	if n := h.count(&model.TaskItem{}, "task_id = ? AND chat_id LIKE 'chat_%'", task.ID); n != 50 {
		t.Errorf("items on the 50 live groups = %d", n)
	}
	msgs := h.up.GroupMsgs()
	var targets []string
	for _, m := range msgs {
		if !m.Group {
			t.Errorf("send %s is not to groups", m.MsgID)
		}
		targets = append(targets, m.Targets...)
		h.up.ConfirmGroupMsg(m.MsgID)
	}
	slices.Sort(targets)
	if len(msgs) != 6 || len(slices.Compact(targets)) != 50 || len(targets) != 50 {
		t.Errorf("group sends = %d to %d groups, want 6 sends (one per owner) to 50 groups, each once", len(msgs), len(targets))
	}
	h.waitItemsDone(task.ID, 50)
	rep, err := h.hq.TaskReport(ctx, task.ID)
	h.must(err)
	if rep.Total.Assigned != 50 || rep.Total.Done != 50 || len(rep.Stores) != 2 {
		t.Errorf("report total = %+v over %d stores, want 50 assigned, 50 done, 2 stores", rep.Total, len(rep.Stores))
	}
	if n := h.count(&model.GuideTask{}, "task_id = ? AND notified_at IS NOT NULL", task.ID); n != 6 {
		t.Errorf("owners notified = %d, want 6", n)
	}
	h.must(h.db.Model(&model.HQTask{}).Where("id = ?", task.ID).Update("state", model.TaskClosed).Error)
}

// TestGroupTaskTargets: scenes and tags select the groups of the codes of
// those scenes; a group task refuses a control group.
func TestGroupTaskTargets(t *testing.T) {
	h := newHQEnv(t, tasks.Fleet{Stores: 1, GuidesPerStore: 2}, hqtasks.Options{})
	ctx := context.Background()
	groups := h.seedGroups("chat", 6, 30, false)
	h.must(h.db.Create(&model.Scene{Scene: "grp_new", Tags: []string{"新人群"}}).Error)
	h.must(h.db.Create(&model.GroupCode{Scene: "grp_new", ChatIDs: []string{groups[0].ChatID, groups[3].ChatID}}).Error)
	for name, gf := range map[string]hqtasks.GroupFilter{"scene": {Scenes: []string{"grp_new"}}, "tag": {Tags: []string{"新人群"}}} {
		reach, err := h.hq.Preview(ctx, hqtasks.PreviewInput{Kind: model.TaskKindGroupMessage, GroupFilter: gf})
		h.must(err)
		if len(reach) != 1 || reach[0].Groups != 2 {
			t.Errorf("%s: preview = %+v, want the code's 2 groups", name, reach)
		}
	}
	reach, err := h.hq.Preview(ctx, hqtasks.PreviewInput{Kind: model.TaskKindGroupMessage, GroupFilter: hqtasks.GroupFilter{Scenes: []string{"none"}}})
	h.must(err)
	if len(reach) != 0 {
		t.Errorf("a scene without codes: preview = %+v, want none", reach)
	}
	_, err = h.hq.CreateTask(ctx, hqtasks.TaskInput{Title: "x", Kind: model.TaskKindGroupMessage, Content: "x", HoldoutPercent: 10,
		Deadline: time.Now().Add(time.Hour)})
	if model.ErrorCode(err) != model.EINVALID {
		t.Errorf("group task with a control group: err %v, want invalid", err)
	}
}
