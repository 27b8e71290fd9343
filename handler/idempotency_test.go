package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siyu/siyu/model"
)

// postWithKey posts body to path with an Idempotency-Key and returns the
// status, the body and whether the answer was a replay.
func (e *testEnv) postWithKey(path, key string, body any) (int, string, bool) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, e.srv.URL+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+testHQ)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Errorf("POST %s: %v", path, err)
		return 0, "", false
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(raw), resp.Header.Get("Idempotent-Replayed") == "true"
}

// TestIdempotencyKey: the same POST /api/hq/tasks with one key three
// times, then eight at once with another, makes one task each and replays
// the first response (status and body); the key with another body is 422;
// a request without a key is not affected.
func TestIdempotencyKey(t *testing.T) {
	e := newSidebarEnv(t)
	deadline := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
	body := map[string]any{"title": "会员日邀约", "kind": "message", "content": "周六会员日，到店有礼～",
		"store_codes": []string{"sh001"}, "deadline": deadline}
	count := func() int64 { return e.count(&model.HQTask{}) }

	st, first, replayed := e.postWithKey("/api/hq/tasks", "key-1", body)
	if st != http.StatusCreated || replayed {
		t.Fatalf("first POST = %d (replayed %v) %s", st, replayed, first)
	}
	for range 2 {
		st, got, replayed := e.postWithKey("/api/hq/tasks", "key-1", body)
		if st != http.StatusCreated || got != first || !replayed {
			t.Errorf("repeat = %d (replayed %v) %s; want the first response replayed", st, replayed, got)
		}
	}
	if n := count(); n != 1 {
		t.Fatalf("tasks = %d after three POSTs with one key, want 1", n)
	}
	other := map[string]any{"title": "另一个任务", "kind": "message", "content": "别的内容", "deadline": deadline}
	if st, got, _ := e.postWithKey("/api/hq/tasks", "key-1", other); st != http.StatusUnprocessableEntity || !strings.Contains(got, "different request body") {
		t.Errorf("same key, other body = %d %s; want 422 naming the reuse", st, got)
	}

	var wg sync.WaitGroup
	results := make([]string, 8)
	statuses := make([]int, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], results[i], _ = e.postWithKey("/api/hq/tasks", "key-2", body)
		}()
	}
	wg.Wait()
	for i := range 8 {
		if statuses[i] != http.StatusCreated || results[i] != results[0] {
			t.Errorf("concurrent POST %d = %d %s; want 201 and the one response", i, statuses[i], results[i])
		}
	}
	if n := count(); n != 2 {
		t.Errorf("tasks = %d after eight concurrent POSTs with a second key, want 2", n)
	}
	if st := e.hq("POST", "/api/hq/tasks", body, nil); st != http.StatusCreated || count() != 3 {
		t.Errorf("POST without a key = %d, tasks %d; want 201 and a third task", st, count())
	}
	// A refused request is replayed too: the key names the request, not its success.
	bad := map[string]any{"title": "", "kind": "message", "deadline": deadline}
	st1, b1, _ := e.postWithKey("/api/hq/tasks", "key-3", bad)
	st2, b2, replayed := e.postWithKey("/api/hq/tasks", "key-3", bad)
	if st1 != http.StatusBadRequest || st2 != st1 || b2 != b1 || !replayed {
		t.Errorf("bad request twice = %d %s / %d %s (replayed %v)", st1, b1, st2, b2, replayed)
	}
}
