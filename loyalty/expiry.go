package loyalty

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/store"
)

// Expiry policies.
const (
	ExpiryNone    = "none"     // points never expire
	ExpiryRolling = "rolling"  // Days after the business day they were earned
	ExpiryYearEnd = "year_end" // at the end of the year after the year earned
)

// ExpiryPolicy says when credited points expire.
type ExpiryPolicy struct {
	Kind string // ExpiryNone (or ""), ExpiryRolling, ExpiryYearEnd
	Days int    // for ExpiryRolling
}

// ExpiresAt returns when points earned at t expire, nil for never. Expiry
// falls on business-day boundaries: rolling:365d points earned on 1 May
// 2025 are valid through 1 May 2026; year_end points earned in 2025 are
// valid through 31 December 2026.
func (p ExpiryPolicy) ExpiresAt(t time.Time, loc *time.Location) *time.Time {
	d := t.In(loc)
	var at time.Time
	switch p.Kind {
	case ExpiryRolling:
		at = time.Date(d.Year(), d.Month(), d.Day()+p.Days+1, 0, 0, 0, 0, loc)
	case ExpiryYearEnd:
		at = time.Date(d.Year()+2, 1, 1, 0, 0, 0, 0, loc)
	default:
		return nil
	}
	at = at.UTC()
	return &at
}

// String gives the policy as configured: none, rolling:365d, year_end.
func (p ExpiryPolicy) String() string {
	if p.Kind == ExpiryRolling {
		return fmt.Sprintf("rolling:%dd", p.Days)
	}
	if p.Kind == "" {
		return ExpiryNone
	}
	return p.Kind
}

// ValidThrough is the last business day of points (or a coupon) that
// expire at t.
func (s *Service) ValidThrough(t time.Time) string {
	return t.In(s.loc).Add(-time.Nanosecond).Format(time.DateOnly)
}

// expireDue expires m's credits that are due at now, in tx with m locked:
// one ledger entry expire:<credit id> per credit for exactly what is left
// of it. It returns the points expired.
func (s *Service) expireDue(tx *gorm.DB, m *model.Member, now time.Time) (int64, error) {
	var due []model.PointsEntry
	q := tx.Select("id, remaining, expires_at, created_at").
		Where("member_id = ? AND remaining > 0 AND expires_at <= ?", m.ID, now.UTC()).Order("id")
	if err := store.ForUpdate(q).Find(&due).Error; err != nil || len(due) == 0 {
		return 0, err
	}
	return s.expireCredits(tx, m, due)
}

// expireCredits expires the due credits (locked, in id order) of m.
func (s *Service) expireCredits(tx *gorm.DB, m *model.Member, due []model.PointsEntry) (int64, error) {
	if len(due) == 0 {
		return 0, nil
	}
	var total int64
	for _, c := range due {
		row := model.PointsEntry{
			MemberID: m.ID, Delta: -c.Remaining, Kind: model.PointsExpire, IdemKey: fmt.Sprintf("expire:%d", c.ID),
			Note: fmt.Sprintf("积分过期（%s 获得）", s.BusinessDay(c.CreatedAt)), CreatedAt: s.stamp(),
		}
		if err := tx.Create(&row).Error; err != nil {
			if model.IsDuplicate(err) {
				return 0, fmt.Errorf("expiry: credit %d has %d left but was expired before", c.ID, c.Remaining)
			}
			return 0, err
		}
		res := tx.Model(&model.PointsEntry{}).Where("id = ? AND remaining = ?", c.ID, c.Remaining).Update("remaining", 0)
		if res.Error != nil {
			return 0, res.Error
		} else if res.RowsAffected == 0 {
			return 0, fmt.Errorf("expiry: credit %d changed while expiring it", c.ID)
		}
		total += c.Remaining
	}
	res := tx.Model(&model.Member{}).Where("id = ? AND points >= ?", m.ID, total).
		Update("points", gorm.Expr("points - ?", total))
	if res.Error != nil {
		return 0, res.Error
	} else if res.RowsAffected == 0 {
		return 0, fmt.Errorf("expiry: member %d balance below its open credits", m.ID)
	}
	m.Points -= total
	return total, nil
}

// ExpiryRun is what one run of the expiry job did.
type ExpiryRun struct {
	Members int   // members whose points expired
	Points  int64 // points expired
	Coupons int64 // coupons marked expired
}

// ExpireDue expires every credit due now, member by member (each in its
// own short transaction), and marks coupons past their validity expired.
// Running it twice expires once: the second run finds nothing left.
// Errors: the database's.
func (s *Service) ExpireDue(ctx context.Context) (ExpiryRun, error) {
	var run ExpiryRun
	now := s.now().UTC()
	done := map[int64]bool{}
	for {
		var ids []int64
		err := s.db.WithContext(ctx).Model(&model.PointsEntry{}).Distinct("member_id").
			Where("remaining > 0 AND expires_at <= ?", now).Limit(500).Pluck("member_id", &ids).Error
		if err != nil {
			return run, err
		}
		progress := false
		for _, id := range ids {
			if done[id] {
				continue
			}
			done[id], progress = true, true
			var n int64
			err := s.st.Tx(ctx, func(tx *gorm.DB) error {
				m, err := store.LockMember(tx, id)
				if err != nil {
					return err
				}
				n, err = s.expireDue(tx, &m, now)
				return err
			})
			if err != nil {
				return run, fmt.Errorf("expire points of member %d: %w", id, err)
			}
			if n > 0 {
				run.Members++
				run.Points += n
			}
		}
		if !progress {
			break
		}
	}
	res := s.db.WithContext(ctx).Model(&model.Coupon{}).Where("status = ? AND valid_to <= ?", model.CouponIssued, now).
		Update("status", model.CouponExpired)
	run.Coupons = res.RowsAffected
	return run, res.Error
}

// ExpiringPoints are the points of a member that expire within the
// reminder window.
type ExpiringPoints struct {
	Points int64
	First  *time.Time // the earliest expiry among them
}

// ExpiringSoon returns the member's points that expire within RemindDays.
// Errors: the database's.
func (s *Service) ExpiringSoon(ctx context.Context, memberID int64) (ExpiringPoints, error) {
	m := []model.MemberView{{Member: model.Member{ID: memberID}}}
	err := s.DecorateMembers(ctx, m)
	return ExpiringPoints{Points: m[0].PointsExpiring, First: m[0].PointsExpireBy}, err
}

// DecorateMembers fills PointsExpiring and PointsExpireBy for a page of
// members in one query.
// Errors: the database's.
func (s *Service) DecorateMembers(ctx context.Context, ms []model.MemberView) error {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]int64, len(ms))
	for i := range ms {
		ids[i] = ms[i].ID
	}
	now := s.now().UTC()
	// Grouped by expiry rather than aggregated in SQL: SQLite returns
	// MIN() of a timestamp as text.
	var rows []struct {
		MemberID  int64
		ExpiresAt time.Time
		Points    int64
	}
	err := s.db.WithContext(ctx).Model(&model.PointsEntry{}).
		Select("member_id, expires_at, SUM(remaining) AS points").
		Where("member_id IN ? AND remaining > 0 AND expires_at > ? AND expires_at <= ?", ids, now, now.AddDate(0, 0, s.opts.RemindDays)).
		Group("member_id, expires_at").Scan(&rows).Error
	if err != nil {
		return err
	}
	by := map[int64]*model.MemberView{}
	for i := range ms {
		by[ms[i].ID] = &ms[i]
	}
	for _, r := range rows {
		m := by[r.MemberID]
		m.PointsExpiring += r.Points
		if at := r.ExpiresAt.UTC(); m.PointsExpireBy == nil || at.Before(*m.PointsExpireBy) {
			m.PointsExpireBy = &at
		}
	}
	return nil
}

// QueueExpiryReminders records a reminder for every member with points
// expiring within RemindDays, one per member and batch (the business month
// the points expire in), and returns all reminders still waiting to be
// sent (id and member), for the caller to queue. Run daily, it reminds
// each member once per batch.
// Errors: the database's.
func (s *Service) QueueExpiryReminders(ctx context.Context) ([]model.ExpiryReminder, error) {
	now := s.now().UTC()
	until := now.AddDate(0, 0, s.opts.RemindDays)
	var after int64
	for {
		var rows []struct {
			MemberID  int64
			ExpiresAt time.Time
			Points    int64
		}
		err := s.db.WithContext(ctx).Model(&model.PointsEntry{}).
			Select("member_id, expires_at, SUM(remaining) AS points").
			Where("member_id > ? AND remaining > 0 AND expires_at > ? AND expires_at <= ?", after, now, until).
			Group("member_id, expires_at").Order("member_id, expires_at").Limit(1000).Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			break
		}
		// The last member of a page may continue on the next; redo it there.
		last := rows[len(rows)-1].MemberID
		if len(rows) == 1000 && rows[0].MemberID != last {
			for len(rows) > 0 && rows[len(rows)-1].MemberID == last {
				rows = rows[:len(rows)-1]
			}
		}
		byKey := map[[2]any]*model.ExpiryReminder{}
		var out []*model.ExpiryReminder
		for _, r := range rows {
			batch := r.ExpiresAt.In(s.loc).Add(-time.Nanosecond).Format("2006-01")
			k := [2]any{r.MemberID, batch}
			rem := byKey[k]
			if rem == nil {
				rem = &model.ExpiryReminder{MemberID: r.MemberID, Batch: batch, Status: model.ReminderQueued, CreatedAt: s.stamp()}
				byKey[k] = rem
				out = append(out, rem)
			}
			rem.Points += r.Points
			if r.ExpiresAt.After(rem.Deadline) {
				rem.Deadline = r.ExpiresAt.UTC()
			}
			after = r.MemberID
		}
		if len(out) > 0 {
			if err := s.st.Tx(ctx, func(tx *gorm.DB) error { return recordReminders(tx, out) }); err != nil {
				return nil, err
			}
		}
	}
	var queued []model.ExpiryReminder
	err := s.db.WithContext(ctx).Select("id, member_id").
		Where("status = ? AND deadline > ?", model.ReminderQueued, now).Order("id").Find(&queued).Error
	return queued, err
}

// Reminder returns a reminder and how many of its points are still
// unspent and due to expire by its deadline. Errors: ENOTFOUND.
func (s *Service) Reminder(ctx context.Context, id int64) (model.ExpiryReminder, int64, error) {
	var r model.ExpiryReminder
	err := s.db.WithContext(ctx).Take(&r, id).Error
	if err != nil {
		return r, 0, store.NotFound(err, model.Errorf(model.ENOTFOUND, "expiry reminder %d not found", id))
	}
	var left int64
	err = s.db.WithContext(ctx).Model(&model.PointsEntry{}).Select("COALESCE(SUM(remaining), 0)").
		Where("member_id = ? AND remaining > 0 AND expires_at > ? AND expires_at <= ?", r.MemberID, s.now().UTC(), r.Deadline).
		Scan(&left).Error
	return r, left, err
}

// MarkReminderSent records that the reminder went out (or was no longer
// needed); it is not sent again.
// Errors: the database's.
func (s *Service) MarkReminderSent(ctx context.Context, id int64) error {
	now := s.now().UTC()
	return s.db.WithContext(ctx).Model(&model.ExpiryReminder{}).Where("id = ?", id).
		Updates(map[string]any{"status": model.ReminderSent, "sent_at": now}).Error
}

// recordReminders inserts the reminders that are new and records a
// points.expiring event for each in the same transaction; the event's
// consumer sends the reminder. Rows that existed already had theirs.
func recordReminders(tx *gorm.DB, rems []*model.ExpiryReminder) error {
	var before int64
	if err := tx.Model(&model.ExpiryReminder{}).Select("COALESCE(MAX(id), 0)").Scan(&before).Error; err != nil {
		return err
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rems).Error; err != nil {
		return err
	}
	var fresh []model.ExpiryReminder
	if err := tx.Select("id, member_id").Where("id > ?", before).Order("id").Find(&fresh).Error; err != nil {
		return err
	}
	for _, r := range fresh {
		if err := outbox.Record(tx, outbox.Event{Kind: outbox.KindPointsExpiring, Payload: outbox.Reminder{MemberID: r.MemberID, ReminderID: r.ID}}); err != nil {
			return err
		}
	}
	return nil
}
