package wx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// realRedisCache is a RedisCache on the server in TEST_REDIS_URL under a
// prefix of the test's own, or nil when it is unset. A set URL whose server
// does not answer fails the test. The prefix's keys go when the test ends.
func realRedisCache(t *testing.T) *RedisCache {
	t.Helper()
	raw := os.Getenv("TEST_REDIS_URL")
	if raw == "" {
		return nil
	}
	opt, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("TEST_REDIS_URL: %v", err)
	}
	rdb := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("TEST_REDIS_URL is set but Redis does not answer: %v", errors.Join(err, rdb.Close()))
	}
	prefix := fmt.Sprintf("siyutest_wx_%d_%d:", os.Getpid(), time.Now().UnixNano())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		iter := rdb.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			rdb.Del(ctx, iter.Val())
		}
		if err := errors.Join(iter.Err(), rdb.Close()); err != nil {
			t.Errorf("clean up the test keys: %v", err)
		}
	})
	return NewRedisCache(rdb, prefix)
}

// testStores are the stores under test: the memory store, a RedisCache on
// miniredis, and one on the real Redis when TEST_REDIS_URL is set (so the
// compare-and-delete script runs on the server production uses).
func testStores(t *testing.T) (map[string]store, *miniredis.Miniredis) {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() {
		if err := rdb.Close(); err != nil {
			t.Error(err)
		}
	})
	stores := map[string]store{
		"miniredis": NewRedisCache(rdb, "test:"),
		"memory":    newMemoryStore(),
	}
	if rc := realRedisCache(t); rc != nil {
		stores["redis"] = rc
	}
	return stores, mr
}

// All stores behave the same for what silenceper and the Client use.
func TestStores(t *testing.T) {
	stores, mr := testStores(t)
	ctx := context.Background()
	for name, s := range stores {
		t.Run(name, func(t *testing.T) {
			if v := s.Get("missing"); v != nil {
				t.Errorf("Get(missing) = %v, want nil", v)
			}
			if err := s.Set("tok", "abc", time.Minute); err != nil {
				t.Fatal(err)
			}
			// silenceper asserts val.(string).
			if v, ok := s.Get("tok").(string); !ok || v != "abc" {
				t.Errorf("Get(tok) = %#v, want string abc", s.Get("tok"))
			}
			if !s.IsExist("tok") {
				t.Error("IsExist(tok) = false")
			}

			// DeleteIfEqual keeps a token someone else refreshed meanwhile.
			if err := s.DeleteIfEqual(ctx, "tok", "old"); err != nil {
				t.Fatal(err)
			}
			if getString(ctx, s, "tok") != "abc" {
				t.Error("DeleteIfEqual removed a different value")
			}
			if err := s.DeleteIfEqual(ctx, "tok", "abc"); err != nil {
				t.Fatal(err)
			}
			if s.IsExist("tok") {
				t.Error("DeleteIfEqual kept the matching value")
			}
			if err := s.DeleteIfEqual(ctx, "never", "x"); err != nil {
				t.Errorf("DeleteIfEqual(missing) = %v", err)
			}

			// A lifetime <= 0 is never stored.
			if err := s.Set("short", "x", -time.Second); err != nil {
				t.Fatal(err)
			}
			if s.Get("short") != nil {
				t.Error("value with negative timeout was stored")
			}

			if err := s.Set("gone", "x", time.Minute); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete("gone"); err != nil || s.IsExist("gone") {
				t.Errorf("Delete: %v, exists %v", err, s.IsExist("gone"))
			}
		})
	}

	// Keys live under the prefix with the given TTL; non-strings are JSON.
	rc := stores["miniredis"]
	if err := rc.Set("n", map[string]int{"a": 1}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, _ := mr.Get("test:n"); got != `{"a":1}` {
		t.Errorf("stored %q", got)
	}
	if ttl := mr.TTL("test:n"); ttl != time.Hour {
		t.Errorf("TTL = %v", ttl)
	}
}

func TestRedisCacheMissOnRedisFailure(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() {
		if err := rdb.Close(); err != nil {
			t.Error(err)
		}
	})
	c := NewRedisCache(rdb, "p:")
	mr.Close()
	if v := c.Get("k"); v != nil {
		t.Errorf("Get with Redis down = %v, want nil", v)
	}
	if c.IsExist("k") {
		t.Error("IsExist with Redis down = true")
	}
}

// TestStoresConcurrentUse: under concurrent use every goroutine reads back
// what it wrote to its own key, and a compare-and-delete of a stale token
// racing fresh writes never removes the fresh one.
func TestStoresConcurrentUse(t *testing.T) {
	stores, _ := testStores(t)
	ctx := context.Background()
	for name, s := range stores {
		t.Run(name, func(t *testing.T) {
			if err := s.Set("shared", "fresh-0", time.Minute); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for i := range 8 {
				wg.Go(func() {
					own := fmt.Sprintf("own-%d", i)
					for j := range 100 {
						want := fmt.Sprintf("%d-%d", i, j)
						if err := s.Set(own, want, time.Minute); err != nil {
							t.Error(err)
							return
						}
						if got := getString(ctx, s, own); got != want {
							t.Errorf("%s = %q right after setting %q", own, got, want)
							return
						}
						if i%2 == 0 {
							err := s.Set("shared", fmt.Sprintf("fresh-%d-%d", i, j), time.Minute)
							if err != nil {
								t.Error(err)
								return
							}
						} else if err := s.DeleteIfEqual(ctx, "shared", "stale"); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			if got := getString(ctx, s, "shared"); !strings.HasPrefix(got, "fresh-") {
				t.Errorf("shared = %q after stale deletes raced fresh writes, want a fresh token", got)
			}
			for i := range 8 {
				if got, want := getString(ctx, s, fmt.Sprintf("own-%d", i)), fmt.Sprintf("%d-99", i); got != want {
					t.Errorf("own-%d = %q, want the last write %q", i, got, want)
				}
			}
		})
	}
}
