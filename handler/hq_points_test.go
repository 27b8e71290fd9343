package handler_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/siyu/siyu/model"
)

func TestAdjustAndPointsAPI(t *testing.T) {
	e := newTestEnv(t)
	// A fixed day, not today: points credited on 31 December after 16:00 UTC
	// belong to the next Shanghai year, and would expire a year later.
	e.fixedDay()
	m := e.follower("o_adj")
	path := fmt.Sprintf("/api/hq/members/%d/points", m)
	var out struct {
		Duplicate bool
		Points    int64
		Balance   int64
	}
	credit := map[string]any{"delta": 100, "reason": "补偿", "request_id": "adj-1"}
	if st := e.hq("POST", path, credit, &out); st != 201 || out.Balance != 100 {
		t.Errorf("credit = %d %+v", st, out)
	}
	if st := e.hq("POST", path, credit, &out); st != 200 || !out.Duplicate || out.Balance != 100 {
		t.Errorf("credit again = %d %+v, want 200 duplicate", st, out)
	}
	for _, tc := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"debit past the balance", map[string]any{"delta": -101, "reason": "纠错", "request_id": "adj-2"}, http.StatusConflict},
		{"zero", map[string]any{"delta": 0, "reason": "x", "request_id": "adj-3"}, http.StatusBadRequest},
		{"no reason", map[string]any{"delta": 5, "request_id": "adj-4"}, http.StatusBadRequest},
		{"no request id", map[string]any{"delta": 5, "reason": "x"}, http.StatusBadRequest},
		{"request id of another member's adjustment", map[string]any{"delta": 5, "reason": "x", "request_id": "adj-1"}, http.StatusOK},
	} {
		p := path
		if tc.want == http.StatusOK {
			p = fmt.Sprintf("/api/hq/members/%d/points", e.follower("o_adj_other"))
			tc.want = http.StatusConflict
		}
		if st := e.hq("POST", p, tc.body, nil); st != tc.want {
			t.Errorf("%s = %d, want %d", tc.name, st, tc.want)
		}
	}
	if st := e.hq("POST", "/api/hq/members/9999/points", map[string]any{"delta": 5, "reason": "x", "request_id": "adj-9"}, nil); st != http.StatusNotFound {
		t.Errorf("unknown member = %d, want 404", st)
	}
	if got := e.member(m).Points; got != 100 {
		t.Errorf("balance = %d after refusals, want 100", got)
	}

	// Points earned in 2026 expire at the end of 2027 (year_end): within 30
	// days of that they show as expiring soon.
	e.clock.Set(time.Date(2027, 12, 15, 10, 0, 0, 0, shanghai))
	var pts struct {
		Points   int64
		Expiring struct {
			Points            int64
			FirstValidThrough string `json:"first_valid_through"`
		}
	}
	if st := e.hq("GET", path, nil, &pts); st != 200 || pts.Points != 100 || pts.Expiring.Points != 100 ||
		pts.Expiring.FirstValidThrough != "2027-12-31" {
		t.Errorf("points = %d %+v, want 100 expiring on 2027-12-31", st, pts)
	}
	mm := e.member(m)
	if mm.PointsExpiring != 100 || mm.PointsExpireBy == nil || mm.Level != "普通" {
		t.Errorf("member view = %+v, want 100 expiring and level 普通", mm)
	}
	if st := e.hq("GET", "/api/hq/members/9999/points", nil, nil); st != http.StatusNotFound {
		t.Errorf("points of an unknown member = %d, want 404", st)
	}
}

// TestPointsValidThroughAtTheYearEdge: what HQ sees as the last valid day
// of year_end points follows the Shanghai year they were credited in, also
// for credits made on the UTC evening of 31 December.
func TestPointsValidThroughAtTheYearEdge(t *testing.T) {
	for _, tc := range []struct {
		name     string
		credited time.Time
		through  string
	}{
		{"23:59:59 Shanghai", time.Date(2025, 12, 31, 23, 59, 59, 0, shanghai), "2026-12-31"},
		{"00:00:00 Shanghai", time.Date(2026, 1, 1, 0, 0, 0, 0, shanghai), "2027-12-31"},
		{"20:00 UTC on 31 December", time.Date(2025, 12, 31, 20, 0, 0, 0, time.UTC), "2027-12-31"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newTestEnv(t)
			// The credit is stamped at exactly this instant: a running
			// clock set to 23:59:59 may pass midnight before the request
			// is served, and the credit would belong to the next year.
			e.clock.Freeze(tc.credited)
			path := fmt.Sprintf("/api/hq/members/%d/points", e.follower("o_edge"))
			if st := e.hq("POST", path, map[string]any{"delta": 50, "reason": "补偿", "request_id": "edge-1"}, nil); st != 201 {
				t.Fatalf("credit = %d, want 201", st)
			}
			last, err := time.ParseInLocation(time.DateOnly, tc.through, shanghai)
			if err != nil {
				t.Fatal(err)
			}
			e.clock.Set(last.Add(12 * time.Hour))
			var pts struct {
				Expiring struct {
					Points            int64
					FirstValidThrough string `json:"first_valid_through"`
				}
			}
			if st := e.hq("GET", path, nil, &pts); st != 200 || pts.Expiring.Points != 50 || pts.Expiring.FirstValidThrough != tc.through {
				t.Errorf("points on %s = %d %+v, want 50 valid through %s", tc.through, st, pts, tc.through)
			}
		})
	}
}

func TestMemberProfileAPI(t *testing.T) {
	e := newTestEnv(t)
	m := e.follower("o_prof")
	path := fmt.Sprintf("/api/hq/members/%d", m)
	var mm model.MemberView
	if st := e.hq("PUT", path+"/birthday", map[string]any{"birthday": "1990-05-20"}, &mm); st != 200 || mm.Birthday != "05-20" {
		t.Errorf("birthday = %d %+v", st, mm.Birthday)
	}
	for _, bad := range []string{"05-32", "1990/05/20", ""} {
		if st := e.hq("PUT", path+"/birthday", map[string]any{"birthday": bad}, nil); st != http.StatusBadRequest {
			t.Errorf("birthday %q = %d, want 400", bad, st)
		}
	}
	if st := e.hq("PUT", "/api/hq/members/9999/birthday", map[string]any{"birthday": "05-20"}, nil); st != http.StatusNotFound {
		t.Errorf("birthday of an unknown member = %d, want 404", st)
	}
	var inv struct{ Scene string }
	if st := e.hq("GET", path+"/invite", nil, &inv); st != 200 || inv.Scene != fmt.Sprintf("ref_%d", m) {
		t.Errorf("invite = %d %+v", st, inv)
	}
	if st := e.hq("GET", "/api/hq/members/9999/invite", nil, nil); st != http.StatusNotFound {
		t.Errorf("invite of an unknown member = %d, want 404", st)
	}
	var lv struct {
		Level     model.Level
		NextLevel *model.Level `json:"next_level"`
		ToNext    int64        `json:"to_next"`
		History   []model.LevelChange
	}
	if st := e.hq("GET", path+"/level", nil, &lv); st != 200 || lv.Level.Name != "普通" || lv.NextLevel.Name != "银卡" || lv.ToNext != 500 {
		t.Errorf("level = %d %+v", st, lv)
	}
	if st := e.hq("GET", "/api/hq/members/9999/level", nil, nil); st != http.StatusNotFound {
		t.Errorf("level of an unknown member = %d, want 404", st)
	}
}

func TestEventsAPI(t *testing.T) {
	e := newTestEnv(t)
	e.fixedDay() // a check-in or cap per business day
	e.follower("o_ev")
	var out struct {
		Duplicate      bool
		Points, Growth int64
		Capped         bool
	}
	for i, want := range []int64{5, 5, 5, 0} {
		body := map[string]any{"event_id": fmt.Sprintf("share-%d", i), "type": "share", "openid": "o_ev"}
		if st := e.hq("POST", "/api/hq/events", body, &out); st != 201 || out.Points != want || out.Capped != (want == 0) {
			t.Errorf("share %d = %d %+v, want 201 with %d points", i, st, out, want)
		}
	}
	body := map[string]any{"event_id": "share-0", "type": "share", "openid": "o_ev"}
	if st := e.hq("POST", "/api/hq/events", body, &out); st != 200 || !out.Duplicate || out.Points != 5 {
		t.Errorf("repeat = %d %+v, want 200 duplicate with the first credit", st, out)
	}
	for _, tc := range []struct {
		body map[string]any
		want int
	}{
		{map[string]any{"event_id": "e1", "type": "like", "openid": "o_ev"}, http.StatusBadRequest},
		{map[string]any{"event_id": "e2", "type": "review", "openid": "o_nobody"}, http.StatusNotFound},
		{map[string]any{"event_id": "e3", "type": "review"}, http.StatusBadRequest},
		{map[string]any{"type": "review", "openid": "o_ev"}, http.StatusBadRequest},
	} {
		if st := e.hq("POST", "/api/hq/events", tc.body, nil); st != tc.want {
			t.Errorf("event %v = %d, want %d", tc.body, st, tc.want)
		}
	}
}
