package model

import (
	"crypto/sha256"
	"encoding/hex"
)

// LogID returns a short, stable hash of a platform id (openid,
// external_userid, unionid) for logs above debug level: lines about one
// person can still be correlated, but the id itself is not written in
// clear.
func LogID(id string) string {
	if id == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(id))
	return "h:" + hex.EncodeToString(sum[:6])
}
