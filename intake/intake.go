// Package intake records what HQ systems post about members — paid orders
// and interaction or behaviour events — each in one call: it resolves the
// member named by member_id, unionid, openid or external_userid, records
// the fact through loyalty or segments, and queues the follow-up notices
// the change calls for.
package intake

import (
	"context"
	"log/slog"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/tasks"
)

// Service records orders and events posted by HQ systems.
type Service struct {
	members  *members.Service
	loyalty  *loyalty.Service
	segments *segments.Service
	notices  tasks.Notifier
	log      *slog.Logger
}

// New returns a Service. notices may be nil: level-ups are then only
// logged. log may be nil (slog.Default).
func New(m *members.Service, l *loyalty.Service, seg *segments.Service, notices tasks.Notifier, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{members: m, loyalty: l, segments: seg, notices: notices, log: log}
}

// queueLevelUp tells the member about an upgrade a posted fact caused; a
// failure to queue is logged, never the caller's problem.
func (s *Service) queueLevelUp(ctx context.Context, up *loyalty.LevelUp) {
	if up == nil {
		return
	}
	if s.notices == nil {
		s.log.Info("level up; no notifier configured", "member", up.Change.MemberID, "level", up.Change.To)
		return
	}
	if err := s.notices.QueueNotice(ctx, tasks.NoticeLevelUp, up.Change.MemberID, up.Change.ID); err != nil {
		s.log.Warn("level-up notice not queued", "member", up.Change.MemberID, "err", err)
	}
}
