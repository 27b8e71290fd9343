package tasks_test

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/hibiken/asynq"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/handover"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx"
	"github.com/siyu/siyu/wx/wxtest"
)

const (
	pathTransfer         = "/cgi-bin/externalcontact/transfer_customer"
	pathResignedTransfer = "/cgi-bin/externalcontact/resigned/transfer_customer"
)

// handoverEnv is env with the handover service on the worker and the
// outbox relay running, so every step goes through the queue.
type handoverEnv struct {
	*env
	svc *handover.Service
}

func newHandoverEnv(t *testing.T, pollEvery ...time.Duration) *handoverEnv {
	t.Helper()
	e := newEnv(t)
	every := 50 * time.Millisecond
	if len(pollEvery) > 0 {
		every = pollEvery[0]
	}
	svc := handover.New(store.New(e.db), e.wx, e.enq, handover.Options{PollEvery: every, Logger: testLogger()})
	e.deps.Handover = svc
	mux := tasks.NewMux(e.deps)
	svc.Register(mux)
	w := tasks.NewWorker(e.rdb.ConnOpt, mux, tasks.WorkerOptions{Queues: taskstest.Queues(e.prefix), Concurrency: 8,
		Logger: testLogger(), RetryUnit: 20 * time.Millisecond, PollInterval: 10 * time.Millisecond, DelayedInterval: 20 * time.Millisecond})
	e.must(w.Start())
	t.Cleanup(w.Shutdown)
	ctx, cancel := context.WithCancel(context.Background())
	relay := tasks.NewRelay(e.db, e.enq, outbox.RelayOptions{Logger: testLogger()})
	done := make(chan struct{})
	go func() { defer close(done); relay.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })

	ctxb := context.Background()
	for _, s := range []string{"s1", "s2"} {
		_, _, err := e.guides.SaveStore(ctxb, model.Store{Code: s, Name: "门店" + s})
		e.must(err)
	}
	for g, s := range map[string]string{"g01": "s1", "g02": "s1", "g03": "s1", "g04": "s2"} {
		_, _, err := e.guides.SaveGuide(ctxb, model.Guide{UserID: g, Name: "导购" + g, StoreCode: s})
		e.must(err)
	}
	return &handoverEnv{env: e, svc: svc}
}

// customers makes each external contact a customer of guide.
func (h *handoverEnv) customers(guide string, exts ...string) {
	for _, ext := range exts {
		h.up.SetExternalContact(wx.ExternalContact{ExternalUserID: ext, Type: 1,
			FollowUsers: []wx.FollowUser{{UserID: guide, CreateTime: time.Now().Unix()}}})
		h.deliver(h.add(guide, ext, "", ""))
	}
	h.idle()
}

// waitFor polls cond until it holds or 20 s pass.
func (h *handoverEnv) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (h *handoverEnv) handover(id int64) model.Handover {
	h.t.Helper()
	got, err := h.svc.Get(context.Background(), id)
	h.must(err)
	return got
}

func (h *handoverEnv) item(ho model.Handover, ext string) model.HandoverItem {
	for _, it := range ho.Items {
		if it.ExternalUserID == ext {
			return it
		}
	}
	h.t.Fatalf("handover %d has no item for %s", ho.ID, ext)
	return model.HandoverItem{}
}

// openItem gives the member an open HQ-task item (and a done one) with guide.
func (h *handoverEnv) openItem(ext, guide string) {
	m := h.member(ext)
	h.must(h.db.Where("task_id = ? AND guide_user_id = ?", 901, guide).FirstOrCreate(&model.GuideTask{TaskID: 901, GuideUserID: guide, StoreCode: "s1"}).Error)
	h.must(h.db.Create(&model.TaskItem{TaskID: 901, MemberID: m.ID, GuideUserID: guide, Status: model.ItemOpen, StoreCode: "s1", ExternalUserID: ext}).Error)
	h.must(h.db.Create(&model.TaskItem{TaskID: 902, MemberID: m.ID, GuideUserID: guide, Status: model.ItemDone, StoreCode: "s1", ExternalUserID: ext}).Error)
}

// TestHandoverAfterDepartureEventSpreadsOverStore: a guide deleted from
// the address book is marked departed; a by-store handover spreads their
// customers over the store's other guides by load, through the resigned
// API; a customer WeCom refuses at once and one who refuses later keep the
// old guide, relation and items; the others move with their open items,
// a timeline entry and the handover's counts.
func TestHandoverAfterDepartureEventSpreadsOverStore(t *testing.T) {
	h := newHandoverEnv(t)
	ctx := context.Background()
	h.customers("g02", "wm_x") // g02 already has one customer: g03 takes first
	h.customers("g01", "wm_a", "wm_b", "wm_c", "wm_d")
	h.openItem("wm_a", "g01")
	h.openItem("wm_c", "g01")
	pointsBefore := h.member("wm_a").Points

	h.deliver(tasks.WeComEvent{CorpID: h.corp, Event: tasks.EventChangeContact, ChangeType: tasks.ChangeDeleteUser, UserID: "g01", CreateTime: time.Now().Unix()})
	h.waitFor("the departure", func() bool {
		return h.count(&model.GuideDeparture{}, "guide_user_id = ? AND source = ?", "g01", model.DepartByEvent) == 1
	})

	pv, err := h.svc.Preview(ctx, handover.Plan{From: "g01", ByStore: true})
	h.must(err)
	if pv.Kind != model.HandoverResigned || pv.Customers != 4 || pv.OpenItems != 2 || pv.PerGuide["g02"] != 2 || pv.PerGuide["g03"] != 2 {
		t.Fatalf("preview = %+v, want resigned, 4 customers (2 each to g02, g03), 2 open items", pv)
	}
	h.up.RefuseTransfer("wm_c", wxtest.CodeNotCustomer)
	ho, err := h.svc.Create(ctx, handover.Plan{From: "g01", ByStore: true}, "")
	h.must(err)
	h.waitFor("the transfer request", func() bool {
		return h.count(&model.HandoverItem{}, "handover_id = ? AND status = ?", ho.ID, model.ItemWaiting) == 3
	})
	h.up.SetTransferStatus("wm_d", wx.TransferRefused)
	h.up.CompleteTransfers()
	h.waitFor("the handover to finish", func() bool { return h.handover(ho.ID).State == model.HandoverDone })

	got := h.handover(ho.ID)
	if got.Succeeded != 2 || got.Failed != 2 {
		t.Errorf("handover counts = %d succeeded, %d failed; want 2 and 2", got.Succeeded, got.Failed)
	}
	if n := h.up.CallCount(pathResignedTransfer); n == 0 || h.up.CallCount(pathTransfer) != 0 {
		t.Errorf("transfer calls: resigned %d, on-job %d; want the resigned API only", n, h.up.CallCount(pathTransfer))
	}
	for _, ext := range []string{"wm_a", "wm_b"} {
		it := h.item(got, ext)
		m := h.member(ext)
		if it.Status != model.ItemSucceeded || m.GuideUserID != it.ToUserID {
			t.Errorf("%s: item %s, bound guide %s; want succeeded and bound to %s", ext, it.Status, m.GuideUserID, it.ToUserID)
		}
		if n := h.count(&model.GuideRelation{}, "external_user_id = ? AND guide_user_id = ? AND active_key IS NOT NULL", ext, it.ToUserID); n != 1 {
			t.Errorf("%s: active relations with %s = %d, want 1", ext, it.ToUserID, n)
		}
		if n := h.count(&model.GuideRelation{}, "external_user_id = ? AND guide_user_id = ? AND ended_by = ?", ext, "g01", model.EndedByTransfer); n != 1 {
			t.Errorf("%s: relations with g01 ended by transfer = %d, want 1", ext, n)
		}
		if n := h.count(&model.MemberEvent{}, "member_id = ? AND kind = ?", m.ID, model.EventHandover); n != 1 {
			t.Errorf("%s: handover timeline entries = %d, want 1", ext, n)
		}
	}
	h.checkItemsAndRefusals(got, pointsBefore)
	left, err := h.svc.ListDeparted(ctx)
	h.must(err)
	if len(left) != 1 || left[0].CustomersLeft != 2 {
		t.Errorf("departed guides = %+v, want g01 with 2 customers left", left)
	}
}

// TestHandoverOnJobToOneGuide: HQ hands an employed guide's customers to
// a guide of another store with a message (在职继承): the message goes to
// WeCom, the store moves with the customer, a customer already handed over
// twice in 90 days fails before any call, and a transfer_fail event fails
// its customer. Departing by HQ then makes the next handover resigned.
func TestHandoverOnJobToOneGuide(t *testing.T) {
	h := newHandoverEnv(t)
	ctx := context.Background()
	h.customers("g01", "wm_e", "wm_f", "wm_g")
	// wm_e was handed over twice (while employed) within 90 days.
	now := time.Now().UTC()
	for range 2 {
		old := model.Handover{FromUserID: "g09", Kind: model.HandoverOnJob, State: model.HandoverDone}
		h.must(h.db.Create(&old).Error)
		h.must(h.db.Create(&model.HandoverItem{HandoverID: old.ID, ExternalUserID: "wm_e", FromUserID: "g09", ToUserID: "g01", Status: model.ItemSucceeded, DoneAt: &now}).Error)
	}

	_, err := h.svc.Create(ctx, handover.Plan{From: "g01", To: "g04", Message: strings.Repeat("长", 201)}, "")
	var me *model.Error
	if !errors.As(err, &me) || me.Code != model.EINVALID {
		t.Errorf("a 201-character message: err %v, want invalid", err)
	}
	pv, err := h.svc.Preview(ctx, handover.Plan{From: "g01", To: "g04"})
	h.must(err)
	if pv.Kind != model.HandoverOnJob || len(pv.OverLimit) != 1 || pv.OverLimit[0] != "wm_e" {
		t.Fatalf("preview = %+v, want on-job with wm_e over the 90-day limit", pv)
	}
	ho, err := h.svc.Create(ctx, handover.Plan{From: "g01", To: "g04", Message: "您好，我是新的专属导购"}, "")
	h.must(err)
	h.waitFor("the transfer request", func() bool {
		return h.count(&model.HandoverItem{}, "handover_id = ? AND status = ?", ho.ID, model.ItemWaiting) == 2
	})
	for _, c := range h.up.Calls(pathTransfer) {
		var body struct {
			Ext []string `json:"external_userid"`
			Msg string   `json:"transfer_success_msg"`
		}
		h.must(json.Unmarshal(c.Body, &body))
		if body.Msg != "您好，我是新的专属导购" || strings.Contains(strings.Join(body.Ext, ","), "wm_e") {
			t.Errorf("transfer call %+v: want the message and no wm_e", body)
		}
	}
	ho2, err := h.svc.Create(ctx, handover.Plan{From: "g01", To: "g02", ExternalUserIDs: []string{"wm_f"}}, "")
	h.must(err)
	if it := ho2.Items[0]; it.Status != model.ItemFailed || !strings.Contains(it.Reason, "正在交接单") {
		t.Errorf("wm_f in a second handover while in transfer: %s %q, want failed at once", it.Status, it.Reason)
	}
	h.deliver(h.event(tasks.ChangeTransferFail, "g04", "wm_g"))
	h.waitFor("the transfer_fail event", func() bool {
		return h.count(&model.HandoverItem{}, "handover_id = ? AND external_user_id = ? AND status = ?", ho.ID, "wm_g", model.ItemFailed) == 1
	})
	h.up.CompleteTransfers()
	h.waitFor("the handover to finish", func() bool { return h.handover(ho.ID).State == model.HandoverDone })
	got := h.handover(ho.ID)
	if got.Succeeded != 1 || got.Failed != 2 {
		t.Errorf("counts = %d succeeded, %d failed; want 1 and 2", got.Succeeded, got.Failed)
	}
	if m := h.member("wm_f"); m.GuideUserID != "g04" || m.StoreCode != "s2" {
		t.Errorf("wm_f: guide %s store %s, want g04 and s2", m.GuideUserID, m.StoreCode)
	}
	if m := h.member("wm_g"); m.GuideUserID != "g01" {
		t.Errorf("wm_g: guide %s, want g01 kept after transfer_fail", m.GuideUserID)
	}
	if it := h.item(got, "wm_e"); it.Status != model.ItemFailed || it.ErrCode != 40128 {
		t.Errorf("wm_e: %s %d, want failed 40128", it.Status, it.ErrCode)
	}

	if _, err := h.svc.Depart(ctx, "g_nobody", model.DepartByHQ); !errors.Is(err, model.ErrGuideNotFound) {
		t.Errorf("departing an unknown guide: %v, want not found", err)
	}
	d, err := h.svc.Depart(ctx, "g01", model.DepartByHQ)
	h.must(err)
	if d.Source != model.DepartByHQ || d.StoreCode != "s1" {
		t.Errorf("departure = %+v, want by HQ in s1", d)
	}
	pv, err = h.svc.Preview(ctx, handover.Plan{From: "g01", To: "g04"})
	h.must(err)
	if pv.Kind != model.HandoverResigned || pv.Customers != 2 {
		t.Errorf("preview after departure = %+v, want resigned with 2 customers left", pv)
	}
	if _, err := h.svc.Create(ctx, handover.Plan{From: "g04", To: "g01"}, ""); err == nil {
		t.Errorf("handing over to a departed guide: no error")
	}
}

// checkItemsAndRefusals: wm_a's open item moved (its done one stayed, with
// its points); wm_c and wm_d failed with their reasons and kept g01.
func (h *handoverEnv) checkItemsAndRefusals(got model.Handover, pointsBefore int64) {
	t := h.t
	t.Helper()
	a := h.item(got, "wm_a")
	if n := h.count(&model.TaskItem{}, "external_user_id = ? AND guide_user_id = ? AND status = ?", "wm_a", a.ToUserID, model.ItemOpen); n != 1 || a.OpenItemsMoved != 1 {
		t.Errorf("wm_a: open items with %s = %d (moved %d), want 1", a.ToUserID, n, a.OpenItemsMoved)
	}
	if n := h.count(&model.TaskItem{}, "external_user_id = ? AND guide_user_id = ? AND status = ?", "wm_a", "g01", model.ItemDone); n != 1 {
		t.Errorf("wm_a: done items left with g01 = %d, want 1 (history stays)", n)
	}
	if n := h.count(&model.GuideTask{}, "task_id = ? AND guide_user_id = ?", 901, a.ToUserID); n != 1 {
		t.Errorf("guide task of %s for the moved item = %d, want 1", a.ToUserID, n)
	}
	if p := h.member("wm_a").Points; p != pointsBefore {
		t.Errorf("wm_a points = %d, want %d kept", p, pointsBefore)
	}
	for ext, why := range map[string]string{"wm_c": "不是原导购的客户", "wm_d": "客户拒绝"} {
		it := h.item(got, ext)
		m := h.member(ext)
		if it.Status != model.ItemFailed || !strings.Contains(it.Reason, why) {
			t.Errorf("%s: item %s (%q), want failed saying %q", ext, it.Status, it.Reason, why)
		}
		if m.GuideUserID != "g01" || h.count(&model.GuideRelation{}, "external_user_id = ? AND guide_user_id = ? AND active_key IS NOT NULL", ext, "g01") != 1 {
			t.Errorf("%s: bound to %s; want g01 and its relation kept", ext, m.GuideUserID)
		}
	}
	if n := h.count(&model.TaskItem{}, "external_user_id = ? AND guide_user_id = ? AND status = ?", "wm_c", "g01", model.ItemOpen); n != 1 {
		t.Errorf("wm_c: open items with g01 = %d, want 1 kept", n)
	}
}

// TestSweeperRequeuesALostHandoverPoll: Redis loses a waiting handover's
// poll job; the sweeper finds the handover waiting without its job, queues
// the same round again, and the handover finishes.
func TestSweeperRequeuesALostHandoverPoll(t *testing.T) {
	h := newHandoverEnv(t, time.Hour) // the first poll would wait an hour
	ctx := context.Background()
	h.customers("g01", "wm_p")
	ho, err := h.svc.Create(ctx, handover.Plan{From: "g01", To: "g02"}, "")
	h.must(err)
	h.waitFor("the poll job", func() bool { return h.handover(ho.ID).State == model.HandoverWaiting })
	insp := asynq.NewInspectorFromRedisClient(h.rdb.Client)
	queue := taskstest.Queues(h.prefix).Name(tasks.QueueDefault)
	h.must(insp.DeleteTask(queue, handover.PollTaskID(ho.ID, 1))) // Redis lost it
	h.must(h.db.Model(&model.Handover{}).Where("id = ?", ho.ID).Update("updated_at", time.Now().UTC().Add(-10*time.Minute)).Error)
	h.up.CompleteTransfers()

	sw := tasks.NewSweeper(h.db, h.rdb.ConnOpt, h.enq, taskstest.Queues(h.prefix), tasks.SweeperOptions{Grace: time.Minute, Logger: testLogger()})
	t.Cleanup(func() { _ = sw.Close() })
	n, err := sw.Sweep(ctx)
	h.must(err)
	if n != 1 {
		t.Errorf("swept %d jobs, want the lost poll", n)
	}
	h.waitFor("the handover to finish", func() bool { return h.handover(ho.ID).State == model.HandoverDone })
	if m := h.member("wm_p"); m.GuideUserID != "g02" {
		t.Errorf("wm_p bound to %s, want g02", m.GuideUserID)
	}
	if n, err := sw.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("a second sweep queued %d (%v), want nothing", n, err)
	}
}
