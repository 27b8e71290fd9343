package handler_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/metrics"
	"github.com/siyu/siyu/model"
)

// TestWinbackOverHTTP checks the win-back endpoints answer JSON and CSV,
// refuse bad parameters and limit a store manager to their store.
func TestWinbackOverHTTP(t *testing.T) {
	e := newTestEnv(t)
	e.fixedDay()
	manager := e.operator("w_manager", model.OpStoreManager, "sh001")
	day := testEpoch.AddDate(0, 0, -3)
	for i, st := range []string{"sh001", "bj001", "bj001"} {
		m := model.Member{Subscribed: true, StoreCode: st}
		if err := e.db.Create(&m).Error; err != nil {
			t.Fatal(err)
		}
		at := day.Add(time.Duration(i) * time.Hour)
		for _, c := range []model.LifecycleChange{
			{MemberID: m.ID, StoreCode: st, FromState: "活跃", ToState: "沉默", Cause: model.LifecycleCauseAged, Day: at.AddDate(0, 0, -5).In(shanghai).Format(time.DateOnly), ChangedAt: at.AddDate(0, 0, -5), RunID: "r1"},
			{MemberID: m.ID, StoreCode: st, FromState: "沉默", ToState: "活跃", Cause: model.LifecycleCauseInteraction, Day: at.In(shanghai).Format(time.DateOnly), ChangedAt: at, RunID: "r2"},
		} {
			if err := e.db.Create(&c).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	var w metrics.Winback
	if st := e.hq("GET", "/api/hq/metrics/winback?by=day", nil, &w); st != http.StatusOK || w.States[0].Lapsed != 3 || w.States[0].CameBack != 3 || len(w.Stores) != 2 || len(w.Returns) != 30 {
		t.Fatalf("winback = %d %+v, want 3 lapsed into 沉默 and back over 2 stores, 30 days", st, w)
	}
	if st := e.hqAs(manager, "GET", "/api/hq/metrics/winback?store_code=bj001", nil, &w); st != http.StatusOK || w.StoreCode != "sh001" || w.States[0].Lapsed != 1 || len(w.Stores) != 1 {
		t.Errorf("store manager's winback = %d %+v, want sh001's one member", st, w)
	}
	var list struct {
		Total   int64                   `json:"total"`
		Members []metrics.WinbackReturn `json:"members"`
	}
	if st := e.hq("GET", "/api/hq/metrics/winback/members?limit=2", nil, &list); st != http.StatusOK || list.Total != 3 || len(list.Members) != 2 || list.Members[0].StoreCode != "sh001" {
		t.Errorf("winback members = %d %+v, want 2 of 3, sh001 first", st, list)
	}
	st, body := e.hqRaw("GET", "/api/hq/metrics/winback?format=csv", "", "")
	if st != http.StatusOK || strings.Count(strings.TrimSpace(body), "\n") != 3 || !strings.Contains(body, "沉默,活跃") {
		t.Errorf("winback csv = %d\n%s", st, body)
	}
	for _, q := range []string{"by=month", "window_days=0", "window_days=91", "window_days=x", "from=2026-13-01"} {
		if st := e.hq("GET", "/api/hq/metrics/winback?"+q, nil, nil); st != http.StatusBadRequest {
			t.Errorf("%s = %d, want 400", q, st)
		}
	}
}
