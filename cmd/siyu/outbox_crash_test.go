package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/wx/wxtest"
)

const pathCustomSend = "/cgi-bin/message/custom/send"

// TestOutboxSurvivesCrash: a process commits an order that levels a member
// up and is killed -9 right after, before anything is queued (it runs no
// worker and no relay, and no handler queues follow-ups by hand any more).
// On restart — two workers when Redis is shared, to show relays do not
// double-send — the level-up notice still goes out, exactly once.
func TestOutboxSurvivesCrash(t *testing.T) {
	up := wxtest.NewServer(t)
	env := outboxEnv(t, up, testRedisURL())
	base := "http://" + env["SIYU_HTTP_ADDR"]
	child := startChild(t, env, "serve", "--worker=false")
	waitReady(t, base)

	var out bytes.Buffer
	getenv := func(k string) string { return env[k] }
	if err := run(context.Background(), []string{"simulate", "--url", base, "--openid", "o_crash", "subscribe"}, getenv, &out, &out); err != nil {
		t.Fatalf("simulate: %v\n%s", err, out.String())
	}
	var found struct{ Members []model.Member }
	if st := hqCall(t, base, "GET", "/api/hq/members?openid=o_crash", nil, &found); st != 200 || len(found.Members) != 1 {
		t.Fatalf("member = %d %+v", st, found)
	}
	m := found.Members[0].ID
	var order struct {
		LevelUp *model.LevelChange `json:"level_up"`
	}
	body := map[string]any{"order_id": "CRASH1", "member_id": m, "amount_fen": 250000, "paid_at": time.Now().UTC().Format(time.RFC3339)}
	if st := hqCall(t, base, "POST", "/api/hq/orders", body, &order); st != 201 || order.LevelUp == nil {
		t.Fatalf("order = %d %+v, want 201 with a level up", st, order)
	}
	if err := killChild(child); err != nil { // SIGKILL: no deferred cleanup runs
		t.Fatal(err)
	}

	db := openDB(t, env)
	var ev model.OutboxEvent
	if err := db.Where("kind = ?", outbox.KindLevelChanged).Take(&ev).Error; err != nil {
		t.Fatalf("level.changed event: %v", err)
	}
	if ev.SentAt != nil || up.CallCount(pathCustomSend) != 0 {
		t.Fatalf("before restart: event sent_at %v, messages %d; want nothing queued or sent", ev.SentAt, up.CallCount(pathCustomSend))
	}

	startRun(t, env, "worker")
	if testRedisURL() != "" {
		startRun(t, env, "worker") // a second instance with its own relay
	}
	waitFor(t, func() bool {
		var got model.OutboxEvent
		return db.Take(&got, ev.ID).Error == nil && got.HandledAt != nil && got.SentAt != nil
	})
	calls := up.Calls(pathCustomSend)
	if len(calls) != 1 {
		t.Fatalf("messages = %d, want exactly 1", len(calls))
	}
	var msg struct {
		ToUser string `json:"touser"`
		Text   struct{ Content string }
	}
	if err := json.Unmarshal(calls[0].Body, &msg); err != nil {
		t.Fatalf("message %s: %v", calls[0].Body, err)
	}
	if msg.ToUser != "o_crash" || !strings.Contains(msg.Text.Content, fmt.Sprintf("【%s】", order.LevelUp.To)) {
		t.Errorf("message = %+v, want the level-up notice to o_crash", msg)
	}
}
