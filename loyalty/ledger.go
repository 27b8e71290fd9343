package loyalty

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
)

// Entry is a request to move a member's points (and growth) once.
type Entry struct {
	MemberID int64
	Delta    int64  // points; negative spends
	Growth   int64  // growth value earned (or reversed, negative)
	Kind     string // model.Points*
	IdemKey  string // unique forever: a second entry with this key changes nothing
	Note     string
	// ExpiresAt is when a credit's points expire; nil never.
	ExpiresAt *time.Time
}

// post appends e to the ledger and moves the member's balance in tx, along
// with any extra member columns. It returns applied=false (and no error)
// when the idempotency key was used before, model.ErrInsufficientPoints when
// the balance would go below zero, and ErrMemberNotFound for an unknown
// member. Spending consumes the oldest unexpired credits first.
func post(tx *gorm.DB, e Entry, extra map[string]any) (applied bool, err error) {
	row := model.PointsEntry{
		MemberID: e.MemberID, Delta: e.Delta, GrowthDelta: e.Growth, Kind: e.Kind,
		IdemKey: e.IdemKey, Note: e.Note, ExpiresAt: e.ExpiresAt,
	}
	if e.Delta > 0 {
		row.Remaining = e.Delta
	}
	if err := tx.Create(&row).Error; err != nil {
		if model.IsDuplicate(err) {
			return false, nil
		}
		return false, err
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
		q := tx.Model(&model.Member{}).Where("id = ?", e.MemberID)
		if e.Delta < 0 {
			q = q.Where("points >= ?", -e.Delta)
		}
		res := q.Updates(updates)
		if res.Error != nil {
			return false, res.Error
		}
		if res.RowsAffected == 0 {
			var n int64
			tx.Model(&model.Member{}).Where("id = ?", e.MemberID).Count(&n)
			if n == 0 {
				return false, model.ErrMemberNotFound
			}
			if e.Delta < 0 {
				return false, model.ErrInsufficientPoints
			}
		}
	}
	if e.Delta < 0 {
		if err := consumeOldestFirst(tx, e.MemberID, -e.Delta); err != nil {
			return false, err
		}
	}
	return true, nil
}

// consumeOldestFirst lowers Remaining on the member's oldest open credits by
// amount in total. The guarded balance update already proved the balance
// covers it; credits may run short only if some were expired, in which case
// what is left is simply consumed.
func consumeOldestFirst(tx *gorm.DB, memberID, amount int64) error {
	var open []model.PointsEntry
	q := tx.Select("id, remaining").Where("member_id = ? AND remaining > 0", memberID).Order("id")
	if model.IsMySQL(tx) {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Find(&open).Error; err != nil {
		return err
	}
	for _, c := range open {
		if amount == 0 {
			break
		}
		take := min(c.Remaining, amount)
		if err := tx.Model(&model.PointsEntry{}).Where("id = ?", c.ID).
			Update("remaining", gorm.Expr("remaining - ?", take)).Error; err != nil {
			return err
		}
		amount -= take
	}
	return nil
}

// lockMember makes the next member read lock the row until the transaction
// ends (SELECT … FOR UPDATE on MySQL; SQLite's immediate transactions
// already hold the write lock).
func lockMember(tx *gorm.DB) *gorm.DB {
	if model.IsMySQL(tx) {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}

// Post applies one ledger entry in its own transaction. See post for the
// errors; applied is false when the idempotency key was seen before.
func (s *Service) Post(ctx context.Context, e Entry) (applied bool, err error) {
	if e.IdemKey == "" || e.MemberID == 0 || e.Kind == "" {
		return false, model.Errorf(model.EINVALID, "a ledger entry needs a member, a kind and an idempotency key")
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		applied, err = post(tx, e, nil)
		return err
	})
	return applied, err
}

// Balance returns the member's points balance.
func (s *Service) Balance(ctx context.Context, memberID int64) (int64, error) {
	var m model.Member
	err := s.db.WithContext(ctx).Select("id, points").First(&m, memberID).Error
	if err == gorm.ErrRecordNotFound {
		return 0, model.ErrMemberNotFound
	}
	return m.Points, err
}

// LedgerMismatch is a member whose balance differs from its ledger.
type LedgerMismatch struct {
	MemberID             int64
	Points, LedgerPoints int64
	Growth, LedgerGrowth int64
}

// CheckLedger returns every member whose points or growth differ from the
// sum of their ledger entries, or whose balance is negative. Tests and
// `siyu bench` use it; an operator can too.
func (s *Service) CheckLedger(ctx context.Context) ([]LedgerMismatch, error) {
	var out []LedgerMismatch
	err := s.db.WithContext(ctx).Raw(`
SELECT m.id AS member_id, m.points, COALESCE(l.p, 0) AS ledger_points, m.growth, COALESCE(l.g, 0) AS ledger_growth
FROM members m LEFT JOIN (SELECT member_id, SUM(delta) AS p, SUM(growth_delta) AS g FROM points_entries GROUP BY member_id) l
  ON l.member_id = m.id
WHERE m.points <> COALESCE(l.p, 0) OR m.growth <> COALESCE(l.g, 0) OR m.points < 0`).Scan(&out).Error
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
