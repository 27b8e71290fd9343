package handler

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// sessionCookie is the name of the guide's signed session cookie.
const sessionCookie = "siyu_guide"

// Session is who a sidebar request comes from.
type Session struct {
	UserID  string `json:"u"`
	Expires int64  `json:"e"` // Unix seconds
}

// Sessions signs and verifies guide sessions: the cookie is
// base64(JSON) "." base64(HMAC-SHA256), so any instance with the same
// secret (SIYU_SESSION_SECRET) accepts it and nothing is stored server-side.
type Sessions struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time
}

// NewSessions returns a signer; an empty secret gets a random one (sessions
// then last until the process restarts).
func NewSessions(secret string, ttl time.Duration, now func() time.Time) *Sessions {
	key := []byte(secret)
	if len(key) == 0 {
		key = make([]byte, 32)
		rand.Read(key)
	}
	if now == nil {
		now = time.Now
	}
	return &Sessions{secret: key, ttl: ttl, now: now}
}

func (s *Sessions) sign(payload string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Issue returns the cookie value for userID, valid for the TTL.
func (s *Sessions) Issue(userID string) (string, time.Time) {
	exp := s.now().Add(s.ttl)
	b, _ := json.Marshal(Session{UserID: userID, Expires: exp.Unix()})
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + s.sign(payload), exp
}

// Verify returns the session in value, or false when it is malformed,
// tampered with or expired.
func (s *Sessions) Verify(value string) (Session, bool) {
	var sess Session
	payload, sig, ok := strings.Cut(value, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.sign(payload))) {
		return sess, false
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || json.Unmarshal(b, &sess) != nil || sess.UserID == "" {
		return sess, false
	}
	if s.now().Unix() >= sess.Expires {
		return sess, false
	}
	return sess, true
}

// setCookie writes the session cookie: HttpOnly, Secure behind HTTPS,
// SameSite=Lax.
func (s *Sessions) setCookie(w http.ResponseWriter, r *http.Request, value string, exp time.Time) {
	secure := r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: value, Path: "/", Expires: exp,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}
