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

// scoreAgg is each member's decayed activity score at ref for ids [lo, hi):
// Σ weight × 0.5^(age in days / halfLife) over the events since from:
// behaviour events posted by HQ (their class's weight), paid orders and
// redemptions (core), Official Account messages (core: an interaction),
// check-ins and menu clicks (light).
func scoreAgg(mysql bool, w ActivityWeights, halfLife float64, from, ref time.Time, lo, hi int64) (string, []any) {
	age := func(col string) string {
		if mysql {
			return "TIMESTAMPDIFF(SECOND, " + col + ", ?) / 86400.0"
		}
		return "(julianday(?) - julianday(" + col + "))"
	}
	f, r := from.UTC(), ref.UTC()
	q := `SELECT member_id, SUM(w * POWER(0.5, age / ?)) AS score FROM (
			SELECT member_id, CASE class WHEN ? THEN ? WHEN ? THEN ? ELSE ? END AS w, ` + age("occurred_at") + ` AS age
				FROM behavior_events WHERE member_id >= ? AND member_id < ? AND occurred_at >= ? AND occurred_at < ?
			UNION ALL SELECT member_id, ?, ` + age("paid_at") + ` FROM orders
				WHERE member_id >= ? AND member_id < ? AND paid_at >= ? AND paid_at < ? AND status <> ?
			UNION ALL SELECT member_id, ?, ` + age("created_at") + ` FROM redemptions
				WHERE member_id >= ? AND member_id < ? AND created_at >= ? AND created_at < ?
			UNION ALL SELECT member_id, ?, ` + age("created_at") + ` FROM check_ins
				WHERE member_id >= ? AND member_id < ? AND created_at >= ? AND created_at < ?
			UNION ALL SELECT member_id, CASE kind WHEN ? THEN ? ELSE ? END, ` + age("created_at") + ` FROM member_events
				WHERE member_id >= ? AND member_id < ? AND created_at >= ? AND created_at < ? AND kind IN (?, ?)
		) e GROUP BY member_id`
	args := []any{halfLife,
		model.WeightLight, w.Light, model.WeightMedium, w.Medium, w.Core, r, lo, hi, f, r,
		w.Core, r, lo, hi, f, r, model.OrderRefunded,
		w.Core, r, lo, hi, f, r,
		w.Light, r, lo, hi, f, r,
		model.EventClick, w.Light, w.Core, r, lo, hi, f, r, model.EventClick, model.EventMessage,
	}
	return q, args
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
