package handler

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siyu/siyu/model"
)

// sameSignature compares a computed signature with the one the caller sent
// in constant time.
func sameSignature(want, got string) bool {
	return subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

// bestEffortRedis bounds a Redis call whose failure lets the callback
// through (replay marks, abuse limits): with Redis down, a callback must
// still answer well inside the platform's 5-second deadline.
const bestEffortRedis = 300 * time.Millisecond

// replayWindow is how long a (timestamp, nonce) pair is remembered: the
// skew window on either side of now, or ten minutes with the check off.
func (s *Server) replayWindow() time.Duration {
	if s.maxSkew > 0 {
		return 2 * s.maxSkew
	}
	return 10 * time.Minute
}

// checkReplay accepts a (timestamp, nonce) pair of platform once per skew
// window: the first delivery binds the pair to its body; the same body
// again (a platform retry, answered from the reply cache) passes, and
// another body under a captured pair is refused with 403. A Redis failure
// lets the callback through: signatures and dedupe still guard it.
func (s *Server) checkReplay(ctx context.Context, platform, timestamp, nonce string, body []byte) error {
	ctx, cancel := context.WithTimeout(ctx, bestEffortRedis)
	defer cancel()
	sum := sha256.Sum256(body)
	digest := hex.EncodeToString(sum[:])
	key := s.replies.prefix + "nonce:" + platform + ":" + timestamp + ":" + nonce
	ok, err := s.rdb.SetNX(ctx, key, digest, s.replayWindow()).Result()
	if err != nil || ok {
		return nil
	}
	first, err := s.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) || err != nil || first == digest {
		return nil
	}
	return model.Errorf(model.EFORBIDDEN, "timestamp and nonce were already used for another message (replay refused)")
}

// requireSafeMode refuses a plaintext Official Account callback when an
// AES key is configured: the plain signature covers only the timestamp and
// nonce, not the body, so one captured triple would let anyone post any
// message as any member. SIYU_WECHAT_ALLOW_PLAIN=1 keeps plaintext mode.
func (s *Server) requireSafeMode(encryptType string) error {
	if s.oaCfg.AESKey == "" || s.AllowPlainOA || encryptType == "aes" {
		return nil
	}
	return model.Errorf(model.EFORBIDDEN, "plaintext callback refused: safe mode is configured (SIYU_WECHAT_AES_KEY); send encrypt_type=aes with msg_signature, or set SIYU_WECHAT_ALLOW_PLAIN=1")
}
