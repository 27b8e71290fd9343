package wx

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/time/rate"
)

// WeCom limits per corp and API, from its documentation.
const (
	// wecomCallsPerMinute is WeCom's per-API frequency limit.
	wecomCallsPerMinute = 10000
	// wecomBurst lets short bursts through; the steady rate is lowered by the
	// same amount so that no 60-second window can exceed the limit
	// (burst + rate*60 == wecomCallsPerMinute).
	wecomBurst = 100
	// markTagConcurrency is how many mark_tag calls WeCom takes at once
	// before answering 45033.
	markTagConcurrency = 5
)

// limiter throttles one Client's WeCom calls: a token bucket per API path and
// a semaphore for mark_tag. It is per process; several instances share the
// corp's quota, so keep a margin or lower the rate when running many.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	perSec  rate.Limit
	burst   int
	markTag chan struct{}
}

func newLimiter() *limiter {
	return &limiter{
		buckets: map[string]*rate.Limiter{},
		perSec:  rate.Limit(float64(wecomCallsPerMinute-wecomBurst) / 60),
		burst:   wecomBurst,
		markTag: make(chan struct{}, markTagConcurrency),
	}
}

// wait blocks until api may be called. It returns ctx's error, or
// context.DeadlineExceeded at once when the wait would outlast ctx's deadline,
// so callers see (and Retryable treats) both alike.
func (l *limiter) wait(ctx context.Context, api string) error {
	l.mu.Lock()
	b, ok := l.buckets[api]
	if !ok {
		b = rate.NewLimiter(l.perSec, l.burst)
		l.buckets[api] = b
	}
	l.mu.Unlock()
	if err := b.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: rate limit wait would pass the deadline", context.DeadlineExceeded)
	}
	return nil
}

// acquireMarkTag takes one of the mark_tag slots, or returns ctx's error.
// The caller must call releaseMarkTag after a nil return.
func (l *limiter) acquireMarkTag(ctx context.Context) error {
	select {
	case l.markTag <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *limiter) releaseMarkTag() { <-l.markTag }

// ctxMutex is a mutex whose Lock gives up when the context ends, for the
// get-or-create sections (tags, tickets) that make HTTP calls while held.
type ctxMutex chan struct{}

func newCtxMutex() ctxMutex { return make(ctxMutex, 1) }

func (m ctxMutex) lock(ctx context.Context) error {
	select {
	case m <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m ctxMutex) unlock() { <-m }
