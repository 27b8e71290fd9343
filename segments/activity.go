package segments

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// ActivityWeights are the points one event of each weight class adds to
// the activity score before decay.
type ActivityWeights struct {
	Light, Medium, Core float64
}

// Behavior is one behaviour event an HQ system reports for a member.
type Behavior struct {
	EventID    string    // unique per event; a repeat counts once
	Kind       string    // a key of model.BehaviorKinds
	MemberID   int64     //
	OccurredAt time.Time // zero: now
}

// RecordBehavior stores a behaviour event for the activity score, once per
// event id; created is false for a repeat. Errors: EINVALID for a bad id,
// kind or time, ErrMemberNotFound, ECONFLICT when the id was used for
// another member.
func (s *Service) RecordBehavior(ctx context.Context, b Behavior) (created bool, err error) {
	if !model.ValidOrderNo(b.EventID) {
		return false, model.Errorf(model.EINVALID, "event_id %q: want 1-64 letters, digits or _-.:#/", b.EventID)
	}
	class, ok := model.BehaviorKinds[b.Kind]
	if !ok {
		return false, model.Errorf(model.EINVALID, "type %q: want read, click, search, add_cart, share, order, interaction or feedback", b.Kind)
	}
	now := s.now().UTC()
	at := b.OccurredAt.UTC()
	if b.OccurredAt.IsZero() {
		at = now
	}
	if at.After(now.Add(time.Hour)) || at.Before(now.AddDate(-1, 0, 0)) {
		return false, model.Errorf(model.EINVALID, "occurred_at %s: want within the last year, not in the future", at.Format(time.RFC3339))
	}
	m, err := store.FindMember(s.db.WithContext(ctx), b.MemberID)
	if err != nil {
		return false, err
	}
	row := model.BehaviorEvent{EventID: b.EventID, MemberID: m.ID, Kind: b.Kind, Class: class, OccurredAt: at, CreatedAt: now}
	err = s.db.WithContext(ctx).Create(&row).Error
	if model.IsDuplicate(err) {
		var prev model.BehaviorEvent
		if err := s.db.WithContext(ctx).Where("event_id = ?", b.EventID).Take(&prev).Error; err != nil {
			return false, err
		}
		if prev.MemberID != m.ID {
			return false, model.Errorf(model.ECONFLICT, "event %s was already recorded for member %d", b.EventID, prev.MemberID)
		}
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// Behaviour is interaction: it keeps the member's last activity fresh.
	err = s.db.WithContext(ctx).Model(&model.Member{}).Where("id = ? AND (last_active_at IS NULL OR last_active_at < ?)", m.ID, at).
		Update("last_active_at", at).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		err = nil
	}
	return true, err
}
