// Package operators holds HQ accounts: operators and their roles,
// passwords, API keys, console sessions, login throttling and the audit log
// of what they change. Sessions and login failures live in Redis so every
// instance agrees; accounts, keys and the audit log in the database.
package operators

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

// Service manages operators, keys, sessions and the audit log.
type Service struct {
	db     *gorm.DB
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
	cost   int

	// SessionTTL is how long a console session lasts without logging in again.
	SessionTTL time.Duration
	// MaxFailures failed logins for one username from one address within
	// FailureWindow lock that pair out for FailureWindow.
	MaxFailures   int64
	FailureWindow time.Duration
	// MaxAddressFailures failed logins from one address (any username)
	// within FailureWindow lock the address out.
	MaxAddressFailures int64
}

// Options configure New.
type Options struct {
	Redis  redis.UniversalClient
	Prefix string           // Redis key prefix
	Now    func() time.Time // nil: time.Now
	// BcryptCost is the password hashing cost; 0 is bcrypt's default.
	BcryptCost int
}

// New returns the service on db and the Redis in o.
func New(db *gorm.DB, o Options) *Service {
	s := &Service{db: db, rdb: o.Redis, prefix: o.Prefix, now: o.Now, cost: o.BcryptCost,
		SessionTTL: 12 * time.Hour, MaxFailures: 5, FailureWindow: 15 * time.Minute, MaxAddressFailures: 50}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// randomHex returns n random bytes as hex.
func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// sha returns the hex SHA-256 of s: how keys and session tokens are stored.
func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// key returns a Redis key under the service's prefix.
func (s *Service) key(parts ...string) string {
	k := s.prefix + ":op"
	for _, p := range parts {
		k += ":" + p
	}
	return k
}

func (s *Service) tx(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return s.db.WithContext(ctx).Transaction(fn)
}
