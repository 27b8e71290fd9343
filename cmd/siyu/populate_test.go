package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/config"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/tasks/taskstest"
)

// TestPopulate fills a fresh database and checks the brand is whole: the
// members asked for (OA and WeCom sides merged), activity spread over the
// days and never in the future, finished and running HQ tasks with
// feedback, a ledger that adds up; and a second run is refused.
func TestPopulate(t *testing.T) {
	_, prefix := taskstest.NewRedis(t)
	env := map[string]string{"SIYU_DATA_DIR": t.TempDir(), "SIYU_MYSQL_DSN": modeltest.DSN(t),
		"SIYU_REDIS_URL": os.Getenv("TEST_REDIS_URL"), "SIYU_REDIS_PREFIX": prefix, "SIYU_LOG_LEVEL": "warn"}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	var out bytes.Buffer
	if err := run(ctx, []string{"simulate", "populate", "--members", "150", "--days", "20"}, getenv, &out, io.Discard); err != nil {
		t.Fatalf("populate: %v", err)
	}
	if !strings.Contains(out.String(), "populated 150 members over 20 days") {
		t.Errorf("output: %s", out.String())
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(ctx, cfg, newLogger(cfg, io.Discard))
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	db := a.db.WithContext(ctx)
	count := func(q string, args ...any) int64 {
		var n int64
		if err := db.Raw(q, args...).Scan(&n).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	if n := count("SELECT COUNT(*) FROM members WHERE merged_into IS NULL"); n != 150 {
		t.Errorf("members = %d, want 150 (each person once)", n)
	}
	now := time.Now().Add(time.Minute)
	for _, table := range []string{"members", "check_ins", "points_entries", "orders", "task_items"} {
		var at []time.Time // compared here: SQLite keeps times as text in more than one zone
		if err := db.Table(table).Pluck("created_at", &at).Error; err != nil {
			t.Fatal(err)
		}
		for _, c := range at {
			if c.After(now) {
				t.Errorf("%s: a row dated %s, in the future", table, c)
				break
			}
		}
	}
	if days := count("SELECT COUNT(DISTINCT day) FROM check_ins"); days < 10 {
		t.Errorf("check-ins on %d days, want them spread over the 20", days)
	}
	if n := count("SELECT COUNT(*) FROM orders"); n == 0 {
		t.Error("no orders")
	}
	if n := count("SELECT COUNT(*) FROM hq_tasks WHERE state = ?", model.TaskClosed); n != 1 {
		t.Errorf("closed tasks = %d, want 1", n)
	}
	if n := count("SELECT COUNT(*) FROM hq_tasks WHERE state = ?", model.TaskActive); n != 1 {
		t.Errorf("running tasks = %d, want 1", n)
	}
	if n := count("SELECT COUNT(*) FROM task_items WHERE status = ?", model.ItemDone); n == 0 {
		t.Error("no task item done")
	}
	if n := count("SELECT COUNT(*) FROM feedbacks"); n == 0 {
		t.Error("no feedback")
	}
	bad, err := a.loyalty.CheckLedger(ctx)
	if err != nil || len(bad) > 0 {
		t.Errorf("ledger: %v %v", err, bad)
	}
	err = run(ctx, []string{"simulate", "populate", "--members", "10", "--days", "7"}, getenv, io.Discard, io.Discard)
	var u usageError
	if !errors.As(err, &u) || !strings.Contains(err.Error(), "already has") {
		t.Errorf("second populate = %v, want refused", err)
	}
}
