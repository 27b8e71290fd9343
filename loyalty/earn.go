package loyalty

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/store"
)

// errAlreadyPosted rolls back a transaction whose idempotency key turned
// out to be used (after it took from a cap, say); the caller then answers
// with what the first posting did.
var errAlreadyPosted = errors.New("idempotency key already used")

// Earned is what an earning event credited.
type Earned struct {
	Applied bool // false: the event was credited before; the fields say what it earned then
	Points  int64
	Growth  int64
	Capped  bool // the channel's cap cut the points
	Balance int64
	EntryID int64
	LevelUp *LevelUp
}

// earnOnce credits one event of channel to the member, once per key: the
// rule's points and growth, cut by the channel's cap, with any level upgrade. A disabled rule credits
// nothing and records nothing. Errors: ErrMemberNotFound, or ECONFLICT
// when key was used for another member.
func (s *Service) earnOnce(ctx context.Context, memberID int64, channel, key, note string) (Earned, error) {
	r, err := s.rule(ctx, channel)
	if err != nil || !r.Enabled {
		return Earned{}, err
	}
	var out Earned
	err = s.st.Tx(ctx, func(tx *gorm.DB) error {
		m, err := store.LockMember(tx, memberID)
		if err != nil {
			return err
		}
		g, err := s.applyCap(tx, m.ID, r, r.Points, r.Growth)
		if err != nil {
			return err
		}
		if g.Capped {
			note += "（已达上限）"
		}
		p, err := s.post(tx, &m, Entry{MemberID: m.ID, Delta: g.Points, Growth: g.Growth, Kind: channel, IdemKey: key, Note: note}, nil)
		if err != nil {
			return err
		} else if !p.Applied {
			return errAlreadyPosted
		}
		out = Earned{Applied: true, Points: g.Points, Growth: g.Growth, Capped: g.Capped, Balance: m.Points, EntryID: p.Entry.ID, LevelUp: p.LevelUp}
		if channel == model.ChannelReferral && g.Points+g.Growth > 0 {
			return outbox.Record(tx, outbox.Event{Kind: outbox.KindReferralCredited, Payload: outbox.Credit{MemberID: m.ID, EntryID: p.Entry.ID}})
		}
		return nil
	})
	if errors.Is(err, errAlreadyPosted) {
		return s.replayEarned(ctx, memberID, key)
	}
	return out, err
}

// replayEarned answers a repeated event with what its entry credited.
func (s *Service) replayEarned(ctx context.Context, memberID int64, key string) (Earned, error) {
	var e model.PointsEntry
	if err := s.db.WithContext(ctx).Where("idem_key = ?", key).Take(&e).Error; err != nil {
		return Earned{}, err
	}
	if e.MemberID != memberID {
		return Earned{}, model.Errorf(model.ECONFLICT, "%s was already credited to member %d", key, e.MemberID)
	}
	bal, err := s.Balance(ctx, memberID)
	return Earned{Points: e.Delta, Growth: e.GrowthDelta, Balance: bal, EntryID: e.ID}, err
}

// EarnFollow credits the first-follow bonus, once per member ever (a
// re-follow earns nothing). Errors: ErrMemberNotFound.
func (s *Service) EarnFollow(ctx context.Context, memberID int64) (Earned, error) {
	return s.earnOnce(ctx, memberID, model.ChannelFollow, fmt.Sprintf("follow:%d", memberID), "首次关注")
}

// InviteScene is the member's personal invite scene: whoever first follows
// through its QR code credits the member with the referral bonus.
func InviteScene(memberID int64) string { return fmt.Sprintf("ref_%d", memberID) }

// ParseInviteScene returns the inviter behind an invite scene.
func ParseInviteScene(scene string) (int64, bool) {
	var id int64
	if _, err := fmt.Sscanf(scene, "ref_%d", &id); err != nil || id <= 0 || InviteScene(id) != scene {
		return 0, false
	}
	return id, true
}

// CreditReferral credits inviterID for bringing inviteeID, once per
// invitee ever (key referral:<invitee>): the caller calls it only for a
// person's first follow. A self-invite credits nothing. Errors:
// ErrMemberNotFound for an unknown inviter.
func (s *Service) CreditReferral(ctx context.Context, inviterID, inviteeID int64) (Earned, error) {
	if inviterID == inviteeID || inviterID <= 0 || inviteeID <= 0 {
		return Earned{}, nil
	}
	// The inviter must have been a member before the invitee: a code made
	// up for a member id that did not exist yet credits nothing.
	if inviterID > inviteeID {
		return Earned{}, nil
	}
	return s.earnOnce(ctx, inviterID, model.ChannelReferral, fmt.Sprintf("referral:%d", inviteeID), fmt.Sprintf("邀请好友（会员 %d）", inviteeID))
}

// Interaction is an interaction event posted by an HQ system.
type Interaction struct {
	EventID  string // unique per event; a repeat credits nothing
	Type     string // model.ChannelShare, ChannelReview, ChannelSurvey
	MemberID int64
}

// RecordInteraction credits an interaction event, once per event id.
// Errors: EINVALID, ErrMemberNotFound, ECONFLICT when the event id was
// used for another member.
func (s *Service) RecordInteraction(ctx context.Context, ev Interaction) (Earned, error) {
	if !model.ValidOrderNo(ev.EventID) {
		return Earned{}, model.Errorf(model.EINVALID, "event_id %q: want 1-64 letters, digits or _-.:#/", ev.EventID)
	}
	ok := false
	for _, c := range model.InteractionChannels {
		ok = ok || c == ev.Type
	}
	if !ok {
		return Earned{}, model.Errorf(model.EINVALID, "type %q: want one of %v", ev.Type, model.InteractionChannels)
	}
	notes := map[string]string{model.ChannelShare: "分享", model.ChannelReview: "评价", model.ChannelSurvey: "问卷"}
	return s.earnOnce(ctx, ev.MemberID, ev.Type, "event:"+ev.EventID, notes[ev.Type])
}

// BirthdayCredit is one birthday bonus credited.
type BirthdayCredit struct {
	MemberID int64
	Earned   Earned
}

// CreditBirthdays credits the birthday bonus to every member whose birthday
// is the business day of day (members born on 29 February get it on 28
// February in other years), once per member and year. It returns the new
// credits, not those of an earlier run.
// Errors: the database's.
func (s *Service) CreditBirthdays(ctx context.Context, day time.Time) ([]BirthdayCredit, error) {
	d := day.In(s.loc)
	days := []string{d.Format("01-02")}
	if d.Month() == time.February && d.Day() == 28 && time.Date(d.Year(), 2, 29, 0, 0, 0, 0, s.loc).Month() != time.February {
		days = append(days, "02-29")
	}
	var out []BirthdayCredit
	var after int64
	for {
		var ids []int64
		err := s.db.WithContext(ctx).Model(&model.Member{}).Where("birthday IN ? AND id > ? AND merged_into IS NULL", days, after).
			Order("id").Limit(500).Pluck("id", &ids).Error
		if err != nil || len(ids) == 0 {
			return out, err
		}
		for _, id := range ids {
			e, err := s.earnOnce(ctx, id, model.ChannelBirthday, fmt.Sprintf("birthday:%d:%d", id, d.Year()), "生日礼")
			if err != nil {
				return out, fmt.Errorf("birthday bonus of member %d: %w", id, err)
			}
			if e.Applied && e.Points+e.Growth > 0 {
				out = append(out, BirthdayCredit{MemberID: id, Earned: e})
			}
			after = id
		}
	}
}

// SetBirthday records the member's birthday as MM-DD. Errors: EINVALID,
// ErrMemberNotFound.
func (s *Service) SetBirthday(ctx context.Context, memberID int64, birthday string) error {
	if len(birthday) == len("2006-01-02") {
		birthday = birthday[5:]
	}
	if !model.ValidBirthday(birthday) {
		return model.Errorf(model.EINVALID, "birthday %q: want MM-DD or YYYY-MM-DD", birthday)
	}
	if _, err := s.Balance(ctx, memberID); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Model(&model.Member{}).Where("id = ?", memberID).Update("birthday", birthday).Error
}

// Adjustment is an HQ correction of a member's points.
type Adjustment struct {
	MemberID  int64
	Delta     int64
	Reason    string
	RequestID string
}

// AdjustPoints applies an HQ adjustment once per request id (key
// adjust:<request id>). A debit beyond the balance fails. Errors:
// EINVALID, ErrMemberNotFound, ErrInsufficientPoints, ECONFLICT when the
// request id was used for another member.
func (s *Service) AdjustPoints(ctx context.Context, a Adjustment) (Earned, error) {
	if !model.ValidOrderNo(a.RequestID) {
		return Earned{}, model.Errorf(model.EINVALID, "request_id %q: want 1-64 letters, digits or _-.:#/", a.RequestID)
	}
	if a.Delta == 0 || a.Delta > 10_000_000 || a.Delta < -10_000_000 {
		return Earned{}, model.Errorf(model.EINVALID, "delta %d: want a non-zero number within ±10000000", a.Delta)
	}
	if n := len([]rune(a.Reason)); n == 0 || n > 100 {
		return Earned{}, model.Errorf(model.EINVALID, "reason: want 1-100 characters")
	}
	key := "adjust:" + a.RequestID
	var out Earned
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		m, err := store.LockMember(tx, a.MemberID)
		if err != nil {
			return err
		}
		p, err := s.post(tx, &m, Entry{MemberID: m.ID, Delta: a.Delta, Kind: model.PointsAdjust, IdemKey: key, Note: a.Reason}, nil)
		if err != nil {
			return err
		} else if !p.Applied {
			return errAlreadyPosted
		}
		out = Earned{Applied: true, Points: a.Delta, Balance: m.Points, EntryID: p.Entry.ID}
		return nil
	})
	if errors.Is(err, errAlreadyPosted) {
		return s.replayEarned(ctx, a.MemberID, key)
	}
	return out, err
}
