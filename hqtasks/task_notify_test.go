package hqtasks_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx"
)

// TestTaskNotifyRetriedAndLimited: failed notifications are retried until
// sent; a guide over the per-minute limit gets the excess put off, not
// sent (the fake upstream counts).
func TestTaskNotifyRetriedAndLimited(t *testing.T) {
	t.Run("retried", func(t *testing.T) {
		h := newHQEnv(t, tasks.Fleet{Stores: 2, GuidesPerStore: 2, CustomersPerGuide: 2}, hqtasks.Options{})
		h.up.FailNext(pathAppMsg, 3, wx.CodeSystemBusy)
		h.start()
		task := h.create(hqtasks.TaskInput{Dispatch: true})
		h.idle()
		if n := h.up.CallCount(pathAppMsg); n != 4+3 {
			t.Errorf("app message calls = %d, want 4 sent + 3 failed", n)
		}
		if n := h.count(&model.GuideTask{}, "task_id = ? AND notified_at IS NOT NULL", task.ID); n != 4 {
			t.Errorf("guides notified = %d, want 4", n)
		}
	})
	t.Run("per-member limit", func(t *testing.T) {
		h := newHQEnv(t, tasks.Fleet{Stores: 1, GuidesPerStore: 1, CustomersPerGuide: 2}, hqtasks.Options{})
		h.deps.AppMessagesPerMinute = 2
		h.start()
		for range 3 {
			h.create(hqtasks.TaskInput{Dispatch: true})
		}
		c := h.idle()
		if n := h.up.CallCount(pathAppMsg); n != 2 {
			t.Errorf("app messages sent in the minute = %d, want the limit 2", n)
		}
		if c.Scheduled != 1 {
			t.Errorf("put-off notifications = %d, want 1", c.Scheduled)
		}
	})
}

// TestReportAndReminders: the report's figures match the items; the
// reminder round reaches only guides with open items; after cancelling,
// nothing more is sent; past the deadline open items are marked overdue.
func TestReportAndReminders(t *testing.T) {
	h := newHQEnv(t, tasks.Fleet{Stores: 2, GuidesPerStore: 2, CustomersPerGuide: 3}, hqtasks.Options{})
	ctx := context.Background()
	h.start()
	task := h.create(hqtasks.TaskInput{Dispatch: true, Deadline: time.Now().Add(2 * time.Hour)})
	h.idle()
	done, skipped := h.fleet.GuideUserID(0, 0), h.fleet.GuideUserID(0, 1)
	var items []model.TaskItem
	h.must(h.db.Where("task_id = ? AND guide_user_id IN ?", task.ID, []string{done, skipped}).Order("id").Find(&items).Error)
	for _, it := range items {
		status, note := model.ItemDone, ""
		if it.GuideUserID == skipped {
			status, note = model.ItemSkipped, "客户在外地"
		}
		_, err := h.hq.CompleteItem(ctx, it.GuideUserID, it.ID, status, note)
		h.must(err)
	}
	if _, err := h.hq.CompleteItem(ctx, h.fleet.GuideUserID(1, 0), items[0].ID, model.ItemDone, ""); model.ErrorCode(err) != model.EFORBIDDEN {
		t.Errorf("another guide's item: err %v, want forbidden", err)
	}
	rep, err := h.hq.TaskReport(ctx, task.ID)
	h.must(err)
	s1, s2 := rep.Stores[0], rep.Stores[1]
	if s1.Assigned != 6 || s1.Done != 3 || s1.Skipped != 3 || s1.Rate != 1 || s2.Open != 6 || s2.Rate != 0 || rep.Total.Assigned != 12 {
		t.Errorf("report stores = %+v / %+v", s1.ExecCounts, s2.ExecCounts)
	}
	if g := s1.Guides[1]; g.GuideUserID != skipped || len(g.Notes) != 3 || g.Notes[0].Note != "客户在外地" {
		t.Errorf("guide report = %+v", g)
	}
	var csv bytes.Buffer
	h.must(rep.WriteCSV(&csv))
	if !strings.HasPrefix(csv.String(), "\ufeff层级,门店") || !strings.Contains(csv.String(), "导购,s0001,"+skipped) {
		t.Errorf("csv = %q", csv.String())
	}

	before := h.up.CallCount(pathAppMsg)
	n, _, err := h.hq.RunReminders(ctx)
	h.must(err)
	h.idle()
	if n != 2 || h.up.CallCount(pathAppMsg)-before != 2 {
		t.Errorf("reminders queued %d, sent %d; want 2 (store 2's guides)", n, h.up.CallCount(pathAppMsg)-before)
	}
	for _, c := range h.up.Calls(pathAppMsg)[before:] {
		if !strings.Contains(string(c.Body), h.fleet.StoreCode(1)) {
			t.Errorf("reminder to a guide without open items: %s", c.Body)
		}
	}

	second := h.create(hqtasks.TaskInput{Dispatch: true, Deadline: time.Now().Add(time.Hour)})
	h.idle()
	_, err = h.hq.Cancel(ctx, second.ID)
	h.must(err)
	before = h.up.CallCount(pathAppMsg)
	_, _, err = h.hq.RunReminders(ctx) // the first task's were sent already; the second is cancelled
	h.must(err)
	h.idle()
	if h.up.CallCount(pathAppMsg) != before {
		t.Errorf("after cancel: %d messages; want none", h.up.CallCount(pathAppMsg)-before)
	}
	if _, err := h.hq.CompleteItem(ctx, h.fleet.GuideUserID(1, 0), 0, "later", ""); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("bad status: %v", err)
	}

	h.must(h.db.Model(&model.HQTask{}).Where("id = ?", task.ID).Update("deadline", time.Now().Add(-time.Minute)).Error)
	_, marked, err := h.hq.RunReminders(ctx)
	h.must(err)
	if marked != 1 || h.count(&model.TaskItem{}, "task_id = ? AND overdue = ?", task.ID, true) != 6 {
		t.Errorf("overdue: marked %d tasks", marked)
	}
}

// TestCancelStopsDispatch: a task cancelled while its dispatch is queued
// writes no items and sends nothing.
func TestCancelStopsDispatch(t *testing.T) {
	h := newHQEnv(t, tasks.Fleet{Stores: 2, GuidesPerStore: 2, CustomersPerGuide: 3}, hqtasks.Options{})
	task := h.create(hqtasks.TaskInput{Dispatch: true})
	_, err := h.hq.Cancel(context.Background(), task.ID)
	h.must(err)
	h.start()
	h.idle()
	if n := h.count(&model.TaskItem{}, "task_id = ?", task.ID); n != 0 || h.up.CallCount(pathAppMsg) != 0 {
		t.Errorf("after cancel: %d items, %d messages", n, h.up.CallCount(pathAppMsg))
	}
	if _, err := h.hq.Dispatch(context.Background(), task.ID); model.ErrorCode(err) != model.ECONFLICT {
		t.Errorf("dispatch a cancelled task: %v, want conflict", err)
	}
}

// TestCouponPushAndMassSend: a coupon push issues one coupon per member,
// once, even dispatched twice; a message task with mass_send creates the
// guide's group send and its result marks items done.
func TestCouponPushAndMassSend(t *testing.T) {
	h := newHQEnv(t, tasks.Fleet{Stores: 1, GuidesPerStore: 2, CustomersPerGuide: 3}, hqtasks.Options{})
	ctx := context.Background()
	tpl, err := h.loy.CreateCouponTemplate(ctx, model.CouponTemplate{Name: "满100减20", Kind: model.CouponCash, ValueFen: 2000, ThresholdFen: 10000, ValidDays: 30, Active: true})
	h.must(err)
	h.start()
	push := h.create(hqtasks.TaskInput{Title: "发券", Kind: model.TaskKindCoupon, CouponTemplateID: &tpl.ID, Dispatch: true})
	h.idle()
	_, err = h.hq.Dispatch(ctx, push.ID)
	h.must(err)
	h.idle()
	if n := h.count(&model.Coupon{}, "source = ?", model.SourceTask); n != 6 {
		t.Errorf("coupons = %d, want 6", n)
	}
	if n := h.count(&model.TaskItem{}, "task_id = ? AND coupon_id IS NOT NULL", push.ID); n != 6 {
		t.Errorf("items with a coupon = %d, want 6", n)
	}

	mass := h.create(hqtasks.TaskInput{Title: "群发", Kind: model.TaskKindMessage, Content: "新品到店", MassSend: true, Dispatch: true})
	// Not h.idle(): once a guide's group send exists, its result poll runs
	// every PollEvery until the customers got it, so the queues are never
	// idle for long, and on a loaded machine not for three looks in a row.
	// Wait for the group send itself.
	var gt model.GuideTask
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		err := h.db.Where("task_id = ? AND guide_user_id = ?", mass.ID, h.fleet.GuideUserID(0, 0)).Take(&gt).Error
		if err == nil && gt.MsgID != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no group send created after 20s: %v %+v (queues %+v)", err, gt, taskstest.QueueCounts(t, h.rdb, h.prefix))
		}
	}
	h.up.SetGroupMsgStatus(gt.MsgID, "wm_"+gt.GuideUserID+"_0", 1)
	h.up.SetGroupMsgStatus(gt.MsgID, "wm_"+gt.GuideUserID+"_1", 1)
	deadline := time.Now().Add(10 * time.Second)
	for h.count(&model.TaskItem{}, "task_id = ? AND status = ?", mass.ID, model.ItemDone) < 2 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := h.count(&model.TaskItem{}, "task_id = ? AND status = ?", mass.ID, model.ItemDone); n != 2 {
		t.Errorf("items done by the group send = %d, want 2", n)
	}
	h.must(h.db.Model(&model.HQTask{}).Where("id = ?", mass.ID).Update("state", model.TaskClosed).Error)
}

// TestCreateTaskRefusals: bad input is refused and nothing is saved.
func TestCreateTaskRefusals(t *testing.T) {
	h := newHQEnv(t, tasks.Fleet{Stores: 1, GuidesPerStore: 1, CustomersPerGuide: 1}, hqtasks.Options{})
	missing := int64(999)
	cases := []struct {
		name string
		in   hqtasks.TaskInput
	}{
		{"no title", hqtasks.TaskInput{Kind: model.TaskKindFollowUp, Deadline: time.Now().Add(time.Hour)}},
		{"bad kind", hqtasks.TaskInput{Title: "x", Kind: "sms", Deadline: time.Now().Add(time.Hour)}},
		{"past deadline", hqtasks.TaskInput{Title: "x", Kind: model.TaskKindFollowUp, Deadline: time.Now().Add(-time.Hour)}},
		{"unknown store", hqtasks.TaskInput{Title: "x", Kind: model.TaskKindFollowUp, Deadline: time.Now().Add(time.Hour), StoreCodes: []string{"nope"}}},
		{"unknown guide", hqtasks.TaskInput{Title: "x", Kind: model.TaskKindFollowUp, Deadline: time.Now().Add(time.Hour), GuideUserIDs: []string{"nobody"}}},
		{"unknown template", hqtasks.TaskInput{Title: "x", Kind: model.TaskKindCoupon, CouponTemplateID: &missing, Deadline: time.Now().Add(time.Hour)}},
		{"message without content", hqtasks.TaskInput{Title: "x", Kind: model.TaskKindMessage, Deadline: time.Now().Add(time.Hour)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := h.hq.CreateTask(context.Background(), tc.in); model.ErrorCode(err) != model.EINVALID {
				t.Errorf("CreateTask(%s) = %v, want invalid", tc.name, err)
			}
		})
	}
	if n := h.count(&model.HQTask{}); n != 0 {
		t.Errorf("tasks saved = %d, want 0", n)
	}
}
