package wx

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/cache"
)

// store is silenceper's cache.Cache (where its credential handles keep access
// tokens) plus the compare-and-delete the Client needs to drop a token the
// platform rejected without deleting a fresher one another instance stored.
// It also holds the package's own tickets and tag ids. Values are strings.
type store interface {
	cache.ContextCache
	// DeleteIfEqual deletes key only while it still holds val.
	DeleteIfEqual(ctx context.Context, key, val string) error
}

// redisOpTimeout bounds a cache operation that silenceper makes without a
// context, so a stalled Redis degrades to a cache miss rather than a hang.
const redisOpTimeout = 2 * time.Second

// RedisCache implements silenceper's cache.Cache on a go-redis v9 client, so
// every instance of the service shares one access token per app instead of
// fetching its own (which would invalidate the others'). silenceper stores
// strings (tokens, tickets); Set stores strings and []byte as they are and
// anything else as JSON, and Get always returns a string, or nil when the key
// is missing or Redis fails (silenceper then fetches a fresh token).
type RedisCache struct {
	rdb    redis.UniversalClient
	prefix string
}

var _ store = (*RedisCache)(nil)

// NewRedisCache returns a cache that keeps its keys under prefix
// (e.g. "siyu:wx:") in rdb.
func NewRedisCache(rdb redis.UniversalClient, prefix string) *RedisCache {
	return &RedisCache{rdb: rdb, prefix: prefix}
}

// Get returns the string stored at key, or nil if missing or on error.
func (c *RedisCache) Get(key string) interface{} {
	ctx, cancel := context.WithTimeout(context.Background(), redisOpTimeout)
	defer cancel()
	return c.GetContext(ctx, key)
}

// GetContext is Get with a caller context.
func (c *RedisCache) GetContext(ctx context.Context, key string) interface{} {
	v, err := c.rdb.Get(ctx, c.prefix+key).Result()
	if err != nil {
		return nil
	}
	return v
}

// Set stores val at key for timeout. A timeout <= 0 (a token whose lifetime is
// shorter than silenceper's safety margin) deletes the key rather than store
// it forever. It returns Redis and JSON encoding errors.
func (c *RedisCache) Set(key string, val interface{}, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), redisOpTimeout)
	defer cancel()
	return c.SetContext(ctx, key, val, timeout)
}

// SetContext is Set with a caller context.
func (c *RedisCache) SetContext(ctx context.Context, key string, val interface{}, timeout time.Duration) error {
	if timeout <= 0 {
		return c.DeleteContext(ctx, key)
	}
	var v interface{}
	switch x := val.(type) {
	case string, []byte:
		v = x
	default:
		b, err := json.Marshal(val)
		if err != nil {
			return err
		}
		v = b
	}
	return c.rdb.Set(ctx, c.prefix+key, v, timeout).Err()
}

// IsExist reports whether key is present; a Redis error reads as absent.
func (c *RedisCache) IsExist(key string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), redisOpTimeout)
	defer cancel()
	return c.IsExistContext(ctx, key)
}

// IsExistContext is IsExist with a caller context.
func (c *RedisCache) IsExistContext(ctx context.Context, key string) bool {
	n, err := c.rdb.Exists(ctx, c.prefix+key).Result()
	return err == nil && n > 0
}

// Delete removes key; it returns Redis errors.
func (c *RedisCache) Delete(key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), redisOpTimeout)
	defer cancel()
	return c.DeleteContext(ctx, key)
}

// DeleteContext is Delete with a caller context.
func (c *RedisCache) DeleteContext(ctx context.Context, key string) error {
	return c.rdb.Del(ctx, c.prefix+key).Err()
}

var deleteIfEqual = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
	return redis.call("DEL", KEYS[1])
end
return 0`)

// DeleteIfEqual atomically deletes key if it still holds val; it returns Redis
// errors.
func (c *RedisCache) DeleteIfEqual(ctx context.Context, key, val string) error {
	err := deleteIfEqual.Run(ctx, c.rdb, []string{c.prefix + key}, val).Err()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	return err
}

// memoryStore is silenceper's in-memory cache made safe for concurrent use
// (its Get reads the map without the lock) and given DeleteIfEqual. It is the
// store when Config.Redis is nil: tokens are then per process.
type memoryStore struct {
	mu  sync.Mutex
	mem *cache.Memory
}

var _ store = (*memoryStore)(nil)

func newMemoryStore() *memoryStore { return &memoryStore{mem: cache.NewMemory()} }

func (m *memoryStore) Get(key string) interface{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mem.Get(key)
}

func (m *memoryStore) Set(key string, val interface{}, timeout time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mem.Set(key, val, timeout)
}

func (m *memoryStore) IsExist(key string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mem.IsExist(key)
}

func (m *memoryStore) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.mem.Delete(key)
}

func (m *memoryStore) GetContext(_ context.Context, key string) interface{} { return m.Get(key) }

func (m *memoryStore) SetContext(_ context.Context, key string, val interface{}, timeout time.Duration) error {
	return m.Set(key, val, timeout)
}

func (m *memoryStore) IsExistContext(_ context.Context, key string) bool { return m.IsExist(key) }

func (m *memoryStore) DeleteContext(_ context.Context, key string) error { return m.Delete(key) }

func (m *memoryStore) DeleteIfEqual(_ context.Context, key, val string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.mem.Get(key).(string); ok && v == val {
		return m.mem.Delete(key)
	}
	return nil
}

// getString reads a string value from the store, "" when missing.
func getString(ctx context.Context, s store, key string) string {
	v, _ := s.GetContext(ctx, key).(string)
	return v
}
