package loyalty

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// Entry is a request to move a member's points (and growth) once.
type Entry struct {
	MemberID int64
	Delta    int64  // points; negative spends
	Growth   int64  // growth value earned (or reversed, negative)
	Kind     string // model.Points*
	IdemKey  string // unique forever: a second entry with this key changes nothing
	Note     string
	// ExpiresAt is when a credit's points expire; nil applies the expiry
	// policy to a credit.
	ExpiresAt *time.Time
	// Source, for a spend, is a credit entry to consume before the oldest
	// ones (a refund takes back its own order's points first).
	Source int64
	// ifUnchanged: the member row was read without a lock; the balance
	// UPDATE applies only while the row still holds the values read, else
	// post fails with errMemberChanged (the caller then locks and retries).
	ifUnchanged bool
}

// errMemberChanged rolls back a post on a member row read without a lock
// that changed before the UPDATE.
var errMemberChanged = errors.New("member changed since it was read")

// posting is what post did.
type posting struct {
	Applied bool              // false: the idempotency key was used before
	Entry   model.PointsEntry // the new entry (when Applied)
	LevelUp *LevelUp          // set when the growth crossed a threshold
}

// LevelUp is an upgrade caused by growth, with the coupons the new level
// granted on reaching it.
type LevelUp struct {
	Change  model.LevelChange
	Coupons []model.Coupon
}

// post appends e to the ledger and moves the balance of m — the member row
// the caller locked with lockMember in tx — along with any extra member
// columns; m is updated to the new values. A spend first expires the
// member's due points, then consumes the oldest open credits. Growth that
// crosses a level threshold upgrades the member in the same transaction.
// It returns Applied=false (and no error) when the idempotency key was used
// before, and model.ErrInsufficientPoints when the balance would go below
// zero.
func (s *Service) post(tx *gorm.DB, m *model.Member, e Entry, extra map[string]any) (posting, error) {
	var open []model.PointsEntry
	if e.Delta < 0 {
		var err error
		if open, err = s.expireOpen(tx, m, s.now()); err != nil {
			return posting{}, err
		}
	}
	row := model.PointsEntry{
		MemberID: m.ID, Delta: e.Delta, GrowthDelta: e.Growth, Kind: e.Kind,
		IdemKey: e.IdemKey, Note: clip(e.Note, 120), ExpiresAt: e.ExpiresAt, CreatedAt: s.stamp(),
	}
	if e.Delta > 0 {
		row.Remaining = e.Delta
		if row.ExpiresAt == nil {
			row.ExpiresAt = s.opts.Expiry.ExpiresAt(s.now(), s.loc)
		}
	}
	if err := tx.Create(&row).Error; err != nil {
		if model.IsDuplicate(err) {
			return posting{}, nil
		}
		return posting{}, err
	}
	updates := map[string]any{}
	for k, v := range extra {
		updates[k] = v
	}
	if e.Delta != 0 {
		updates["points"] = gorm.Expr("points + ?", e.Delta)
	}
	if e.Growth != 0 {
		updates["growth"] = gorm.Expr("growth + ?", e.Growth)
	}
	if len(updates) > 0 {
		q := tx.Model(&model.Member{}).Where("id = ?", m.ID)
		if e.Delta < 0 {
			q = q.Where("points >= ?", -e.Delta)
		}
		if e.Growth < 0 {
			q = q.Where("growth >= ?", -e.Growth)
		}
		if e.ifUnchanged {
			q = q.Where("merged_into IS NULL AND points = ? AND growth = ? AND level = ? AND checkin_streak = ? AND last_checkin_day = ?",
				m.Points, m.Growth, m.Level, m.CheckinStreak, m.LastCheckinDay)
		}
		res := q.Updates(updates)
		if res.Error != nil {
			return posting{}, res.Error
		}
		if res.RowsAffected == 0 && e.ifUnchanged {
			return posting{}, errMemberChanged
		}
		if res.RowsAffected == 0 {
			if e.Delta < 0 {
				return posting{}, model.ErrInsufficientPoints
			}
			return posting{}, fmt.Errorf("ledger: member %d: growth would go below zero", m.ID)
		}
	}
	m.Points += e.Delta
	m.Growth += e.Growth
	if e.Delta < 0 {
		if err := consumeFrom(tx, m.ID, -e.Delta, e.Source, open); err != nil {
			return posting{}, err
		}
	}
	p := posting{Applied: true, Entry: row}
	if e.Growth > 0 {
		up, err := s.upgrade(tx, m)
		if err != nil {
			return posting{}, err
		}
		p.LevelUp = up
	}
	return p, nil
}

// expireOpen locks m's open credits with one SELECT, expires those due at
// now (see expireDue) and returns the rest, in id order, for consumeFrom:
// a spend reads the member's credits once.
func (s *Service) expireOpen(tx *gorm.DB, m *model.Member, now time.Time) ([]model.PointsEntry, error) {
	var open []model.PointsEntry
	q := tx.Select("id, remaining, expires_at, created_at").Where("member_id = ? AND remaining > 0", m.ID).Order("id")
	if err := store.ForUpdate(q).Find(&open).Error; err != nil {
		return nil, err
	}
	var due, rest []model.PointsEntry
	cut := now.UTC()
	for _, c := range open {
		if c.ExpiresAt != nil && !c.ExpiresAt.After(cut) {
			due = append(due, c)
		} else {
			rest = append(rest, c)
		}
	}
	_, err := s.expireCredits(tx, m, due)
	return rest, err
}

// consumeFrom lowers Remaining on the credits expireOpen returned (locked,
// in id order) by amount in total: source first (when set), then the
// oldest. The guarded balance update already proved the balance covers
// it, and the balance always equals the sum of Remaining.
func consumeFrom(tx *gorm.DB, memberID, amount, source int64, open []model.PointsEntry) error {
	if source > 0 {
		if i := slices.IndexFunc(open, func(c model.PointsEntry) bool { return c.ID == source }); i > 0 {
			open = append(append([]model.PointsEntry{open[i]}, open[:i]...), open[i+1:]...)
		}
	}
	for _, c := range open {
		if amount == 0 {
			break
		}
		take := min(c.Remaining, amount)
		res := tx.Model(&model.PointsEntry{}).Where("id = ? AND remaining >= ?", c.ID, take).
			Update("remaining", gorm.Expr("remaining - ?", take))
		if res.Error != nil {
			return res.Error
		} else if res.RowsAffected == 0 {
			return fmt.Errorf("ledger: credit %d changed while consuming it", c.ID)
		}
		amount -= take
	}
	if amount > 0 {
		return fmt.Errorf("ledger: member %d: open credits short by %d of the balance", memberID, amount)
	}
	return nil
}

// Post applies one ledger entry in its own transaction. See post for the
// errors (and ErrMemberNotFound, EINVALID for an incomplete entry); applied
// is false when the idempotency key was seen before.
func (s *Service) Post(ctx context.Context, e Entry) (applied bool, err error) {
	if e.IdemKey == "" || e.MemberID == 0 || e.Kind == "" {
		return false, model.Errorf(model.EINVALID, "a ledger entry needs a member, a kind and an idempotency key")
	}
	err = s.st.Tx(ctx, func(tx *gorm.DB) error {
		m, err := store.LockMember(tx, e.MemberID)
		if err != nil {
			return err
		}
		p, err := s.post(tx, &m, e, nil)
		applied = p.Applied
		return err
	})
	return applied, err
}

// Balance returns the member's points balance. Errors: ErrMemberNotFound.
func (s *Service) Balance(ctx context.Context, memberID int64) (int64, error) {
	var m model.Member
	err := s.db.WithContext(ctx).Select("id, points").First(&m, memberID).Error
	return m.Points, store.NotFound(err, model.ErrMemberNotFound)
}

// LedgerMismatch is a member whose balance differs from its ledger.
type LedgerMismatch struct {
	MemberID             int64
	Points, LedgerPoints int64
	Growth, LedgerGrowth int64
	// LedgerRemaining is the unspent, unexpired part of the credits, which
	// must equal Points too (oldest-first consumption depends on it).
	LedgerRemaining int64
}

// CheckLedger returns every member whose points or growth differ from the
// sum of their ledger entries, whose points differ from the open credits,
// or whose balance is negative. Tests and `siyu bench` use it; an operator
// can too.
// Errors: the database's.
func (s *Service) CheckLedger(ctx context.Context) ([]LedgerMismatch, error) {
	var out []LedgerMismatch
	err := s.db.WithContext(ctx).Raw(`
SELECT m.id AS member_id, m.points, COALESCE(l.p, 0) AS ledger_points, m.growth, COALESCE(l.g, 0) AS ledger_growth,
  COALESCE(l.r, 0) AS ledger_remaining
FROM members m LEFT JOIN (SELECT member_id, SUM(delta) AS p, SUM(growth_delta) AS g, SUM(remaining) AS r
  FROM points_entries GROUP BY member_id) l ON l.member_id = m.id
WHERE m.points <> COALESCE(l.p, 0) OR m.growth <> COALESCE(l.g, 0) OR m.points <> COALESCE(l.r, 0)
  OR m.points < 0 OR m.growth < 0`).Scan(&out).Error
	return out, err
}

// Ledger returns the member's latest entries, newest first (limit ≤ 500).
// Errors: ErrMemberNotFound.
func (s *Service) Ledger(ctx context.Context, memberID int64, limit int) ([]model.PointsEntry, error) {
	if _, err := s.Balance(ctx, memberID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	out := []model.PointsEntry{}
	err := s.db.WithContext(ctx).Where("member_id = ?", memberID).Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// clip shortens s to at most n runes.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// Entry returns one ledger entry. Errors: ENOTFOUND.
func (s *Service) Entry(ctx context.Context, id int64) (model.PointsEntry, error) {
	var e model.PointsEntry
	err := s.db.WithContext(ctx).Take(&e, id).Error
	return e, store.NotFound(err, model.Errorf(model.ENOTFOUND, "ledger entry %d not found", id))
}
