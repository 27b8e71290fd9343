package effect

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
)

// MaxHoldoutPercent is the largest share of a task's customers HQ may hold
// out: beyond half, the task would mostly not be done.
const MaxHoldoutPercent = 50

// HeldOut reports whether member memberID is in the control group of task
// taskID holding out percent % (0–50). It is a pure function of its
// arguments: the first eight bytes of SHA-256("holdout:<task>:<member>"),
// read as an unsigned integer, scaled to [0, 10000) basis points and
// compared with percent·100. So dispatch, a re-run after a crash and the
// effect report all agree without storing a decision first, and different
// tasks draw independent groups.
func HeldOut(taskID, memberID int64, percent int) bool {
	if percent <= 0 {
		return false
	}
	return Bucket(taskID, memberID) < uint64(percent)*100
}

// Bucket is the member's position in [0, 10000) for task taskID, from the
// hash HeldOut uses.
func Bucket(taskID, memberID int64) uint64 {
	b := make([]byte, 0, 48)
	b = append(b, "holdout:"...)
	b = strconv.AppendInt(b, taskID, 10)
	b = append(b, ':')
	b = strconv.AppendInt(b, memberID, 10)
	sum := sha256.Sum256(b)
	return binary.BigEndian.Uint64(sum[:8]) % 10000
}
