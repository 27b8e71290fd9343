package handler

import (
	"context"
	"errors"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
)

// The database keeps a callback's reply when the Redis reply cache could
// not (Redis down when the delivery came, or when its reply was stored), so
// a retried delivery still gets the first reply, not a second run's. The
// effect itself is guarded by the ledger's idempotency keys either way.

// dbReply returns the reply kept in the database for a delivery, if any.
func (s *Server) dbReply(ctx context.Context, key string) (string, bool) {
	var r model.CallbackReply
	err := s.db.WithContext(ctx).Take(&r, "`key` = ?", hashOf(key)).Error
	if err != nil {
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			logReplyStore(s, "read", err)
		}
		return "", false
	}
	return r.Reply, true
}

// keepReply stores a delivery's reply in the database and returns the reply
// to send: the first one kept, when a concurrent delivery got there first.
func (s *Server) keepReply(ctx context.Context, key, reply string) string {
	row := model.CallbackReply{Key: hashOf(key), Reply: reply, CreatedAt: s.now().UTC()}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
	if res.Error != nil {
		logReplyStore(s, "write", res.Error)
		return reply
	}
	if res.RowsAffected == 0 {
		if first, ok := s.dbReply(ctx, key); ok {
			return first
		}
	}
	return reply
}

func logReplyStore(s *Server, op string, err error) {
	s.log.Warn("callback reply store: "+op, "err", err)
}
