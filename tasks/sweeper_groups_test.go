package tasks_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx"
)

const pathGroupChatGet = "/cgi-bin/externalcontact/groupchat/get"

// waitFor polls cond until it holds, failing the test after timeout.
func (e *ownRedisEnv) waitFor(what string, timeout time.Duration, cond func() bool) {
	e.t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(30 * time.Millisecond) {
		if time.Now().After(deadline) {
			var runs []model.GroupSyncRun
			e.db.Find(&runs)
			e.t.Fatalf("%s: not after %s (groups %d, read %d, wanted %d; runs %+v)", what, timeout, e.count(&model.Group{}, "1 = 1"),
				e.count(&model.Group{}, "details_at IS NOT NULL"), e.count(&model.Group{}, "details_wanted_at IS NOT NULL"), runs)
		}
	}
}

func (e *ownRedisEnv) count(table any, where string, args ...any) int64 {
	e.t.Helper()
	var n int64
	if err := e.db.Model(table).Where(where, args...).Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

// upstreamGroups puts n groups in the fake upstream, each with its owner
// (a guide of the fleet) and one customer.
func (e *ownRedisEnv) upstreamGroups(fleet tasks.Fleet, n int) {
	created := time.Now().Add(-24 * time.Hour).Unix()
	for i := range n {
		owner := fleet.GuideUserID(i%2, (i/2)%2)
		e.up.SetGroupChat(wx.GroupChat{ChatID: fmt.Sprintf("wrchat%03d", i), Name: fmt.Sprintf("会员群%d", i), Owner: owner, CreateTime: created,
			Members: []wx.GroupChatMember{{UserID: owner, Type: 1, JoinTime: created, JoinScene: 1},
				{UserID: fmt.Sprintf("wmcust%03d", i), Type: 2, JoinTime: created + 60, JoinScene: 3, Name: "客户"}}})
	}
}

// TestGroupQueuesSurviveRedisFlush: Redis loses everything twice — in
// the middle of a group sync (120 groups over two groupchat/list pages,
// their groupchat/get reads failing and retrying) and while the group
// sends of a group_message task wait for their polls. The sweeper finds
// the sync run, the wanted reads and the polls again: every group is
// read and reconciled, every owner's group send is created once, and the
// owners' confirmations mark all 120 items done.
func TestGroupQueuesSurviveRedisFlush(t *testing.T) {
	rs := taskstest.StartRedisServer(t)
	fleet := tasks.Fleet{Stores: 2, GuidesPerStore: 2}
	e := startOwnRedisEnv(t, rs, fleet, nil)
	ctx := context.Background()
	const groupsN = 120
	e.upstreamGroups(fleet, groupsN)

	// The sync, flushed while its first page is being listed and its
	// first reads fail and wait for their retry.
	e.up.FailNext(pathGroupChatGet, 100000, wx.CodeQuotaExceeded)
	run := "flushrun"
	if err := e.groups.StartSync(ctx, e.corp, run, nil); err != nil {
		t.Fatal(err)
	}
	page, err := tasks.NewSyncGroupsTask(tasks.SyncGroupsPayload{CorpID: e.corp, Run: run})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.enq.Enqueue(ctx, page, tasks.QueueLow); err != nil {
		t.Fatal(err)
	}
	e.waitFor("the first page under way", 60*time.Second, func() bool {
		return e.count(&model.Group{}, "details_wanted_at IS NOT NULL") >= 5
	})
	rs.Flush()
	e.up.FailNext(pathGroupChatGet, 0, 0)
	e.waitFor("every group read", 180*time.Second, func() bool {
		return e.count(&model.Group{}, "details_at IS NOT NULL AND details_wanted_at IS NULL") == groupsN &&
			e.count(&model.GroupSyncRun{}, "finished_at IS NOT NULL") == 1
	})
	if n := e.count(&model.GroupMember{}, "quit_at IS NULL"); n != 2*groupsN {
		t.Errorf("people in groups = %d, want %d (owner and customer of each)", n, 2*groupsN)
	}
	if n := e.count(&model.Group{}, "store_code <> '' AND member_count = 2"); n != groupsN {
		t.Errorf("groups with their store and size = %d, want %d", n, groupsN)
	}
	syncSwept := e.swept.Load()
	if syncSwept == 0 {
		t.Fatal("the sweeper queued nothing again after the first flush")
	}

	// The group sends, flushed once every owner's send is recorded.
	task, err := e.hq.CreateTask(ctx, hqtasks.TaskInput{Title: "群发新品", Kind: model.TaskKindGroupMessage, Content: "新品到店",
		Deadline: time.Now().Add(72 * time.Hour), Dispatch: true})
	if err != nil {
		t.Fatal(err)
	}
	e.waitFor("four group sends", 60*time.Second, func() bool {
		return e.count(&model.GuideTask{}, "task_id = ? AND msg_id <> ''", task.ID) == 4
	})
	// Confirmed first: the polls wait PollEvery (10 min) in the queue, so
	// only the sweeper's new ones can see it.
	for _, m := range e.up.GroupMsgs() {
		e.up.ConfirmGroupMsg(m.MsgID)
	}
	rs.Flush()
	e.waitFor("all items done", 120*time.Second, func() bool {
		return e.count(&model.TaskItem{}, "task_id = ? AND status = ?", task.ID, model.ItemDone) == groupsN
	})
	if n := e.up.CallCount("/cgi-bin/externalcontact/add_msg_template"); n != 4 {
		t.Errorf("group sends created = %d, want 4 (one per owner, exactly once)", n)
	}
	targets := 0
	for _, m := range e.up.GroupMsgs() {
		targets += len(m.Targets)
	}
	if targets != groupsN {
		t.Errorf("groups in the sends = %d, want %d", targets, groupsN)
	}
	if e.swept.Load() == syncSwept {
		t.Error("the sweeper queued nothing again after the second flush; who polled?")
	}
	if err := e.db.Model(&model.HQTask{}).Where("id = ?", task.ID).Update("state", model.TaskClosed).Error; err != nil {
		t.Fatal(err)
	}
}
