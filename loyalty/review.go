package loyalty

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// ReviewRun is what one level review did.
type ReviewRun struct {
	Reviewed   int        // members above the base level looked at
	Downgraded []*LevelUp // level changes down (Coupons empty)
	Upgraded   []*LevelUp // catch-up upgrades (thresholds lowered since)
}

// ReviewLevels is the periodic level review (period names it, e.g.
// 2025-06, and keys its ledger entries). A member whose growth over the
// last ReviewMonths is below their level's keep threshold moves down to the
// highest lower level whose keep threshold it meets, and their growth is
// set to that level's threshold (a ledger entry of kind level_set), so
// the next upgrade needs the growth from there again. Members whose growth
// already reaches a higher level than theirs (thresholds were lowered) are
// upgraded. Running it twice in a period changes nothing the second time.
// Errors: the database's.
func (s *Service) ReviewLevels(ctx context.Context, period string) (ReviewRun, error) {
	var run ReviewRun
	st, err := s.current(s.db.WithContext(ctx))
	if err != nil || len(st.levels) < 2 {
		return run, err
	}
	since := s.now().UTC().AddDate(0, -s.opts.ReviewMonths, 0)
	for r := len(st.levels) - 1; r >= 1; r-- {
		lv := st.levels[r]
		var after int64
		for {
			var page []struct {
				ID     int64
				Recent int64
			}
			err := s.db.WithContext(ctx).Table("members m").
				Select("m.id, COALESCE((SELECT SUM(e.growth_delta) FROM points_entries e WHERE e.member_id = m.id AND e.created_at >= ? AND e.kind <> ?), 0) AS recent", since, model.PointsLevelSet).
				Where("m.level = ? AND m.id > ?", lv.Name, after).Order("m.id").Limit(500).Scan(&page).Error
			if err != nil {
				return run, err
			}
			if len(page) == 0 {
				break
			}
			for _, p := range page {
				after = p.ID
				run.Reviewed++
				if p.Recent >= lv.KeepThreshold {
					continue
				}
				ch, err := s.downgrade(ctx, p.ID, st.levels[:r+1], since, period)
				if err != nil {
					return run, fmt.Errorf("review member %d: %w", p.ID, err)
				}
				if ch != nil {
					run.Downgraded = append(run.Downgraded, ch)
				}
			}
		}
	}
	err = s.catchUp(ctx, st.levels, &run)
	return run, err
}

// downgrade moves the member down from the last of levels to the highest
// lower one whose keep threshold their growth since since meets, and sets
// their growth to that level's threshold, unless the member moved since the
// review read them. The growth is read again with the member locked: an
// order that committed after the review's read counts.
func (s *Service) downgrade(ctx context.Context, memberID int64, levels ladder, since time.Time, period string) (*LevelUp, error) {
	var out *LevelUp
	from := levels[len(levels)-1]
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		out = nil
		m, err := store.LockMember(tx, memberID)
		if err != nil || m.Level != from.Name {
			return err
		}
		var recent int64
		if err := tx.Model(&model.PointsEntry{}).Where("member_id = ? AND created_at >= ? AND kind <> ?", m.ID, since, model.PointsLevelSet).
			Select("COALESCE(SUM(growth_delta), 0)").Scan(&recent).Error; err != nil {
			return err
		}
		if recent >= from.KeepThreshold {
			return nil
		}
		target := levels[0]
		for _, l := range levels[:len(levels)-1] {
			if recent >= l.KeepThreshold {
				target = l
			}
		}
		growth := m.Growth
		if out, err = s.changeLevel(tx, &m, target, model.LevelReview, nil); err != nil {
			return err
		}
		if growth > target.Threshold {
			_, err = s.post(tx, &m, Entry{MemberID: m.ID, Growth: target.Threshold - growth, Kind: model.PointsLevelSet,
				IdemKey: fmt.Sprintf("level_review:%d:%s", m.ID, period),
				Note:    fmt.Sprintf("等级复核：%s → %s，成长值调整为 %d", from.Name, target.Name, target.Threshold)}, nil)
		}
		return err
	})
	return out, err
}

// catchUp upgrades members whose growth reaches a level above theirs.
func (s *Service) catchUp(ctx context.Context, levels ladder, run *ReviewRun) error {
	for r := len(levels) - 1; r >= 1; r-- {
		var below []string
		for _, l := range levels[:r] {
			below = append(below, l.Name)
		}
		var after int64
		for {
			var ids []int64
			err := s.db.WithContext(ctx).Model(&model.Member{}).
				Where("growth >= ? AND (level IN ? OR level = '') AND id > ?", levels[r].Threshold, below, after).
				Order("id").Limit(500).Pluck("id", &ids).Error
			if err != nil {
				return err
			}
			if len(ids) == 0 {
				break
			}
			for _, id := range ids {
				after = id
				err := s.st.Tx(ctx, func(tx *gorm.DB) error {
					m, err := store.LockMember(tx, id)
					if err != nil {
						return err
					}
					up, err := s.upgrade(tx, &m)
					if up != nil {
						up.Change.Reason = model.LevelReview
						err = tx.Model(&up.Change).Update("reason", model.LevelReview).Error
						run.Upgraded = append(run.Upgraded, up)
					}
					return err
				})
				if err != nil {
					return fmt.Errorf("catch-up upgrade of member %d: %w", id, err)
				}
			}
		}
	}
	return nil
}

// IssueMonthlyCoupons gives every member the monthly coupons of their
// level for month (YYYY-MM), once per member, month and template (key
// level_monthly:<member>:<month>:<template>). Inactive templates are
// skipped. It returns the number of coupons issued by this run.
// Errors: the database's.
func (s *Service) IssueMonthlyCoupons(ctx context.Context, month string) (int, error) {
	st, err := s.current(s.db.WithContext(ctx))
	if err != nil {
		return 0, err
	}
	issued := 0
	for i, lv := range st.levels {
		if len(lv.MonthlyCoupons) == 0 {
			continue
		}
		names := []string{lv.Name}
		if i == 0 {
			names = append(names, "")
		}
		var after int64
		for {
			var ids []int64
			err := s.db.WithContext(ctx).Model(&model.Member{}).Where("level IN ? AND id > ? AND merged_into IS NULL", names, after).
				Order("id").Limit(200).Pluck("id", &ids).Error
			if err != nil {
				return issued, err
			}
			if len(ids) == 0 {
				break
			}
			after = ids[len(ids)-1]
			err = s.st.Tx(ctx, func(tx *gorm.DB) error {
				n := 0
				for _, id := range ids {
					for _, tid := range lv.MonthlyCoupons {
						_, created, err := s.issueCoupon(tx, tid, id, model.SourceLevelMonthly, fmt.Sprintf("level_monthly:%d:%s:%d", id, month, tid))
						if errors.Is(err, errTemplateInactive) || errors.Is(err, model.ErrCouponTemplateMissing) {
							continue
						} else if err != nil {
							return err
						}
						if created {
							n++
						}
					}
				}
				issued += n
				return nil
			})
			if err != nil {
				return issued, err
			}
		}
	}
	return issued, nil
}
