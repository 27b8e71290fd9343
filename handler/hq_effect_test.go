package handler_test

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/model"
)

// TestTaskEffectOverHTTP: the effect of a task without a holdout is a
// before/after view said to be not causal; CSV too; a store manager sees
// their store's part, or 404 for a task that never reached their store;
// bad input answers 4xx.
func TestTaskEffectOverHTTP(t *testing.T) {
	e := newTestEnv(t)
	manager := e.operator("eff_manager", model.OpStoreManager, "sh001")
	sh := e.addCustomer("wm_e_sh", "上海客户", "g_sh", "sh001", 0)
	bj := e.addCustomer("wm_e_bj", "北京客户", "g_bj", "bj001", 0)
	e.db.Create(&model.Store{Code: "sh001", Name: "上海一店"})
	e.db.Create(&model.Store{Code: "bj001", Name: "北京一店"})
	e.db.Create(&model.Guide{UserID: "g_sh", Name: "小上", StoreCode: "sh001"})
	e.db.Create(&model.Guide{UserID: "g_bj", Name: "小北", StoreCode: "bj001"})
	at := time.Now().Add(-48 * time.Hour).UTC()
	task := model.HQTask{Title: "效果", Kind: "message", Content: "x", StoresJSON: "[]", GuidesJSON: "[]", FilterJSON: "{}",
		Deadline: time.Now().Add(24 * time.Hour), State: model.TaskActive, DispatchedAt: &at}
	e.db.Create(&task)
	for _, it := range []struct {
		m     int64
		store string
	}{{sh, "sh001"}, {bj, "bj001"}} {
		e.db.Create(&model.TaskStore{TaskID: task.ID, StoreCode: it.store})
		e.db.Create(&model.TaskItem{TaskID: task.ID, MemberID: it.m, GuideUserID: "g", StoreCode: it.store, Status: model.ItemOpen})
	}
	e.db.Create(&model.Order{OrderNo: "eff1", MemberID: sh, StoreCode: "sh001", AmountFen: 500, PaidAt: at.Add(time.Hour), Status: model.OrderPaid})
	ordersBeforeDispatch(e, sh, bj, at)

	var eff struct {
		WindowDays int  `json:"window_days"`
		Causal     bool `json:"causal"`
		TooSmall   bool `json:"too_small"`
		Summary    string
		Treated    struct {
			Members, Ordered int64
			RevenueFen       int64 `json:"revenue_fen"`
		} `json:"treated"`
		Control struct{ Members int64 } `json:"control"`
		Uplift  map[string]struct {
			TooSmall bool `json:"too_small"`
			Note     string
		}
		BeforeAfter *struct {
			Note          string
			Before, After effectGroupJSON
			Change        map[string]float64
		} `json:"before_after"`
	}
	path := fmt.Sprintf("/api/hq/tasks/%d/effect", task.ID)
	if st := e.hq("GET", path+"?window_days=7", nil, &eff); st != http.StatusOK || eff.WindowDays != 7 || eff.Treated.Members != 2 ||
		eff.Treated.Ordered != 1 || eff.Control.Members != 0 || eff.Causal || eff.BeforeAfter == nil || !eff.Uplift["order_rate"].TooSmall {
		t.Fatalf("effect = %d %+v", st, eff)
	}
	if b, a := eff.BeforeAfter.Before, eff.BeforeAfter.After; b.Members != 2 || b.Ordered != 2 || b.RevenueFen != 1000 ||
		a.Members != 2 || a.Ordered != 1 || a.RevenueFen != 500 || math.Abs(eff.BeforeAfter.Change["order_rate"]+0.5) > 1e-9 {
		t.Errorf("before/after = %+v, want 2 of 2 ordering 1000 fen before, 1 of 2 ordering 500 after", eff.BeforeAfter)
	}
	if !strings.Contains(eff.Summary, "不能说明是任务带来的效果") || eff.Uplift["order_rate"].Note != "没有对照组，无法判断" {
		t.Errorf("summary %q, note %q: want the before/after said to be not causal", eff.Summary, eff.Uplift["order_rate"].Note)
	}
	st, body := e.hqRaw("GET", path+"?format=csv", "", "")
	if st != http.StatusOK || !strings.HasPrefix(body, "\ufeff范围,组,人数") || !strings.Contains(body, "全部,实验组,2,1,1,500,") {
		t.Errorf("csv = %d\n%s", st, body)
	}
	if st := e.hqAs(manager, "GET", path, nil, &eff); st != http.StatusOK || eff.Treated.Members != 1 || eff.Treated.RevenueFen != 500 {
		t.Errorf("store manager's effect = %d %+v, want sh001's one customer", st, eff)
	}
	if st := e.hqAs(manager, "GET", fmt.Sprintf("/api/hq/tasks/%d/effect", e.storeTask("bj001")), nil, nil); st != http.StatusNotFound {
		t.Errorf("store manager on another store's task = %d, want 404", st)
	}
	for q, want := range map[string]int{"?window_days=abc": 400, "?window_days=0": 400, "?window_days=91": 400} {
		if st := e.hq("GET", path+q, nil, nil); st != want {
			t.Errorf("effect%s = %d, want %d", q, st, want)
		}
	}
	draft := model.HQTask{Title: "草稿", Kind: "followup", StoresJSON: "[]", GuidesJSON: "[]", FilterJSON: "{}",
		Deadline: time.Now().Add(24 * time.Hour), State: model.TaskDraft}
	e.db.Create(&draft)
	if st := e.hq("GET", fmt.Sprintf("/api/hq/tasks/%d/effect", draft.ID), nil, nil); st != http.StatusConflict {
		t.Errorf("effect of a draft = %d, want 409", st)
	}
	checkHoldoutPreview(t, e)
}

// checkHoldoutPreview: the preview splits its count into treated and
// control; a holdout outside 0–50 is refused on preview and create.
func checkHoldoutPreview(t *testing.T, e *testEnv) {
	t.Helper()
	var reach struct{ Customers, Treated, Control int64 }
	if st := e.hq("POST", "/api/hq/tasks/preview", map[string]any{"holdout_percent": 50}, &reach); st != 200 || reach.Customers != 2 || reach.Treated != 1 || reach.Control != 1 {
		t.Errorf("preview with a 50 %% holdout = %d %+v, want 1 treated and 1 control of 2", st, reach)
	}
	deadline := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	for _, p := range []int{-1, 51} {
		if st := e.hq("POST", "/api/hq/tasks/preview", map[string]any{"holdout_percent": p}, nil); st != http.StatusBadRequest {
			t.Errorf("preview holdout %d = %d, want 400", p, st)
		}
		body := map[string]any{"title": "x", "kind": "followup", "deadline": deadline, "holdout_percent": p}
		if st := e.hq("POST", "/api/hq/tasks", body, nil); st != http.StatusBadRequest {
			t.Errorf("create with holdout %d = %d, want 400", p, st)
		}
	}
}

// effectGroupJSON is the part of an effect group the tests read.
type effectGroupJSON struct {
	Members, Ordered int64
	RevenueFen       int64 `json:"revenue_fen"`
}

// ordersBeforeDispatch gives both customers an order within the 7 days
// before dispatch (300 + 700 fen) and one 8 days before (outside).
func ordersBeforeDispatch(e *testEnv, sh, bj int64, at time.Time) {
	e.db.Create(&model.Order{OrderNo: "eff0a", MemberID: sh, StoreCode: "sh001", AmountFen: 300, PaidAt: at.Add(-time.Hour), Status: model.OrderPaid})
	e.db.Create(&model.Order{OrderNo: "eff0b", MemberID: bj, StoreCode: "bj001", AmountFen: 700, PaidAt: at.AddDate(0, 0, -6), Status: model.OrderPaid})
	e.db.Create(&model.Order{OrderNo: "eff0c", MemberID: bj, StoreCode: "bj001", AmountFen: 900, PaidAt: at.AddDate(0, 0, -8), Status: model.OrderPaid})
}
