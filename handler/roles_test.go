package handler_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/siyu/siyu/model"
)

// TestRolePolicy drives each role against each kind of HQ endpoint:
// allowed, 403, and store managers' filtered lists and hidden rows.
func TestRolePolicy(t *testing.T) {
	e := newTestEnv(t, func(d *handlerDeps) { d.QueueDashboard = dashboardStub(t) })
	keys := map[string]string{
		model.OpAdmin:        e.operator("r_admin", model.OpAdmin, ""),
		model.OpOperator:     e.operator("r_operator", model.OpOperator, ""),
		model.OpAnalyst:      e.operator("r_analyst", model.OpAnalyst, ""),
		model.OpStoreManager: e.operator("r_manager", model.OpStoreManager, "sh001"),
	}
	sh := e.addCustomer("wm_sh", "上海客户", "g_sh", "sh001", 50)
	bj := e.addCustomer("wm_bj", "北京客户", "g_bj", "bj001", 50)
	shTask, bjTask := e.storeTask("sh001"), e.storeTask("bj001")
	shFb := model.Feedback{GuideUserID: "g_sh", StoreCode: "sh001", Text: "上海反馈"}
	bjFb := model.Feedback{GuideUserID: "g_bj", StoreCode: "bj001", Text: "北京反馈"}
	e.db.Create(&shFb)
	e.db.Create(&bjFb)

	all := []string{model.OpAdmin, model.OpOperator, model.OpAnalyst, model.OpStoreManager}
	seq := 0
	for _, tc := range []struct {
		method, path string
		body         func() any
		want         map[string]int // role → status; absent roles: 403
	}{
		{"GET", "/api/hq/members", nil, statuses(all, 200)},
		{"GET", fmt.Sprintf("/api/hq/members/%d", sh), nil, statuses(all, 200)},
		{"GET", fmt.Sprintf("/api/hq/members/%d", bj), nil, with(statuses(all, 200), model.OpStoreManager, 404)},
		{"GET", fmt.Sprintf("/api/hq/members/%d/ledger", bj), nil, with(statuses(all, 200), model.OpStoreManager, 404)},
		{"POST", fmt.Sprintf("/api/hq/members/%d/points", sh), func() any {
			seq++
			return map[string]any{"delta": 1, "reason": "测试", "request_id": fmt.Sprintf("role-%d", seq)}
		}, statuses([]string{model.OpAdmin, model.OpOperator}, 201)},
		{"GET", "/api/hq/scenes", nil, statuses([]string{model.OpAdmin, model.OpOperator, model.OpAnalyst}, 200)},
		{"POST", "/api/hq/scenes", func() any { return map[string]any{"scene": "role_scene"} }, map[string]int{model.OpAdmin: 201, model.OpOperator: 200}},
		{"GET", "/api/hq/operators", nil, statuses([]string{model.OpAdmin}, 200)},
		{"POST", "/api/hq/operators", func() any { return map[string]any{"username": "x"} }, statuses([]string{model.OpAdmin}, 400)},
		{"GET", "/api/hq/audit", nil, statuses([]string{model.OpAdmin}, 200)},
		{"GET", "/api/hq/tasks", nil, statuses(all, 200)},
		{"GET", fmt.Sprintf("/api/hq/tasks/%d/report", bjTask), nil, with(statuses(all, 200), model.OpStoreManager, 404)},
		{"GET", fmt.Sprintf("/api/hq/tasks/%d/report", shTask), nil, statuses(all, 200)},
		{"GET", "/api/hq/feedback", nil, statuses(all, 200)},
		{"POST", fmt.Sprintf("/api/hq/feedback/%d/reply", bjFb.ID), func() any { return map[string]any{"reply": "收到"} },
			map[string]int{model.OpAdmin: 200, model.OpOperator: 200, model.OpStoreManager: 404}},
		{"POST", fmt.Sprintf("/api/hq/feedback/%d/reply", shFb.ID), func() any { return map[string]any{"reply": "收到"} },
			map[string]int{model.OpAdmin: 200, model.OpOperator: 200, model.OpStoreManager: 200}},
		{"GET", "/api/hq/metrics/members", nil, statuses(all, 200)},
		{"POST", "/api/hq/rewards", func() any { return map[string]any{"name": "x"} }, statuses([]string{model.OpAdmin, model.OpOperator}, 400)},
		{"GET", "/admin/queues/", nil, statuses([]string{model.OpAdmin, model.OpOperator, model.OpAnalyst}, 200)},
		{"POST", "/admin/queues/api/queues/default:pause", nil, statuses([]string{model.OpAdmin}, 200)},
	} {
		for _, role := range all {
			want, ok := tc.want[role]
			if !ok {
				want = 403
			}
			var body any
			if tc.body != nil {
				body = tc.body()
			}
			if st := e.hqAs(keys[role], tc.method, tc.path, body, nil); st != want {
				t.Errorf("%s %s as %s = %d, want %d", tc.method, tc.path, role, st, want)
			}
		}
	}

	checkManagerLists(t, e, keys, sh, shTask)
}

// checkManagerLists: store managers' lists are filtered, not refused.
func checkManagerLists(t *testing.T, e *testEnv, keys map[string]string, sh, shTask int64) {
	var ms struct{ Members []model.Member }
	e.hqAs(keys[model.OpStoreManager], "GET", "/api/hq/members?store_code=bj001", nil, &ms)
	if len(ms.Members) != 1 || ms.Members[0].ID != sh {
		t.Errorf("store manager's member list = %+v, want only member %d of sh001", ms.Members, sh)
	}
	e.hqAs(keys[model.OpAdmin], "GET", "/api/hq/members", nil, &ms)
	if len(ms.Members) != 2 {
		t.Errorf("admin's member list has %d members, want 2", len(ms.Members))
	}
	var ts struct{ Tasks []struct{ ID int64 } }
	e.hqAs(keys[model.OpStoreManager], "GET", "/api/hq/tasks", nil, &ts)
	if len(ts.Tasks) != 1 || ts.Tasks[0].ID != shTask {
		t.Errorf("store manager's tasks = %+v, want only task %d", ts.Tasks, shTask)
	}
	var fb struct{ Feedback []model.Feedback }
	e.hqAs(keys[model.OpStoreManager], "GET", "/api/hq/feedback", nil, &fb)
	if len(fb.Feedback) != 1 || fb.Feedback[0].StoreCode != "sh001" {
		t.Errorf("store manager's feedback = %+v, want only sh001's", fb.Feedback)
	}
	checkStoreCharts(t, e, keys)
}

// checkStoreCharts: a store manager's chart counts their store only; an
// admin gets the brand, or one store with store_code.
func checkStoreCharts(t *testing.T, e *testEnv, keys map[string]string) {
	var chart struct {
		Series map[string][]float64
	}
	sum := func(v []float64) (n float64) {
		for _, x := range v {
			n += x
		}
		return n
	}
	e.hqAs(keys[model.OpStoreManager], "GET", "/api/hq/metrics/members?store_code=bj001", nil, &chart)
	if got := sum(chart.Series["new"]); got != 1 {
		t.Errorf("store manager's new members = %v, want 1 (their store only)", got)
	}
	e.hqAs(keys[model.OpAdmin], "GET", "/api/hq/metrics/members", nil, &chart)
	if got := sum(chart.Series["new"]); got != 2 {
		t.Errorf("admin's new members = %v, want 2", got)
	}
	e.hqAs(keys[model.OpAdmin], "GET", "/api/hq/metrics/members?store_code=bj001", nil, &chart)
	if got := sum(chart.Series["new"]); got != 1 {
		t.Errorf("admin's new members of bj001 = %v, want 1", got)
	}
}

// storeTask inserts a dispatched HQ task that reached store.
func (e *testEnv) storeTask(store string) int64 {
	e.t.Helper()
	task := model.HQTask{Title: "任务 " + store, Kind: "message", Content: "x", StoresJSON: "[]", GuidesJSON: "[]", FilterJSON: "{}",
		Deadline: time.Now().Add(24 * time.Hour), State: "dispatched"}
	if err := e.db.Create(&task).Error; err != nil {
		e.t.Fatal(err)
	}
	e.db.Create(&model.TaskStore{TaskID: task.ID, StoreCode: store})
	return task.ID
}

func statuses(roles []string, code int) map[string]int {
	m := map[string]int{}
	for _, r := range roles {
		m[r] = code
	}
	return m
}

func with(m map[string]int, role string, code int) map[string]int { m[role] = code; return m }
