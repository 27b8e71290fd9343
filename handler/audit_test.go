package handler_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/siyu/siyu/model"
)

// TestAuditEachWriteKind makes one write of each kind and reads its audit
// entry: operator, role, action, target, change (with before/after for the
// updates that matter, never a secret), result, address and user agent.
func TestAuditEachWriteKind(t *testing.T) {
	e := newTestEnv(t)
	key := e.operator("auditor", model.OpOperator, "")
	member := e.addCustomer("wm_audit", "审计客户", "g1", "sh001", 100)
	reward := e.reward(map[string]any{"name": "杯子", "points_cost": 50, "kind": "physical", "stock": 5, "pickup_stores": []string{"sh001"}})
	task := e.storeTask("sh001")

	for _, tc := range []struct {
		name, method, path string
		body               any
		action, target     string
		wantChange         []string // substrings of the change JSON
	}{
		{"points adjustment", "POST", fmt.Sprintf("/api/hq/members/%d/points", member), map[string]any{"delta": -30, "reason": "补偿", "request_id": "audit-1"},
			"POST /api/hq/members/:id/points", fmt.Sprintf("members:%d", member), []string{`"before":{"growth":0,"level":"银卡","points":100}`, `"after":{"growth":0,"level":"银卡","points":70}`, `"reason":"补偿"`}},
		{"reward price", "PUT", fmt.Sprintf("/api/hq/rewards/%d", reward.ID), map[string]any{"name": "杯子", "points_cost": 80, "kind": "physical", "pickup_stores": []string{"sh001"}},
			"PUT /api/hq/rewards/:id", fmt.Sprintf("rewards:%d", reward.ID), []string{`"points_cost":50`, `"points_cost":80`}},
		{"reward stock", "POST", fmt.Sprintf("/api/hq/rewards/%d/stock", reward.ID), map[string]any{"delta": 3},
			"POST /api/hq/rewards/:id/stock", fmt.Sprintf("rewards:%d", reward.ID), []string{`"stock":5`, `"stock":8`}},
		{"earning rule", "PUT", "/api/hq/earning-rules/share", map[string]any{"points": 7},
			"PUT /api/hq/earning-rules/:channel", "earning-rules:share", []string{`"before":{`, `"after":{`, `"points":7`}},
		{"level", "PUT", "/api/hq/levels/钻石卡", map[string]any{"threshold": 99999, "multiplier": 2},
			"PUT /api/hq/levels/:name", "levels:钻石卡", []string{`"after":{`, `"threshold":99999`}},
		{"scene", "POST", "/api/hq/scenes", map[string]any{"scene": "audit_scene", "bonus_points": 3},
			"POST /api/hq/scenes", "scenes", []string{`"scene":"audit_scene"`}},
		{"coupon redemption", "POST", "/api/hq/coupons/redeem", map[string]any{"code": "NOPE1234", "store_code": "sh001", "request_id": "r1"},
			"POST /api/hq/coupons/redeem", "coupons", []string{`"code":"NOPE1234"`}},
		{"task dispatch", "POST", fmt.Sprintf("/api/hq/tasks/%d/dispatch", task), nil, "POST /api/hq/tasks/:id/dispatch", fmt.Sprintf("tasks:%d", task), nil},
		{"task cancel", "POST", fmt.Sprintf("/api/hq/tasks/%d/cancel", task), nil, "POST /api/hq/tasks/:id/cancel", fmt.Sprintf("tasks:%d", task), nil},
		{"task close", "POST", fmt.Sprintf("/api/hq/tasks/%d/close", task), nil, "POST /api/hq/tasks/:id/close", fmt.Sprintf("tasks:%d", task), nil},
		{"import", "POST", "/api/hq/stores/import", []map[string]any{{"code": "gz001", "name": "广州一店"}},
			"POST /api/hq/stores/import", "stores", []string{`"code":"gz001"`}},
	} {
		before := e.count(&model.AuditEntry{})
		st := e.hqAs(key, tc.method, tc.path, tc.body, nil)
		var row model.AuditEntry
		if err := e.db.Order("id DESC").Take(&row).Error; err != nil || e.count(&model.AuditEntry{}) != before+1 {
			var all []model.AuditEntry
			_ = e.db.Order("id").Find(&all).Error
			for _, a := range all {
				t.Logf("entry %d %s %s %d %s", a.ID, a.Action, a.Target, a.Result, a.Change)
			}
			t.Errorf("%s: no audit entry (%v): %d entries, want %d; last %+v", tc.name, err, e.count(&model.AuditEntry{}), before+1, row)
			continue
		}
		if row.Operator != "auditor" || row.Role != model.OpOperator || row.Action != tc.action || row.Target != tc.target ||
			row.Result != st || row.Address == "" || !strings.HasPrefix(row.UserAgent, "Go-http-client") {
			t.Errorf("%s: entry %+v, want auditor/operator %q %q result %d", tc.name, row, tc.action, tc.target, st)
		}
		for _, want := range tc.wantChange {
			if !strings.Contains(row.Change, want) {
				t.Errorf("%s: change %s lacks %s", tc.name, row.Change, want)
			}
		}
	}

	checkOperatorAudit(t, e)
	checkAuditQueries(t, e, reward.ID)
}

// checkOperatorAudit: operator and key changes, logins and failed logins
// are audited without the password, and a refused operator change too.
func checkOperatorAudit(t *testing.T, e *testEnv) {
	// Operator and key changes are recorded by their own transaction,
	// without the password; logins and failed logins too.
	var op model.Operator
	e.hq("POST", "/api/hq/operators", map[string]any{"username": "newbie", "role": "analyst", "password": "s3cret-passw0rd"}, &op)
	e.hq("PUT", fmt.Sprintf("/api/hq/operators/%d", op.ID), map[string]any{"role": "operator", "password": "an0ther-passw0rd"}, nil)
	e.hq("POST", fmt.Sprintf("/api/hq/operators/%d/keys", op.ID), nil, nil)
	cs := newConsole(t, e.srv.URL)
	cs.login("newbie", "wrong-password")
	cs.login("newbie", "an0ther-passw0rd")
	var rows []model.AuditEntry
	e.db.Where("action IN ?", []string{"operator.create", "operator.update", "key.create", "auth.login", "auth.login_failed"}).
		Where("target LIKE ? OR change_json LIKE ?", "%newbie%", `%"newbie"%`).Order("id").Find(&rows)
	var actions []string
	for _, r := range rows {
		actions = append(actions, r.Action)
		if strings.Contains(r.Change, "passw0rd") || strings.Contains(r.Change, "password_hash") || strings.Contains(r.Change, "$2a$") {
			t.Errorf("%s: change %s carries a password", r.Action, r.Change)
		}
		if r.Action == "operator.update" && !(strings.Contains(r.Change, `"role":"analyst"`) && strings.Contains(r.Change, `"role":"operator"`)) {
			t.Errorf("operator.update change %s: want before and after roles", r.Change)
		}
	}
	if got, want := strings.Join(actions, ","), "operator.create,operator.update,key.create,auth.login_failed,auth.login"; got != want {
		t.Errorf("audit actions = %s, want %s", got, want)
	}

	// A refused operator change is recorded by the middleware, with the
	// password redacted.
	if st := e.hq("POST", "/api/hq/operators", map[string]any{"username": "x y", "role": "analyst", "password": "leak-me-123"}, nil); st != 400 {
		t.Errorf("bad operator = %d, want 400", st)
	}
	var last model.AuditEntry
	e.db.Order("id DESC").Take(&last)
	if last.Action != "POST /api/hq/operators" || last.Result != 400 || strings.Contains(last.Change, "leak-me") || !strings.Contains(last.Change, "[redacted]") {
		t.Errorf("refused operator create entry = %+v, want 400 with the password redacted", last)
	}
}

// checkAuditQueries: the audit API filters by operator, action and target.
func checkAuditQueries(t *testing.T, e *testEnv, rewardID int64) {
	// The audit API filters by operator, action and target.
	var out struct{ Entries []model.AuditEntry }
	if st := e.hq("GET", "/api/hq/audit?operator=auditor&action=POST+/api/hq/tasks&limit=10", nil, &out); st != 200 || len(out.Entries) != 3 {
		t.Errorf("audit?operator=auditor&action=POST /api/hq/tasks = %d, %d entries, want 3", st, len(out.Entries))
	}
	if st := e.hq("GET", fmt.Sprintf("/api/hq/audit?target=rewards:%d", rewardID), nil, &out); st != 200 || len(out.Entries) != 2 {
		t.Errorf("audit?target=rewards:%d = %d, %d entries, want 2", rewardID, st, len(out.Entries))
	}
	if st := e.hq("GET", "/api/hq/audit?action=auth.login_f", nil, &out); st != 200 || len(out.Entries) != 1 {
		t.Errorf("audit?action=auth.login_f = %d, %d entries, want the one failed login", st, len(out.Entries))
	}
	if st := e.hq("GET", "/api/hq/audit?from=yesterday", nil, nil); st != 400 {
		t.Errorf("audit?from=yesterday = %d, want 400", st)
	}
	var change map[string]any
	if err := json.Unmarshal([]byte(out.Entries[0].Change), &change); err != nil {
		t.Errorf("change is not JSON: %v", err)
	}
}
