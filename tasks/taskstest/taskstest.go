// Package taskstest gives tests a Redis: the server in TEST_REDIS_URL when
// it is set (CI), else an in-process miniredis. Keys and queues get a
// prefix unique to the test, so packages testing in parallel on one Redis
// never see each other's tasks.
package taskstest

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siyu/siyu/tasks"
)

var seq atomic.Int64

// NewRedis returns a connection and a prefix unique to t; both are cleaned
// up when t ends. A set TEST_REDIS_URL whose server does not answer fails
// the test: it never skips.
func NewRedis(t testing.TB) (*tasks.Redis, string) {
	t.Helper()
	url := os.Getenv("TEST_REDIS_URL")
	r, err := tasks.OpenRedis(url)
	if err != nil {
		t.Fatalf("TEST_REDIS_URL: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.Client.Ping(ctx).Err(); err != nil {
		_ = r.Close() // the test fails on the ping error below
		t.Fatalf("TEST_REDIS_URL is set but Redis does not answer: %v", err)
	}
	prefix := fmt.Sprintf("siyutest%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, seq.Add(1))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, pattern := range []string{prefix + ":*", "asynq:{" + prefix + ":*"} {
			iter := r.Client.Scan(ctx, 0, pattern, 500).Iterator()
			for iter.Next(ctx) {
				if err := r.Client.Del(ctx, iter.Val()).Err(); err != nil {
					t.Errorf("clean up test keys: %v", err)
				}
			}
			if err := iter.Err(); err != nil {
				t.Errorf("clean up test keys: %v", err)
			}
		}
		if err := r.Close(); err != nil {
			t.Errorf("close test Redis: %v", err)
		}
	})
	return r, prefix
}

// UsingRedis reports whether tests run against a real Redis.
func UsingRedis() bool { return os.Getenv("TEST_REDIS_URL") != "" }
