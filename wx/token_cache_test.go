package wx

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// Both stores behave the same for what silenceper and the Client use.
func TestStores(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() {
		if err := rdb.Close(); err != nil {
			t.Error(err)
		}
	})
	stores := map[string]store{
		"redis":  NewRedisCache(rdb, "test:"),
		"memory": newMemoryStore(),
	}
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
	rc := stores["redis"]
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

func TestMemoryStoreConcurrentUse(t *testing.T) {
	s := newMemoryStore()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				_ = s.Set("k", "v", time.Minute)
				_ = s.Get("k")
				if j%50 == i {
					_ = s.Delete("k")
				}
			}
		})
	}
	wg.Wait()
}
