package handler_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/siyu/siyu/model"
)

func TestHQAuth(t *testing.T) {
	e := newTestEnv(t, func(d *handlerDeps) {
		d.QueueDashboard = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("dashboard")) })
	})
	var errBody struct {
		Error struct{ Code, Message string }
	}
	if st := e.hqAs("", "GET", "/api/hq/scenes", nil, &errBody); st != 401 || errBody.Error.Code != "unauthorized" {
		t.Errorf("no token = %d %+v, want 401 unauthorized", st, errBody)
	}
	if st := e.hqAs("wrong", "GET", "/api/hq/scenes", nil, nil); st != 401 {
		t.Errorf("wrong token = %d, want 401", st)
	}
	// The queue dashboard takes a bearer key, never Basic auth (a browser
	// replays Basic credentials to any page that asks).
	req, err := http.NewRequest("GET", e.srv.URL+"/admin/queues/", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 || strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("dashboard without auth = %d %q, want 401 without a Basic challenge", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	req.SetBasicAuth("hq", testHQ)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("dashboard with Basic auth = %d, want 401", resp.StatusCode)
	}
	req.Header.Set("Authorization", "Bearer "+testHQ)
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("dashboard with the HQ token = %d, want 200", resp.StatusCode)
	}

	noTasks := newTestEnv(t, func(d *handlerDeps) { d.Tasks = nil })
	for _, path := range []string{"/api/hq/tasks", "/api/hq/feedback"} {
		if st := noTasks.hq("GET", path, nil, nil); st != http.StatusServiceUnavailable {
			t.Errorf("GET %s without the task service = %d, want 503", path, st)
		}
	}

	// Without SIYU_HQ_TOKEN the HQ API still serves operators' keys and
	// sessions; a guessed token is refused.
	off := newTestEnv(t, func(d *handlerDeps) { d.HQToken = "" })
	if st := off.hqAs("anything", "GET", "/api/hq/scenes", nil, nil); st != http.StatusUnauthorized {
		t.Errorf("HQ API with no token configured = %d, want 401", st)
	}
}

// TestSceneValidation: bad input is a 4xx that says what is wrong and
// changes nothing.
func TestSceneValidation(t *testing.T) {
	e := newTestEnv(t)
	for _, tc := range []struct {
		name string
		body any
		want string
	}{
		{"no scene", map[string]any{"tags": []string{"a"}}, "scene"},
		{"scene with spaces", map[string]any{"scene": "store sh001"}, "scene"},
		{"scene too long", map[string]any{"scene": strings.Repeat("s", 65)}, "scene"},
		{"empty tag", map[string]any{"scene": "s1", "tags": []string{" "}}, "tag"},
		{"long tag", map[string]any{"scene": "s1", "tags": []string{strings.Repeat("标", 31)}}, "tag"},
		{"negative bonus", map[string]any{"scene": "s1", "bonus_points": -5}, "bonus_points"},
		{"unknown field", map[string]any{"scene": "s1", "tagz": []string{"a"}}, "tagz"},
		{"wrong type", map[string]any{"scene": 12}, "scene"},
		{"not JSON", "scene=s1", "JSON"},
		{"trailing data", `{"scene":"s1"} {"scene":"s2"}`, "after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out struct {
				Error struct{ Code, Message string }
			}
			st := e.hq("POST", "/api/hq/scenes", tc.body, &out)
			if st != 400 || out.Error.Code != "invalid" || !strings.Contains(out.Error.Message, tc.want) {
				t.Errorf("status %d, error %+v; want 400 invalid mentioning %q", st, out.Error, tc.want)
			}
		})
	}
	if n := e.count(&model.Scene{}); n != 0 {
		t.Errorf("scenes after bad requests = %d, want 0", n)
	}
	big := `{"scene":"s1","welcome":"` + strings.Repeat("x", 2<<20) + `"}`
	if st := e.hq("POST", "/api/hq/scenes", big, nil); st != http.StatusRequestEntityTooLarge {
		t.Errorf("2 MiB body = %d, want 413", st)
	}
}

func TestSceneLifecycle(t *testing.T) {
	e := newTestEnv(t)
	var sc model.Scene
	if st := e.hq("POST", "/api/hq/scenes", map[string]any{"scene": "s1", "tags": []string{"a", "a", " b "}}, &sc); st != 201 {
		t.Fatalf("create = %d", st)
	}
	if strings.Join(sc.Tags, ",") != "a,b" {
		t.Errorf("tags = %v, want trimmed and deduplicated [a b]", sc.Tags)
	}
	if st := e.hq("POST", "/api/hq/scenes", map[string]any{"scene": "s1", "welcome": "hi"}, nil); st != 200 && st != 201 {
		t.Fatalf("update = %d", st)
	}
	var got model.Scene
	if st := e.hq("GET", "/api/hq/scenes/s1", nil, &got); st != 200 || got.Welcome != "hi" || len(got.Tags) != 0 {
		t.Errorf("get after update = %d %+v, want welcome hi and the tags replaced", st, got)
	}
	var list struct{ Scenes []model.Scene }
	if st := e.hq("GET", "/api/hq/scenes", nil, &list); st != 200 || len(list.Scenes) != 1 {
		t.Errorf("list = %d, %d scenes; want 1", st, len(list.Scenes))
	}
	if st := e.hq("DELETE", "/api/hq/scenes/s1", nil, nil); st != 204 {
		t.Errorf("delete = %d, want 204", st)
	}
	if st := e.hq("DELETE", "/api/hq/scenes/s1", nil, nil); st != 404 {
		t.Errorf("delete again = %d, want 404", st)
	}
	if st := e.hq("GET", "/api/hq/scenes/s1", nil, nil); st != 404 {
		t.Errorf("get deleted = %d, want 404", st)
	}
}

func TestMemberLookups(t *testing.T) {
	e := newTestEnv(t)
	e.fixedDay() // a check-in or cap per business day
	e.say(e.oa, e.oa.Subscribe("o_hank", "", e.clock.Now()))
	if got := e.say(e.oa, e.oa.Text("o_hank", "签到", 0, e.clock.Now())); !strings.Contains(got, "签到成功") {
		t.Fatalf("check-in reply = %q", got)
	}
	var res struct{ Members []model.MemberView }
	if st := e.hq("GET", "/api/hq/members?openid=o_hank", nil, &res); st != 200 || len(res.Members) != 1 {
		t.Fatalf("members = %d, %d", st, len(res.Members))
	}
	id := res.Members[0].ID
	var m model.MemberView
	if st := e.hq("GET", "/api/hq/members/"+itoa(id), nil, &m); st != 200 || m.OpenID != "o_hank" || m.Points != 5 {
		t.Errorf("member = %d %+v", st, m)
	}
	var ledger struct{ Entries []model.PointsEntry }
	if st := e.hq("GET", "/api/hq/members/"+itoa(id)+"/ledger", nil, &ledger); st != 200 || len(ledger.Entries) != 1 || ledger.Entries[0].Delta != 5 {
		t.Errorf("ledger = %d %+v, want one entry of 5", st, ledger.Entries)
	}
	for path, want := range map[string]int{
		"/api/hq/members/999999":        404,
		"/api/hq/members/abc":           400,
		"/api/hq/members/0":             400,
		"/api/hq/members?limit=-1":      400,
		"/api/hq/members?openid=nobody": 200,
		"/api/hq/no-such-thing":         404,
		"/api/hq/tasks?limit=abc":       400,
		"/api/hq/feedback?offset=-2":    400,
		"/api/hq/feedback?task_id=x":    400,
	} {
		if st := e.hq("GET", path, nil, nil); st != want {
			t.Errorf("GET %s = %d, want %d", path, st, want)
		}
	}
}

func itoa(n int64) string { return fmtInt(n) }
