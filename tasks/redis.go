// Package tasks holds Siyu's background work on Asynq: task types and
// payloads, their handlers, the worker mux, the schedules, and the Redis
// connection they share with the rest of Siyu (dedupe, shared tokens).
package tasks

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/alicebob/miniredis/v2"
	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
)

// Redis is the connection Siyu uses for its queue and its own keys.
type Redis struct {
	Client   redis.UniversalClient
	ConnOpt  asynq.RedisConnOpt
	Embedded bool
	Addr     string
	mini     *miniredis.Miniredis
}

// OpenRedis connects to rawURL: redis://host:port/db, rediss://…, or a
// comma-separated host:port list for Redis Cluster. An empty rawURL starts
// an in-process Redis-compatible server (miniredis) that keeps nothing
// across restarts.
func OpenRedis(rawURL string) (*Redis, error) {
	if rawURL == "" {
		m, err := miniredis.Run()
		if err != nil {
			return nil, fmt.Errorf("start embedded Redis: %w", err)
		}
		opt := asynq.RedisClientOpt{Addr: m.Addr()}
		return &Redis{Client: redis.NewClient(&redis.Options{Addr: m.Addr()}), ConnOpt: opt, Embedded: true, Addr: m.Addr(), mini: m}, nil
	}
	if strings.HasPrefix(rawURL, "redis://") || strings.HasPrefix(rawURL, "rediss://") {
		ro, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("SIYU_REDIS_URL: %w", err)
		}
		connOpt, err := asynq.ParseRedisURI(rawURL)
		if err != nil {
			// asynq does not parse every form go-redis does; build it by hand.
			connOpt = asynq.RedisClientOpt{Addr: ro.Addr, Username: ro.Username, Password: ro.Password, DB: ro.DB, TLSConfig: ro.TLSConfig}
		}
		return &Redis{Client: redis.NewClient(ro), ConnOpt: connOpt, Addr: ro.Addr + "/" + strconv.Itoa(ro.DB)}, nil
	}
	var addrs []string
	for _, a := range strings.Split(rawURL, ",") {
		addrs = append(addrs, strings.TrimSpace(a))
	}
	return &Redis{
		Client:  redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs}),
		ConnOpt: asynq.RedisClusterClientOpt{Addrs: addrs},
		Addr:    strings.Join(addrs, ","),
	}, nil
}

// Close closes the client and stops the embedded server, if any.
func (r *Redis) Close() error {
	err := r.Client.Close()
	if r.mini != nil {
		r.mini.Close()
	}
	return err
}

// redact hides a password in a Redis URL for logs.
func Redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
