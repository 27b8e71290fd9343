package handler

import (
	"strings"
	"testing"
	"time"
)

func TestSessions(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	s := NewSessions("a-secret-of-enough-length", time.Hour, func() time.Time { return now })
	v, _ := s.Issue("g_sh001_01")
	if sess, ok := s.Verify(v); !ok || sess.UserID != "g_sh001_01" {
		t.Fatalf("Verify(issued) = %+v, %v", sess, ok)
	}
	payload, sig, _ := strings.Cut(v, ".")
	flip := map[byte]byte{'A': 'B'}
	b := []byte(payload)
	if f, ok := flip[b[0]]; ok {
		b[0] = f
	} else {
		b[0] = 'A'
	}
	forged := string(b) + "." + sig
	other := NewSessions("another-secret-of-length", time.Hour, func() time.Time { return now })
	ov, _ := other.Issue("g_sh001_01")
	for name, bad := range map[string]string{
		"tampered payload": forged, "no signature": payload, "other secret": ov, "garbage": "x.y", "empty": "",
	} {
		if _, ok := s.Verify(bad); ok {
			t.Errorf("%s accepted", name)
		}
	}
	now = now.Add(time.Hour)
	if _, ok := s.Verify(v); ok {
		t.Error("expired session accepted")
	}
}
