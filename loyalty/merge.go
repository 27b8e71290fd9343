package loyalty

import (
	"fmt"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// ledgerOwned lists loyalty's tables whose rows simply follow their member
// into a merge (UPDATE … SET member_id = survivor).
var ledgerOwned = []string{"points_entries", "orders", "coupons", "redemptions", "level_changes"}

// MergeMember moves loyalty's rows of loser to survivor inside tx, the
// transaction of a unionid merge (members.MergeByUnionID): the ledger,
// orders, coupons, redemptions and level changes move; check-ins and
// per-member counters are folded; the survivor's points and growth are
// recomputed from the ledger. The caller has locked both members and
// zeroes the loser's balance. Errors: the database's.
func MergeMember(tx *gorm.DB, survivor, loser int64) error {
	for _, table := range ledgerOwned {
		if err := tx.Table(table).Where("member_id = ?", loser).Update("member_id", survivor).Error; err != nil {
			return fmt.Errorf("merge %s: %w", table, err)
		}
	}
	if err := mergeCheckIns(tx, survivor, loser); err != nil {
		return err
	}
	if err := mergeCounters(tx, survivor, loser); err != nil {
		return err
	}
	return tx.Model(&model.Member{}).Where("id = ?", survivor).Updates(map[string]any{
		"points": gorm.Expr("(SELECT COALESCE(SUM(delta), 0) FROM points_entries WHERE member_id = ?)", survivor),
		"growth": gorm.Expr("(SELECT COALESCE(SUM(growth_delta), 0) FROM points_entries WHERE member_id = ?)", survivor),
	}).Error
}

// mergeCheckIns moves the loser's check-ins to days the survivor has none;
// on a day both checked in, the survivor's stays (check-ins are unique per
// member and day). The points of both stay in the ledger.
func mergeCheckIns(tx *gorm.DB, survivor, loser int64) error {
	var days []string
	if err := tx.Model(&model.CheckIn{}).Where("member_id = ?", survivor).Pluck("day", &days).Error; err != nil {
		return err
	}
	q := tx.Model(&model.CheckIn{}).Where("member_id = ?", loser)
	if len(days) > 0 {
		q = q.Where("day NOT IN ?", days)
	}
	if err := q.Update("member_id", survivor).Error; err != nil {
		return err
	}
	return tx.Where("member_id = ?", loser).Delete(&model.CheckIn{}).Error
}

// counterTables are per-member counters unique by (member, key columns):
// a merge adds the loser's count to the survivor's row for the same key, or
// moves the row when the survivor has none. Reward claims must add up, or
// a merge would reset a per-member redemption limit; caps likewise.
var counterTables = []struct {
	table, count string
	keys         []string
}{
	{"reward_claims", "count", []string{"reward_id"}},
	{"points_caps", "used", []string{"channel", "period"}},
	{"expiry_reminders", "", []string{"batch"}}, // one reminder per batch: keep the survivor's
}

// mergeCounters folds the loser's counter rows into the survivor's.
func mergeCounters(tx *gorm.DB, survivorID, loserID int64) error {
	for _, ct := range counterTables {
		var rows []map[string]any
		cols := append([]string{"id"}, ct.keys...)
		if ct.count != "" {
			cols = append(cols, ct.count)
		}
		if err := tx.Table(ct.table).Select(cols).Where("member_id = ?", loserID).Find(&rows).Error; err != nil {
			return fmt.Errorf("merge %s: %w", ct.table, err)
		}
		for _, r := range rows {
			q := tx.Table(ct.table).Where("member_id = ?", survivorID)
			for _, k := range ct.keys {
				q = q.Where(k+" = ?", r[k])
			}
			var n int64
			if ct.count != "" {
				res := q.Update(ct.count, gorm.Expr(ct.count+" + ?", r[ct.count]))
				if res.Error != nil {
					return fmt.Errorf("merge %s: %w", ct.table, res.Error)
				}
				n = res.RowsAffected
			} else if err := q.Count(&n).Error; err != nil {
				return fmt.Errorf("merge %s: %w", ct.table, err)
			}
			own := tx.Table(ct.table).Where("id = ?", r["id"])
			var err error
			if n > 0 {
				err = own.Delete(nil).Error
			} else {
				err = own.Update("member_id", survivorID).Error
			}
			if err != nil {
				return fmt.Errorf("merge %s: %w", ct.table, err)
			}
		}
	}
	return nil
}
