package handler_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/tasks"
)

// TestHQTaskFlow: HQ previews, creates and dispatches a task over HTTP;
// the guide sees the item in the sidebar, marks it done (another guide
// gets 403) and sends feedback; HQ reads the report (JSON and CSV) and
// answers the feedback.
func TestHQTaskFlow(t *testing.T) {
	e := newSidebarEnv(t)
	e.startWorker()
	deadline := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)

	var reach struct{ Customers int64 }
	if st := e.hq("POST", "/api/hq/tasks/preview", map[string]any{"store_codes": []string{"sh001"}}, &reach); st != 200 || reach.Customers != 2 {
		t.Fatalf("preview: %d %+v, want 2 customers", st, reach)
	}
	for _, bad := range []map[string]any{
		{"title": "", "kind": "followup", "deadline": deadline},
		{"title": "x", "kind": "message", "deadline": deadline},
		{"title": "x", "kind": "followup", "deadline": deadline, "store_codes": []string{"nope"}},
		{"title": "x", "kind": "followup", "deadline": "2001-01-01T00:00:00Z"},
	} {
		if st := e.hq("POST", "/api/hq/tasks", bad, nil); st != http.StatusBadRequest {
			t.Errorf("POST /api/hq/tasks %v = %d, want 400", bad, st)
		}
	}
	var task struct {
		ID       int64
		State    string
		Progress struct{ Items, Guides int64 }
	}
	body := map[string]any{"title": "会员日邀约", "instructions": "邀请客户周六到店", "kind": "message",
		"content": "周六会员日，到店有礼～", "store_codes": []string{"sh001"}, "deadline": deadline}
	if st := e.hq("POST", "/api/hq/tasks", body, &task); st != http.StatusCreated || task.State != model.TaskDraft {
		t.Fatalf("create: %d %+v", st, task)
	}
	if st := e.hq("POST", fmt.Sprintf("/api/hq/tasks/%d/dispatch", task.ID), nil, &task); st != 200 {
		t.Fatalf("dispatch: %d", st)
	}
	e.idle()
	e.hq("GET", fmt.Sprintf("/api/hq/tasks/%d", task.ID), nil, &task)
	if task.State != model.TaskActive || task.Progress.Items != 2 || task.Progress.Guides != 2 {
		t.Fatalf("after dispatch: %+v", task)
	}

	guideWorksTask(t, e, task.ID)

	checkTaskReport(t, e, task.ID)

	var fb struct{ Feedback []struct{ ID int64 } }
	e.hq("GET", "/api/hq/feedback?unanswered=1", nil, &fb)
	if len(fb.Feedback) != 1 {
		t.Fatalf("feedback list: %+v", fb)
	}
	if st := e.hq("POST", fmt.Sprintf("/api/hq/feedback/%d/reply", fb.Feedback[0].ID), map[string]string{"reply": "可以"}, nil); st != 200 {
		t.Errorf("reply: %d", st)
	}
	checkReplyReachesGuide(t, e)
	if st := e.hq("POST", fmt.Sprintf("/api/hq/tasks/%d/cancel", task.ID), nil, nil); st != 200 {
		t.Errorf("cancel: %d", st)
	}
	if st := e.hq("POST", fmt.Sprintf("/api/hq/tasks/%d/close", task.ID), nil, nil); st != http.StatusConflict {
		t.Errorf("close a cancelled task: %d, want 409", st)
	}
}

// checkReplyReachesGuide: HQ's reply was recorded in the outbox with the
// feedback (not queued by hand), so the guide hears of it only once the
// relay runs — and once, however often the relay sends the event.
func checkReplyReachesGuide(t *testing.T, e *sidebarEnv) {
	t.Helper()
	replies := func() int {
		n := 0
		for _, c := range e.upstream.Calls("/cgi-bin/message/send") {
			if strings.Contains(string(c.Body), "总部回复了你的反馈") && strings.Contains(string(c.Body), "g_sh_1") {
				n++
			}
		}
		return n
	}
	e.idle()
	if n := replies(); n != 0 {
		t.Fatalf("reply sent %d times before the relay ran", n)
	}
	relay := tasks.NewRelay(e.db, e.enq, outbox.RelayOptions{})
	for i := 0; i < 2; i++ {
		if _, err := relay.RelayOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.db.Model(&model.OutboxEvent{}).Where("kind = ?", outbox.KindGuideNotice).Update("sent_at", nil) // a relay that sends twice
	}
	e.idle()
	if n := replies(); n != 1 {
		t.Errorf("guide told of the reply %d times, want 1", n)
	}
}

// checkTaskReport reads the task's report as JSON and as CSV: two items,
// one done with the guide's note.
func checkTaskReport(t *testing.T, e *sidebarEnv, taskID int64) {
	t.Helper()
	var rep struct {
		Total  struct{ Assigned, Done, Open int64 }
		Stores []struct {
			StoreCode string `json:"store_code"`
			Guides    []struct{ Notes []struct{ Note string } }
		}
	}
	e.hq("GET", fmt.Sprintf("/api/hq/tasks/%d/report", taskID), nil, &rep)
	if rep.Total.Assigned != 2 || rep.Total.Done != 1 || rep.Total.Open != 1 || rep.Stores[0].Guides[0].Notes[0].Note != "已邀约" {
		t.Errorf("report: %+v", rep)
	}
	req, err := http.NewRequest("GET", fmt.Sprintf("%s/api/hq/tasks/%d/report?format=csv", e.srv.URL, taskID), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testHQ)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	csv, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(string(csv), "\ufeff") || !strings.Contains(string(csv), "g_sh_1,小王,1,1,0,0,0,100.0%,已邀约") {
		t.Errorf("csv: %s", csv)
	}
}

// guideWorksTask: the guide g_sh_1 sees the task's item for Alice in the
// sidebar and marks it done (twice, counted once; g_sh_2 gets 403), then
// sends feedback.
func guideWorksTask(t *testing.T, e *sidebarEnv, taskID int64) {
	t.Helper()
	alice := e.guideClient("g_sh_1")
	var items struct {
		Items []struct {
			ID    int64
			Title string
		}
	}
	if st := call(t, alice, "GET", e.srv.URL+"/api/sidebar/tasks?external_userid=wm_alice", "", &items); st != 200 || len(items.Items) != 1 || items.Items[0].Title != "会员日邀约" {
		t.Fatalf("sidebar items: %d %+v", st, items)
	}
	item := items.Items[0].ID
	bob := e.guideClient("g_sh_2")
	if st := call(t, bob, "POST", fmt.Sprintf("%s/api/sidebar/task-items/%d", e.srv.URL, item), `{"status":"done"}`, nil); st != http.StatusForbidden {
		t.Errorf("another guide's item: %d, want 403", st)
	}
	for range 2 { // idempotent
		if st := call(t, alice, "POST", fmt.Sprintf("%s/api/sidebar/task-items/%d", e.srv.URL, item), `{"status":"done","note":"已邀约"}`, nil); st != 200 {
			t.Errorf("mark done: %d", st)
		}
	}
	var mine struct{ Tasks []struct{ Open, Done int64 } }
	call(t, alice, "GET", e.srv.URL+"/api/sidebar/tasks", "", &mine)
	if len(mine.Tasks) != 1 || mine.Tasks[0].Done != 1 || mine.Tasks[0].Open != 0 {
		t.Errorf("my tasks: %+v", mine)
	}
	if st := call(t, alice, "POST", e.srv.URL+"/api/sidebar/feedback", fmt.Sprintf(`{"task_id":%d,"text":"客户问能否带朋友"}`, taskID), nil); st != http.StatusCreated {
		t.Errorf("feedback: %d", st)
	}
}
