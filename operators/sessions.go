package operators

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// Session is a signed-in console session.
type Session struct {
	Token    string // the cookie value; only its SHA-256 is stored
	CSRF     string // must come back as X-CSRF-Token on writes
	Operator model.Operator
}

// dummyHash is compared against when the username is unknown, so an
// unknown user and a wrong password take the same time.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("siyu-no-such-operator"), bcrypt.DefaultCost)

// Login checks username and password from a.Address and opens a session.
// Every attempt is audited. Errors: ErrTooManyLogins while the username is
// locked out for that address (or the address for every username),
// ErrBadCredentials for an unknown user, a wrong password or a disabled
// account alike.
func (s *Service) Login(ctx context.Context, username, password string, a Actor) (Session, error) {
	username = strings.TrimSpace(username)
	a.Username = username
	if locked, err := s.lockedOut(ctx, username, a.Address); err != nil {
		return Session{}, err
	} else if locked {
		if err := s.Record(ctx, nil, a, Entry{Action: "auth.login", Target: "operator:" + username, Change: map[string]any{"reason": "locked"}, Result: 429}); err != nil {
			return Session{}, err
		}
		return Session{}, model.ErrTooManyLogins
	}
	op, err := s.FindOperator(ctx, username)
	hash := dummyHash
	if err == nil {
		hash = []byte(op.PasswordHash)
	} else if !errors.Is(err, model.ErrOperatorNotFound) {
		return Session{}, err
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || err != nil || op.Disabled {
		a.OperatorID, a.Role = op.ID, op.Role
		if err := s.Record(ctx, nil, a, Entry{Action: "auth.login_failed", Target: "operator:" + username, Result: 401}); err != nil {
			return Session{}, err
		}
		return Session{}, s.countFailure(ctx, username, a.Address)
	}
	s.rdb.Del(ctx, s.failKey(username, a.Address))
	return s.openSession(ctx, op, a, "auth.login")
}

// LoginWeCom opens a session for the enabled operator whose WeCom userid
// is userID (from a scanned WeCom login QR code), and audits it. Errors:
// ErrBadCredentials for a userid no enabled operator has.
func (s *Service) LoginWeCom(ctx context.Context, userID string, a Actor) (Session, error) {
	var op model.Operator
	err := s.db.WithContext(ctx).Where("wecom_user_id = ?", userID).Take(&op).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && op.Disabled) {
		a.Username = "wecom:" + userID
		if err := s.Record(ctx, nil, a, Entry{Action: "auth.login_failed", Target: "wecom:" + userID, Change: map[string]any{"via": "wecom"}, Result: 401}); err != nil {
			return Session{}, err
		}
		return Session{}, model.Errorf(model.EUNAUTHORIZED, "企业微信账号 %s 未绑定总部账号，请联系管理员", userID)
	} else if err != nil {
		return Session{}, err
	}
	a.Username = op.Username
	return s.openSession(ctx, op, a, "auth.login_wecom")
}

// openSession stores a new session for op and records action.
func (s *Service) openSession(ctx context.Context, op model.Operator, a Actor, action string) (Session, error) {
	sess := Session{Token: randomHex(32), CSRF: randomHex(16), Operator: op}
	if err := s.rdb.Set(ctx, s.key("sess", sha(sess.Token)), strconv.FormatInt(op.ID, 10)+":"+sess.CSRF, s.SessionTTL).Err(); err != nil {
		return Session{}, err
	}
	s.rdb.SAdd(ctx, s.key("sessions", strconv.FormatInt(op.ID, 10)), sha(sess.Token))
	s.rdb.Expire(ctx, s.key("sessions", strconv.FormatInt(op.ID, 10)), s.SessionTTL)
	now := s.now().UTC()
	a.OperatorID, a.Role = op.ID, op.Role
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Model(&op).Update("last_login_at", now).Error; err != nil {
			return err
		}
		return s.Record(ctx, tx, a, Entry{Action: action, Target: target(op), Result: 200})
	})
	sess.Operator.LastLoginAt = &now
	return sess, err
}

// failKey counts failures of username from addr.
func (s *Service) failKey(username, addr string) string {
	return s.key("fail", strings.ToLower(username), addr)
}

func (s *Service) lockedOut(ctx context.Context, username, addr string) (bool, error) {
	// One key per call: on Redis Cluster the keys live in different slots.
	for _, k := range []string{s.key("lock", strings.ToLower(username), addr), s.key("lockaddr", addr)} {
		if n, err := s.rdb.Exists(ctx, k).Result(); err != nil || n > 0 {
			return n > 0, err
		}
	}
	return false, nil
}

// countFailure counts a failed login and locks the pair (or the address)
// out once it reaches its limit. It returns the error to answer.
func (s *Service) countFailure(ctx context.Context, username, addr string) error {
	pipe := s.rdb.Pipeline() // not MULTI: the keys may live on different cluster nodes
	user := pipe.Incr(ctx, s.failKey(username, addr))
	pipe.ExpireNX(ctx, s.failKey(username, addr), s.FailureWindow)
	all := pipe.Incr(ctx, s.key("failaddr", addr))
	pipe.ExpireNX(ctx, s.key("failaddr", addr), s.FailureWindow)
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}
	if user.Val() >= s.MaxFailures {
		s.rdb.Set(ctx, s.key("lock", strings.ToLower(username), addr), 1, s.FailureWindow)
		s.rdb.Del(ctx, s.failKey(username, addr))
	}
	if all.Val() >= s.MaxAddressFailures {
		s.rdb.Set(ctx, s.key("lockaddr", addr), 1, s.FailureWindow)
	}
	return model.ErrBadCredentials
}

// SessionByToken returns the session whose cookie is token, with its
// operator freshly read (a disabled or deleted operator has none). Errors:
// ErrBadCredentials.
func (s *Service) SessionByToken(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, model.ErrBadCredentials
	}
	v, err := s.rdb.Get(ctx, s.key("sess", sha(token))).Result()
	if errors.Is(err, redis.Nil) {
		return Session{}, model.ErrBadCredentials
	} else if err != nil {
		return Session{}, err
	}
	idStr, csrf, _ := strings.Cut(v, ":")
	id, _ := strconv.ParseInt(idStr, 10, 64)
	op, err := s.GetOperator(ctx, id)
	if errors.Is(err, model.ErrOperatorNotFound) || (err == nil && op.Disabled) {
		return Session{}, model.ErrBadCredentials
	} else if err != nil {
		return Session{}, err
	}
	return Session{Token: token, CSRF: csrf, Operator: op}, nil
}

// Logout ends the session of token and records it. Errors: Redis's.
func (s *Service) Logout(ctx context.Context, token string, a Actor) error {
	if err := s.rdb.Del(ctx, s.key("sess", sha(token))).Err(); err != nil {
		return err
	}
	return s.Record(ctx, nil, a, Entry{Action: "auth.logout", Target: "operator:" + a.Username, Result: 200})
}

// EndSessions ends every session of operator id. Errors: Redis's.
func (s *Service) EndSessions(ctx context.Context, id int64) error {
	set := s.key("sessions", strconv.FormatInt(id, 10))
	hashes, err := s.rdb.SMembers(ctx, set).Result()
	if err != nil {
		return err
	}
	pipe := s.rdb.Pipeline()
	for _, h := range hashes {
		pipe.Del(ctx, s.key("sess", h))
	}
	pipe.Del(ctx, set)
	_, err = pipe.Exec(ctx)
	return err
}
