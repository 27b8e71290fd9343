package handler_test

import (
	"net/http"
	"testing"

	"github.com/siyu/siyu/model"
)

func TestLevelsAPI(t *testing.T) {
	e := newTestEnv(t)
	var ls struct{ Levels []model.Level }
	if st := e.hq("GET", "/api/hq/levels", nil, &ls); st != 200 || len(ls.Levels) != 4 || ls.Levels[0].Name != "普通" || ls.Levels[3].Multiplier != 2 {
		t.Fatalf("levels = %d %+v", st, ls)
	}
	tpl := e.template(map[string]any{"name": "黑卡礼", "kind": "gift", "gift": "礼盒", "valid_days": 30})
	body := map[string]any{"threshold": 10000, "keep_threshold": 5000, "multiplier": 2.5, "upgrade_coupons": []int64{tpl.ID}, "benefits": "专属客服"}
	if st := e.hq("PUT", "/api/hq/levels/黑卡", body, nil); st != http.StatusCreated {
		t.Errorf("create = %d, want 201", st)
	}
	body["multiplier"] = 3
	var l model.Level
	if st := e.hq("PUT", "/api/hq/levels/黑卡", body, &l); st != http.StatusOK || l.Multiplier != 3 {
		t.Errorf("update = %d %+v", st, l)
	}
	for _, tc := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"threshold taken", map[string]any{"threshold": 2000}, http.StatusConflict},
		{"second base", map[string]any{"threshold": 0}, http.StatusBadRequest},
		{"unknown coupon", map[string]any{"threshold": 9000, "monthly_coupons": []int64{999}}, http.StatusBadRequest},
		{"keep above threshold", map[string]any{"threshold": 9000, "keep_threshold": 9999}, http.StatusBadRequest},
		{"unknown field", map[string]any{"threshold": 9000, "color": "black"}, http.StatusBadRequest},
	} {
		if st := e.hq("PUT", "/api/hq/levels/紫卡", tc.body, nil); st != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, st, tc.want)
		}
	}
	if st := e.hq("DELETE", "/api/hq/levels/黑卡", nil, nil); st != http.StatusNoContent {
		t.Errorf("delete = %d, want 204", st)
	}
	if st := e.hq("DELETE", "/api/hq/levels/黑卡", nil, nil); st != http.StatusNotFound {
		t.Errorf("delete again = %d, want 404", st)
	}
	if st := e.hq("DELETE", "/api/hq/levels/普通", nil, nil); st != http.StatusBadRequest {
		t.Errorf("delete the base level = %d, want 400", st)
	}
}

func TestEarningRulesAPI(t *testing.T) {
	e := newTestEnv(t)
	var rs struct{ Rules []model.EarningRule }
	if st := e.hq("GET", "/api/hq/earning-rules", nil, &rs); st != 200 || len(rs.Rules) != len(model.Channels) {
		t.Fatalf("rules = %d %+v", st, rs)
	}
	var r model.EarningRule
	if st := e.hq("PUT", "/api/hq/earning-rules/share", map[string]any{"points": 8, "growth": 1, "cap_points": 24, "cap_period": "week"}, &r); st != 200 || !r.Enabled || r.CapPoints != 24 {
		t.Errorf("save = %d %+v", st, r)
	}
	for _, tc := range []struct {
		path string
		body map[string]any
	}{
		{"/api/hq/earning-rules/like", map[string]any{"points": 1}},
		{"/api/hq/earning-rules/share", map[string]any{"points": -1}},
		{"/api/hq/earning-rules/share", map[string]any{"points": 1, "cap_points": 5}},
		{"/api/hq/earning-rules/order", map[string]any{"points_per_yuan": 0.0001}},
	} {
		if st := e.hq("PUT", tc.path, tc.body, nil); st != http.StatusBadRequest {
			t.Errorf("PUT %s %v = %d, want 400", tc.path, tc.body, st)
		}
	}
}
