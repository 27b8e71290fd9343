package hqtasks_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
)

// hqEnv is an env with a fleet of stores, guides and customers seeded.
type hqEnv struct {
	*env
	fleet tasks.Fleet
}

func newHQEnv(t *testing.T, fleet tasks.Fleet, o hqtasks.Options) *hqEnv {
	t.Helper()
	o.PublicURL = "https://siyu.example.com"
	if o.BatchSize == 0 {
		o.BatchSize = 100
	}
	if o.PollEvery == 0 {
		o.PollEvery = 50 * time.Millisecond
	}
	h := &hqEnv{env: newEnv(t, o), fleet: fleet}
	h.must(fleet.Seed(context.Background(), h.db))
	return h
}

func (h *hqEnv) create(in hqtasks.TaskInput) hqtasks.Task {
	h.t.Helper()
	if in.Title == "" {
		in.Title, in.Kind, in.Content, in.Instructions = "双十一唤醒", model.TaskKindMessage, "亲，双十一来店有礼～", "给每位客户发送话术"
	}
	if in.Deadline.IsZero() {
		in.Deadline = time.Now().Add(72 * time.Hour)
	}
	t, err := h.hq.CreateTask(context.Background(), in)
	h.must(err)
	return t
}

// checkItems asserts the task has want items, no member twice.
func (h *hqEnv) checkItems(taskID int64, want int64) {
	h.t.Helper()
	var n, distinct int64
	h.must(h.db.Model(&model.TaskItem{}).Where("task_id = ?", taskID).Count(&n).Error)
	h.must(h.db.Model(&model.TaskItem{}).Where("task_id = ?", taskID).Distinct("member_id").Count(&distinct).Error)
	if n != want || distinct != want {
		h.t.Errorf("items = %d (%d distinct members), want %d", n, distinct, want)
	}
}

// TestDispatchFanOut: 20 stores × 5 guides × 50 customers → 5,000 items
// and 100 notifications; dispatching again changes nothing.
func TestDispatchFanOut(t *testing.T) {
	h := newHQEnv(t, tasks.Fleet{Stores: 20, GuidesPerStore: 5, CustomersPerGuide: 50}, hqtasks.Options{})
	h.start()
	task := h.create(hqtasks.TaskInput{Dispatch: true})
	h.idle()
	got, err := h.hq.GetTask(context.Background(), task.ID)
	h.must(err)
	want := hqtasks.Progress{Stores: 20, StoresDone: 20, Guides: 100, GuidesNotified: 100, Items: 5000}
	if got.State != model.TaskActive || *got.Progress != want {
		t.Fatalf("after dispatch: state %s, progress %+v; want active, %+v", got.State, *got.Progress, want)
	}
	h.checkItems(task.ID, 5000)
	if n := h.up.CallCount(pathAppMsg); n != 100 {
		t.Errorf("app messages = %d, want 100", n)
	}
	for range 2 {
		_, err = h.hq.Dispatch(context.Background(), task.ID)
		h.must(err)
		h.idle()
	}
	h.checkItems(task.ID, 5000)
	if n := h.up.CallCount(pathAppMsg); n != 100 {
		t.Errorf("app messages after dispatching again = %d, want 100", n)
	}
	if n := h.count(&model.GuideTask{}, "task_id = ?", task.ID); n != 100 {
		t.Errorf("guide tasks = %d, want 100", n)
	}
}

// errKilled stands for a worker killed in the middle of a store.
var errKilled = errors.New("worker killed")

// TestDispatchKilledMidway: every store's dispatch dies after its first
// batch; the re-run (asynq's retry) completes with no duplicates, nothing
// missing and one notification per guide.
func TestDispatchKilledMidway(t *testing.T) {
	var mu sync.Mutex
	killed := map[string]bool{}
	o := hqtasks.Options{AfterBatch: func(_ int64, store string, batch int) error {
		mu.Lock()
		defer mu.Unlock()
		if batch == 1 && !killed[store] {
			killed[store] = true
			return errKilled
		}
		return nil
	}}
	h := newHQEnv(t, tasks.Fleet{Stores: 20, GuidesPerStore: 5, CustomersPerGuide: 50}, o)
	task := h.create(hqtasks.TaskInput{Dispatch: true})
	h.start()
	h.idle()
	if len(killed) != 20 {
		t.Errorf("stores killed = %d, want 20", len(killed))
	}
	h.checkItems(task.ID, 5000)
	if n := h.up.CallCount(pathAppMsg); n != 100 {
		t.Errorf("app messages = %d, want 100", n)
	}
	got, _ := h.hq.GetTask(context.Background(), task.ID)
	if got.State != model.TaskActive {
		t.Errorf("state = %s, want active", got.State)
	}
}

// TestDispatchOneGuidePerCustomer: a customer in relations with two
// targeted guides is the item of the earlier relation's guide only; a
// filter narrows the customers; a guide list narrows the guides.
func TestDispatchOneGuidePerCustomer(t *testing.T) {
	h := newHQEnv(t, tasks.Fleet{Stores: 2, GuidesPerStore: 2, CustomersPerGuide: 3}, hqtasks.Options{})
	ctx := context.Background()
	var first model.GuideRelation
	h.must(h.db.Where("guide_user_id = ?", h.fleet.GuideUserID(0, 0)).Order("id").First(&first).Error)
	key := "wwfleet|" + h.fleet.GuideUserID(1, 0) + "|x"
	h.must(h.db.Create(&model.GuideRelation{MemberID: first.MemberID, CorpID: "wwfleet", GuideUserID: h.fleet.GuideUserID(1, 0),
		ExternalUserID: first.ExternalUserID, ActiveKey: &key, EventKey: key}).Error)
	h.start()

	all := h.create(hqtasks.TaskInput{Dispatch: true})
	onlyStore2 := h.create(hqtasks.TaskInput{Dispatch: true, StoreCodes: []string{h.fleet.StoreCode(1)}})
	oneGuide := h.create(hqtasks.TaskInput{Dispatch: true, GuideUserIDs: []string{h.fleet.GuideUserID(1, 1)}})
	h.idle()
	h.checkItems(all.ID, 12)
	if n := h.count(&model.TaskItem{}, "task_id = ? AND member_id = ? AND guide_user_id = ?", all.ID, first.MemberID, h.fleet.GuideUserID(0, 0)); n != 1 {
		t.Errorf("shared customer went to the later guide")
	}
	h.checkItems(onlyStore2.ID, 7) // store 2's six, plus the shared customer through store 2's guide
	h.checkItems(oneGuide.ID, 3)
	reach, err := h.hq.Preview(ctx, hqtasks.PreviewInput{})
	h.must(err)
	if len(reach) != 2 || reach[0].Customers+reach[1].Customers != 12 || reach[0].Guides != 2 {
		t.Errorf("preview = %+v, want 2 stores, 12 customers", reach)
	}
}
