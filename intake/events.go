package intake

import (
	"context"
	"time"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
)

// Event is an interaction (share, review, survey) or behaviour (read,
// click, search, …) event as an HQ system posts it.
type Event struct {
	EventID    string
	Type       string
	OccurredAt time.Time // zero: now
	members.MemberRef
}

// EventResult is what RecordEvent did.
type EventResult struct {
	MemberID int64
	// BehaviorOnly: the type only feeds the activity score; Recorded says
	// whether it was new.
	BehaviorOnly bool
	Recorded     bool
	// Earned is the interaction's credit (when not BehaviorOnly).
	Earned loyalty.Earned
}

// behaviorFor maps an interaction channel to the behaviour it also is for
// the activity score.
var behaviorFor = map[string]string{model.ChannelShare: "share", model.ChannelReview: "feedback", model.ChannelSurvey: "feedback"}

// RecordEvent records a posted event once per event id. An interaction is
// credited (loyalty.RecordInteraction, a level-up queues its notice) and
// also counts as behaviour for the activity score; a behaviour-only type
// is recorded for the score alone. Errors: EINVALID, ErrMemberNotFound,
// the database's.
func (s *Service) RecordEvent(ctx context.Context, ev Event) (EventResult, error) {
	var res EventResult
	_, behavior := model.BehaviorKinds[ev.Type]
	res.BehaviorOnly = behavior && behaviorFor[ev.Type] == ""
	member, err := s.members.ResolveMember(ctx, ev.MemberRef)
	if err != nil {
		return res, err
	}
	res.MemberID = member
	if res.BehaviorOnly {
		res.Recorded, err = s.segments.RecordBehavior(ctx, segments.Behavior{EventID: ev.EventID, Kind: ev.Type, MemberID: member, OccurredAt: ev.OccurredAt})
		return res, err
	}
	res.Earned, err = s.loyalty.RecordInteraction(ctx, loyalty.Interaction{EventID: ev.EventID, Type: ev.Type, MemberID: member})
	if err != nil {
		return res, err
	}
	if _, err := s.segments.RecordBehavior(ctx, segments.Behavior{EventID: ev.EventID, Kind: behaviorFor[ev.Type], MemberID: member, OccurredAt: ev.OccurredAt}); err != nil {
		s.log.Warn("record interaction as behaviour", "event_id", ev.EventID, "err", err)
	}
	return res, nil
}
