package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx/wxsim"
	"github.com/siyu/siyu/wx/wxtest"
)

const pathAppMsg = "/cgi-bin/message/send"

// TestDispatchWhileRedisDown: with Redis stopped, POST /api/hq/tasks with
// "dispatch": true answers 201 (the task and its dispatch event commit
// together); within 30 s of Redis returning — empty, as a restart without
// persistence leaves it — the task is fully dispatched, exactly once.
func TestDispatchWhileRedisDown(t *testing.T) {
	rs := taskstest.StartRedisServer(t)
	up := wxtest.NewServer(t)
	env := outboxEnv(t, up, rs.URL())
	base := "http://" + env["SIYU_HTTP_ADDR"]
	startRun(t, env, "serve")
	fleet := tasks.Fleet{Stores: 4, GuidesPerStore: 3, CustomersPerGuide: 10}
	db := openDB(t, env)
	if err := fleet.Seed(context.Background(), db); err != nil {
		t.Fatal(err)
	}

	rs.Stop()
	body := map[string]any{"title": "断网派发", "kind": model.TaskKindMessage, "content": "到店有礼", "instructions": "发给客户",
		"deadline": time.Now().Add(48 * time.Hour).Format(time.RFC3339), "dispatch": true}
	var task hqtasks.Task
	if st := hqCall(t, base, "POST", "/api/hq/tasks", body, &task, "Idempotency-Key", "redis-down-1"); st != http.StatusCreated {
		t.Fatalf("POST /api/hq/tasks with Redis down = %d, want 201", st)
	}
	if task.State != model.TaskDispatching {
		t.Fatalf("state = %s, want dispatching", task.State)
	}
	rs.Start()
	back := time.Now()
	for {
		var got hqtasks.Task
		hqCall(t, base, "GET", fmt.Sprintf("/api/hq/tasks/%d", task.ID), nil, &got)
		if got.State == model.TaskActive && got.Progress != nil && got.Progress.GuidesNotified == 12 {
			want := hqtasks.Progress{Stores: 4, StoresDone: 4, Guides: 12, GuidesNotified: 12, Items: 120}
			if *got.Progress != want {
				t.Errorf("progress = %+v, want %+v", *got.Progress, want)
			}
			break
		}
		if time.Since(back) > 30*time.Second {
			t.Fatalf("30 s after Redis returned: state %s, progress %+v", got.State, got.Progress)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("dispatched %s after Redis returned", time.Since(back).Round(time.Millisecond))
	var n, tasksN int64
	db.Model(&model.TaskItem{}).Where("task_id = ?", task.ID).Distinct("member_id").Count(&n)
	db.Model(&model.HQTask{}).Count(&tasksN)
	if n != 120 || tasksN != 1 {
		t.Errorf("distinct item members = %d, tasks = %d; want 120 and 1", n, tasksN)
	}
	if got := up.CallCount(pathAppMsg); got != 12 {
		t.Errorf("app messages = %d, want 12 (one per guide)", got)
	}
	metrics := getText(t, base+"/metrics", env["SIYU_HQ_TOKEN"]) // an admin key reads /metrics
	for _, want := range []string{`siyu_outbox_sent_total{kind="hq_task.dispatched"} 1`, "siyu_outbox_relay_lag_seconds 0", "siyu_outbox_relay_failures_total "} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// getText GETs url with the bearer key and returns the body.
func getText(t *testing.T, url, bearer string) string {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, %v", url, resp.StatusCode, err)
	}
	return string(b)
}

// TestCheckInWhileRedisDown: with Redis stopped, a check-in is credited
// and answered; its retried delivery after Redis is back (empty) is not
// credited again and gets the first delivery's reply, kept in the database.
func TestCheckInWhileRedisDown(t *testing.T) {
	rs := taskstest.StartRedisServer(t)
	up := wxtest.NewServer(t)
	env := outboxEnv(t, up, rs.URL())
	base := "http://" + env["SIYU_HTTP_ADDR"]
	startRun(t, env, "serve")
	sim := simulator{oa: wxsim.OA{AppID: env["SIYU_WECHAT_APPID"], Token: env["SIYU_WECHAT_TOKEN"]}, base: base,
		client: &http.Client{Timeout: 10 * time.Second}}
	ctx := context.Background()
	now := time.Now()
	if _, err := sim.post(ctx, sim.oa.Subscribe("o_down", "", now)); err != nil {
		t.Fatal(err)
	}

	rs.Stop()
	checkIn := sim.oa.Text("o_down", "签到", 424242, now.Add(time.Second))
	first, err := sim.post(ctx, checkIn)
	if err != nil || !strings.Contains(first.Content, "签到成功") {
		t.Fatalf("check-in with Redis down = %+v, %v; want it credited", first, err)
	}
	rs.Start()
	again, err := sim.post(ctx, checkIn)
	if err != nil {
		t.Fatal(err)
	}
	if again.Content != first.Content {
		t.Errorf("redelivery reply = %q, want the first reply %q", again.Content, first.Content)
	}
	db := openDB(t, env)
	var n int64
	db.Model(&model.PointsEntry{}).Where("kind = ?", model.PointsCheckIn).Count(&n)
	if n != 1 {
		t.Errorf("check-in ledger entries = %d, want 1", n)
	}
}
