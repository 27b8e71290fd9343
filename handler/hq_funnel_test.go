package handler_test

import (
	"net/http"
	"testing"

	"github.com/siyu/siyu/metrics"
	"github.com/siyu/siyu/model"
)

// TestFunnelAndCohortsOverHTTP checks the two endpoints answer and that a
// store manager sees only their store's joiners whatever they ask for.
func TestFunnelAndCohortsOverHTTP(t *testing.T) {
	e := newTestEnv(t)
	manager := e.operator("f_manager", model.OpStoreManager, "sh001")
	e.addCustomer("wm_f_sh", "上海客户", "g_sh", "sh001", 0)
	e.addCustomer("wm_f_bj", "北京客户", "g_bj", "bj001", 0)

	var f metrics.Funnel
	if st := e.hq("GET", "/api/hq/metrics/funnel", nil, &f); st != http.StatusOK || len(f.Steps) != 6 || f.Steps[0].Count != 2 {
		t.Fatalf("funnel = %d %+v, want 6 steps from 2 joiners", st, f)
	}
	if st := e.hqAs(manager, "GET", "/api/hq/metrics/funnel?store_code=bj001", nil, &f); st != http.StatusOK || f.StoreCode != "sh001" || f.Steps[0].Count != 1 {
		t.Errorf("store manager's funnel = %d %+v, want sh001's one joiner", st, f)
	}
	var c metrics.Cohorts
	if st := e.hqAs(manager, "GET", "/api/hq/metrics/cohorts?by=month", nil, &c); st != http.StatusOK {
		t.Fatalf("cohorts = %d", st)
	}
	size := int64(0)
	for _, row := range c.Cohorts {
		size += row.Size
	}
	if size != 1 || c.By != "month" {
		t.Errorf("store manager's cohorts = %+v, want one joiner by month", c)
	}
	if st := e.hq("GET", "/api/hq/metrics/cohorts?by=year", nil, nil); st != http.StatusBadRequest {
		t.Errorf("by=year = %d, want 400", st)
	}
}
