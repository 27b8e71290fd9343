package handler_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/siyu/siyu/metrics"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
)

func TestHQSegmentsAndMetrics(t *testing.T) {
	e := newTestEnv(t)
	e.startWorker()
	now := e.clock.Now().UTC()
	m := model.Member{Subscribed: true, StoreCode: "sh001", CreatedAt: now.Add(-100 * 24 * time.Hour)}
	if err := e.db.Create(&m).Error; err != nil {
		t.Fatal(err)
	}

	// Behaviour events through the events API: recorded once per event id.
	ev := map[string]any{"event_id": "b-1", "type": "add_cart", "member_id": m.ID}
	if st := e.hq("POST", "/api/hq/events", ev, nil); st != http.StatusCreated {
		t.Fatalf("behaviour event: %d, want 201", st)
	}
	if st := e.hq("POST", "/api/hq/events", ev, nil); st != http.StatusOK {
		t.Errorf("repeated behaviour event: %d, want 200", st)
	}
	if st := e.hq("POST", "/api/hq/events", map[string]any{"event_id": "b-2", "type": "dance", "member_id": m.ID}, nil); st != http.StatusBadRequest {
		t.Errorf("unknown type: %d, want 400", st)
	}
	if n := e.count(&model.BehaviorEvent{}); n != 1 {
		t.Errorf("behaviour rows = %d, want 1", n)
	}

	// Recompute through the API and the worker: the run is saved (202 with
	// its id) and listed with what it did.
	var queued struct {
		RunID  int64 `json:"run_id"`
		Queued bool  `json:"queued"`
	}
	if st := e.hq("POST", "/api/hq/segments/recompute", map[string]any{"kind": "incremental"}, &queued); st != http.StatusAccepted || queued.RunID == 0 || !queued.Queued {
		t.Fatalf("recompute: %d %+v", st, queued)
	}
	if st := e.hq("POST", "/api/hq/segments/recompute", map[string]any{"kind": "some"}, nil); st != http.StatusBadRequest {
		t.Errorf("unknown kind: %d, want 400", st)
	}
	e.idle()
	var runs struct {
		Runs []model.SegmentRun `json:"runs"`
	}
	if st := e.hq("GET", "/api/hq/segments/runs", nil, &runs); st != http.StatusOK || len(runs.Runs) != 1 || runs.Runs[0].ID != queued.RunID ||
		runs.Runs[0].State != model.SegmentRunDone || runs.Runs[0].Kind != model.SegmentRunFull || runs.Runs[0].Members != 1 {
		t.Errorf("runs = %d %+v, want the run done, full (the first run is), over 1 member", st, runs.Runs)
	}
	var got model.MemberView
	if st := e.hq("GET", fmt.Sprintf("/api/hq/members/%d", m.ID), nil, &got); st != http.StatusOK {
		t.Fatalf("member: %d", st)
	}
	if got.Lifecycle != segments.LifecycleActive || got.RFMSegment != segments.RFMNone || got.ActivityScore < 2.5 || got.ActivityScore > 3 {
		t.Errorf("after recompute: %q %q %v, want 活跃, 无消费会员, 3 decayed by under a day", got.Lifecycle, got.RFMSegment, got.ActivityScore)
	}

	// Preview a filter on the new columns.
	var prev struct {
		Count   int64                 `json:"count"`
		ByStore []segments.StoreCount `json:"by_store"`
	}
	f := map[string]any{"lifecycles": []string{segments.LifecycleActive}, "activity_min": 1}
	if st := e.hq("POST", "/api/hq/segments/preview", f, &prev); st != http.StatusOK || prev.Count != 1 || len(prev.ByStore) != 1 || prev.ByStore[0].StoreCode != "sh001" {
		t.Errorf("preview = %d %+v, want 1 in sh001", st, prev)
	}
	if st := e.hq("POST", "/api/hq/segments/preview", map[string]any{"activity_min": 5, "activity_max": 1}, nil); st != http.StatusBadRequest {
		t.Errorf("bad filter: %d, want 400", st)
	}

	// Every metric answers with a chart; bad ranges are refused.
	for _, name := range []string{"members", "retention", "lifecycle", "rfm", "checkins", "points", "coupons", "tasks"} {
		var chart metrics.Chart
		if st := e.hq("GET", "/api/hq/metrics/"+name+"?from=2026-01-01&to=2026-01-07", nil, &chart); st != http.StatusOK || len(chart.Days) != 7 || len(chart.Series) == 0 {
			t.Errorf("metrics/%s = %d, %d days, %d series", name, st, len(chart.Days), len(chart.Series))
		}
	}
	for _, q := range []string{"from=2026-01-07&to=2026-01-01", "from=2024-01-01&to=2026-01-01", "from=yesterday"} {
		if st := e.hq("GET", "/api/hq/metrics/members?"+q, nil, nil); st != http.StatusBadRequest {
			t.Errorf("metrics/members?%s = %d, want 400", q, st)
		}
	}
}
