// Package intake records what HQ systems post about members — paid orders
// and interaction or behaviour events — each in one call: it resolves the
// member named by member_id, unionid, openid or external_userid, records
// the fact through loyalty or segments. Follow-ups (a level-up notice) are
// outbox events recorded by loyalty in the change's own transaction.
package intake

import (
	"log/slog"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/segments"
)

// Service records orders and events posted by HQ systems.
type Service struct {
	members  *members.Service
	loyalty  *loyalty.Service
	segments *segments.Service
	log      *slog.Logger
}

// New returns a Service. log may be nil (slog.Default).
func New(m *members.Service, l *loyalty.Service, seg *segments.Service, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{members: m, loyalty: l, segments: seg, log: log}
}
