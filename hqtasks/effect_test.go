package hqtasks_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siyu/siyu/effect"
	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
)

// clock is a settable clock for the services.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time   { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time)  { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }
func ids(db []int64) map[int64]bool {
	m := map[int64]bool{}
	for _, v := range db {
		m[v] = true
	}
	return m
}

// holdoutTask dispatches a message task with a 20 % holdout to 1,000
// customers (2 stores × 5 guides × 100), every store's first run killed
// after its first batch so the re-run has to agree with it.
func holdoutTask(t *testing.T, clk *clock) (*hqEnv, hqtasks.Task, []int64, []int64) {
	t.Helper()
	var mu sync.Mutex
	killed := map[string]bool{}
	o := hqtasks.Options{Now: clk.Now, AfterBatch: func(_ int64, store string, batch int) error {
		mu.Lock()
		defer mu.Unlock()
		if batch == 1 && !killed[store] {
			killed[store] = true
			return errKilled
		}
		return nil
	}}
	h := newHQEnv(t, tasks.Fleet{Stores: 2, GuidesPerStore: 5, CustomersPerGuide: 100}, o)
	h.start()
	task := h.create(hqtasks.TaskInput{Dispatch: true, HoldoutPercent: 20, Deadline: clk.Now().Add(72 * time.Hour)})
	h.idle()
	var treated, control []int64
	h.must(h.db.Model(&model.TaskItem{}).Where("task_id = ?", task.ID).Order("member_id").Pluck("member_id", &treated).Error)
	h.must(h.db.Model(&model.TaskHoldout{}).Where("task_id = ?", task.ID).Order("member_id").Pluck("member_id", &control).Error)
	return h, task, treated, control
}

// TestHoldoutAssignment: every targeted customer is in exactly one group,
// the one the hash says, after a dispatch killed half-way and re-run and
// after dispatching again; held-out customers got nothing.
func TestHoldoutAssignment(t *testing.T) {
	clk := &clock{t: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)}
	h, task, treated, control := holdoutTask(t, clk)
	check := func(when string) {
		t.Helper()
		var tr, co []int64
		h.must(h.db.Model(&model.TaskItem{}).Where("task_id = ?", task.ID).Pluck("member_id", &tr).Error)
		h.must(h.db.Model(&model.TaskHoldout{}).Where("task_id = ?", task.ID).Pluck("member_id", &co).Error)
		if len(tr)+len(co) != 1000 {
			t.Fatalf("%s: %d treated + %d control, want 1000 targeted", when, len(tr), len(co))
		}
		inT := ids(tr)
		for _, m := range co {
			if inT[m] || !effect.HeldOut(task.ID, m, 20) {
				t.Errorf("%s: member %d held out but treated=%v hash=%v", when, m, inT[m], effect.HeldOut(task.ID, m, 20))
			}
		}
		for _, m := range tr {
			if effect.HeldOut(task.ID, m, 20) {
				t.Errorf("%s: member %d has an item but the hash holds them out", when, m)
			}
		}
	}
	check("after the killed and re-run dispatch")
	// Binomial(1000, 0.2): sd 12.6; ±5 sd.
	if n := len(control); n < 137 || n > 263 {
		t.Errorf("control = %d of 1000, want about 200", n)
	}
	h.must(h.db.Model(&model.TaskStore{}).Where("task_id = ?", task.ID).Update("done_at", nil).Error)
	_, err := h.hq.Dispatch(context.Background(), task.ID)
	h.must(err)
	h.idle()
	check("after dispatching again")
	var gotItems int64
	h.must(h.db.Model(&model.TaskItem{}).Where("task_id = ? AND member_id IN ?", task.ID, control).Count(&gotItems).Error)
	if gotItems != 0 || len(treated) != 1000-len(control) {
		t.Errorf("held-out customers with items: %d", gotItems)
	}
}

// TestTaskEffectByHand scripts the outcome: a quarter of the treated
// customers (every 4th by id) and a tenth of the control (every 10th)
// order 100 yuan on day 3; orders outside the window do not count. The
// report's figures and intervals are checked against the formulas worked
// here.
func TestTaskEffectByHand(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
	clk := &clock{t: t0}
	h, task, treated, control := holdoutTask(t, clk)
	sort.Slice(treated, func(i, j int) bool { return treated[i] < treated[j] })
	n := 0
	order := func(m int64, at time.Time, fen int64) {
		n++
		h.must(h.db.Create(&model.Order{OrderNo: fmt.Sprintf("e%d", n), MemberID: m, StoreCode: "s0001", AmountFen: fen,
			PaidAt: at, Status: model.OrderPaid}).Error)
	}
	xt, xc := 0, 0
	for i, m := range treated {
		if i%4 == 0 {
			order(m, t0.Add(72*time.Hour), 10000)
			xt++
		}
	}
	for i, m := range control {
		if i%10 == 0 {
			order(m, t0.Add(72*time.Hour), 10000)
			xc++
		}
	}
	order(treated[1], t0.AddDate(0, 0, 14), 99999) // the window's end: outside
	order(control[1], t0.Add(-time.Hour), 99999)   // before dispatch: outside
	clk.Set(t0.AddDate(0, 0, 20))

	eff, err := h.hq.TaskEffect(context.Background(), task.ID, 14, "")
	h.must(err)
	nt, nc := float64(len(treated)), float64(len(control))
	if eff.Treated.Members != int64(nt) || eff.Control.Members != int64(nc) || eff.Treated.Ordered != int64(xt) ||
		eff.Control.Ordered != int64(xc) || eff.Treated.RevenueFen != int64(xt)*10000 || !eff.Complete || !eff.Causal {
		t.Fatalf("effect = %+v, want %v/%v treated ordering, %v/%v control", eff, xt, nt, xc, nc)
	}
	// Two-proportion z-interval, worked by hand.
	pt, pc := float64(xt)/nt, float64(xc)/nc
	se := math.Sqrt(pt*(1-pt)/nt + pc*(1-pc)/nc)
	o := eff.Uplift["order_rate"]
	if !near(o.Diff, pt-pc, 1e-12) || !near(o.Low, pt-pc-1.959964*se, 1e-6) || !near(o.High, pt-pc+1.959964*se, 1e-6) || !o.Significant {
		t.Errorf("order_rate uplift = %+v, want %.6f ± 1.959964·%.6f", o, pt-pc, se)
	}
	// Welch on revenue per member: values are 10000 or 0, so the sample
	// variance is n/(n−1)·10000²·p(1−p).
	vt, vc := nt/(nt-1)*1e8*pt*(1-pt), nc/(nc-1)*1e8*pc*(1-pc)
	qt, qc := vt/nt, vc/nc
	wse := math.Sqrt(qt + qc)
	df := (qt + qc) * (qt + qc) / (qt*qt/(nt-1) + qc*qc/(nc-1))
	r := eff.Uplift["revenue_per_member_fen"]
	half := r.High - r.Diff
	// For df ≥ 200 the t quantile lies between 1.959964 (∞) and 1.971896 (200).
	if !near(r.Diff, 10000*(pt-pc), 1e-6) || !near(r.SE, wse, 1e-6) || !near(r.DF, df, 1e-6) || df < 200 ||
		half < 1.959964*wse || half > 1.971896*wse || !near(r.Diff-r.Low, half, 1e-6) {
		t.Errorf("revenue uplift = %+v, want diff %.4f, se %.4f, df %.2f", r, 10000*(pt-pc), wse, df)
	}
	if len(eff.Stores) != 2 || eff.Stores[0].Treated.Members+eff.Stores[1].Treated.Members != int64(nt) {
		t.Errorf("stores = %+v, want two adding up to the total", eff.Stores)
	}
	if !strings.Contains(eff.Summary, "显著提升") {
		t.Errorf("summary = %q, want it to say the rise is significant", eff.Summary)
	}
	one, err := h.hq.TaskEffect(context.Background(), task.ID, 14, "s0002")
	h.must(err)
	if len(one.Stores) != 1 || one.Stores[0].StoreCode != "s0002" || one.Treated.Members != one.Stores[0].Treated.Members || one.Treated.Members >= eff.Treated.Members {
		t.Errorf("s0002's effect = %+v, want only that store", one.Stores)
	}
	var buf bytes.Buffer
	h.must(eff.WriteCSV(&buf))
	if !strings.Contains(buf.String(), "全部,对照组,"+fmt.Sprint(len(control))+","+fmt.Sprint(xc)+",") {
		t.Errorf("csv lacks the control row:\n%s", buf.String())
	}
	if _, err := h.hq.TaskEffect(context.Background(), task.ID, 0, ""); err == nil {
		t.Error("window_days 0: want an error")
	}
}

// TestTaskEffectOtherMeasures scripts each non-order measure inside and
// just outside the window (dispatch at 10:00 Shanghai; a check-in at 09:59
// the same business day is before it) and checks every count by hand.
func TestTaskEffectOtherMeasures(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	clk := &clock{t: t0}
	h, task, treated, control := holdoutTask(t, clk)
	var dispatched model.HQTask
	h.must(h.db.Take(&dispatched, task.ID).Error)
	at := dispatched.DispatchedAt.UTC()
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	h.must(err)
	in, before := at.Add(30*time.Hour), at.Add(-time.Minute)
	checkin := func(m int64, when time.Time) {
		h.must(h.db.Create(&model.CheckIn{MemberID: m, Day: when.In(shanghai).Format(time.DateOnly), Streak: 1, CreatedAt: when}).Error)
	}
	checkin(treated[0], in)
	checkin(treated[1], in)
	checkin(treated[1], in.Add(24*time.Hour)) // a second day: still one member
	checkin(treated[2], before)               // same business day, before dispatch
	checkin(control[0], in)
	redeem := func(m int64, when time.Time) {
		h.must(h.db.Create(&model.Redemption{RequestID: fmt.Sprintf("rq%d", m), MemberID: m, RewardName: "x", Kind: "gift",
			Status: "done", CreatedAt: when}).Error)
	}
	redeem(treated[3], in)
	redeem(control[1], in)
	redeem(treated[4], at.AddDate(0, 0, 14)) // the window's end: outside
	event := func(m int64, kind string, when time.Time) {
		h.must(h.db.Create(&model.MemberEvent{MemberID: m, Kind: kind, CreatedAt: when}).Error)
	}
	event(treated[5], model.EventUnfollow, in)
	event(treated[5], model.EventUnfollow, in.Add(time.Hour)) // twice: one member
	event(treated[6], model.EventClick, in)                   // not an unfollow
	event(control[2], model.EventUnfollow, before)
	end := func(m int64, by string, when time.Time) {
		h.must(h.db.Model(&model.GuideRelation{}).Where("member_id = ?", m).
			Updates(map[string]any{"ended_at": when, "ended_by": by, "active_key": nil}).Error)
	}
	end(treated[7], "customer", in)
	end(treated[8], "guide", in) // the guide deleted them: not counted
	end(control[3], "customer", in)
	clk.Set(t0.AddDate(0, 0, 20))

	eff, err := h.hq.TaskEffect(context.Background(), task.ID, 14, "")
	h.must(err)
	got := fmt.Sprintf("treated ci %d red %d unf %d del %d; control ci %d red %d unf %d del %d",
		eff.Treated.CheckedIn, eff.Treated.Redeemed, eff.Treated.Unfollowed, eff.Treated.DeletedGuide,
		eff.Control.CheckedIn, eff.Control.Redeemed, eff.Control.Unfollowed, eff.Control.DeletedGuide)
	if want := "treated ci 2 red 1 unf 1 del 1; control ci 1 red 1 unf 0 del 1"; got != want {
		t.Errorf("%s\nwant %s", got, want)
	}
	if eff.Treated.Members+eff.Control.Members != 1000 || eff.Treated.Ordered != 0 {
		t.Errorf("members %d + %d, ordered %d; want 1000 targeted, none ordering", eff.Treated.Members, eff.Control.Members, eff.Treated.Ordered)
	}
}
