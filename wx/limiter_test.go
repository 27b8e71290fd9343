package wx

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestLimiterBucketPerAPI(t *testing.T) {
	l := newLimiter()
	// No 60-second window may exceed WeCom's 10,000 calls.
	if perMin := float64(l.perSec)*60 + float64(l.burst); perMin > wecomCallsPerMinute {
		t.Fatalf("limiter allows %.0f calls/min, more than %d", perMin, wecomCallsPerMinute)
	}
	// Behaviour, on a slow limiter: a burst passes, then a wait that cannot
	// fit in the deadline fails at once, while another API has its own bucket.
	l.perSec, l.burst = 0.01, 3
	ctx := context.Background()
	for range 3 {
		if err := l.wait(ctx, "/a"); err != nil {
			t.Fatal(err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := l.wait(short, "/a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("wait on an empty bucket: %v, want DeadlineExceeded", err)
	}
	// Refused up front, not by waiting the deadline out: the context is
	// still live when the error comes back.
	if short.Err() != nil {
		t.Errorf("hopeless wait ran into its deadline (%v), want an immediate error", short.Err())
	}
	if err := l.wait(short, "/b"); err != nil {
		t.Errorf("other API throttled: %v", err)
	}
}

func TestMarkTagSemaphore(t *testing.T) {
	l := newLimiter()
	ctx := context.Background()
	for range markTagConcurrency {
		if err := l.acquireMarkTag(ctx); err != nil {
			t.Fatal(err)
		}
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := l.acquireMarkTag(short); err == nil {
		t.Fatal("sixth acquire succeeded")
	}
	l.releaseMarkTag()
	if err := l.acquireMarkTag(ctx); err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
}
