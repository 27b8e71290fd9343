package loyalty

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/store"
)

// ladder is the levels sorted by threshold, the base level first.
type ladder []model.Level

// rank is the position of the named level; an empty or unknown name is the
// base level.
func (l ladder) rank(name string) int {
	for i, lv := range l {
		if lv.Name == name {
			return i
		}
	}
	return 0
}

// of returns the named level (the base level for an empty or unknown name).
func (l ladder) of(name string) model.Level {
	if len(l) == 0 {
		return model.Level{Multiplier: 1}
	}
	return l[l.rank(name)]
}

// forGrowth returns the highest level whose threshold growth reaches.
func (l ladder) forGrowth(growth int64) model.Level {
	best := l.of("")
	for _, lv := range l {
		if growth >= lv.Threshold {
			best = lv
		}
	}
	return best
}

// upgrade raises m to the highest level its growth reaches when that is
// above its current level, in tx with m locked: it records the change and
// issues the new level's upgrade coupons. Downgrades happen only at the
// periodic review (ReviewLevels).
func (s *Service) upgrade(tx *gorm.DB, m *model.Member) (*LevelUp, error) {
	st, err := s.current(tx)
	if err != nil || len(st.levels) == 0 {
		return nil, err
	}
	target := st.levels.forGrowth(m.Growth)
	if st.levels.rank(target.Name) <= st.levels.rank(m.Level) {
		return nil, nil
	}
	return s.changeLevel(tx, m, target, model.LevelUpgrade, target.UpgradeCoupons)
}

// changeLevel moves m to level to, records it, and issues coupons from the
// given templates (inactive or deleted templates are skipped).
func (s *Service) changeLevel(tx *gorm.DB, m *model.Member, to model.Level, reason string, coupons []int64) (*LevelUp, error) {
	res := tx.Model(&model.Member{}).Where("id = ? AND level = ?", m.ID, m.Level).Update("level", to.Name)
	if res.Error != nil {
		return nil, res.Error
	} else if res.RowsAffected == 0 {
		return nil, fmt.Errorf("level: member %d changed level concurrently", m.ID)
	}
	from := m.Level
	m.Level = to.Name
	return s.recordLevelChange(tx, m.ID, from, to.Name, m.Growth, reason, coupons)
}

// recordLevelChange writes the history entry of a level change already
// made on the member row, and issues the coupons it grants.
func (s *Service) recordLevelChange(tx *gorm.DB, memberID int64, from, to string, growth int64, reason string, coupons []int64) (*LevelUp, error) {
	up := &LevelUp{Change: model.LevelChange{MemberID: memberID, From: from, To: to, Growth: growth, Reason: reason, CreatedAt: s.stamp()}}
	if err := tx.Create(&up.Change).Error; err != nil {
		return nil, err
	}
	if err := outbox.Record(tx, outbox.Event{Kind: outbox.KindLevelChanged, Payload: outbox.LevelChanged{MemberID: memberID,
		ChangeID: up.Change.ID, From: from, To: to, Upgrade: reason == model.LevelUpgrade}}); err != nil {
		return nil, err
	}
	for _, tid := range coupons {
		c, _, err := s.issueCoupon(tx, tid, memberID, model.SourceLevelUp, fmt.Sprintf("level_up:%d:%d", up.Change.ID, tid))
		if errors.Is(err, model.ErrCouponTemplateMissing) || errors.Is(err, errTemplateInactive) {
			continue
		} else if err != nil {
			return nil, err
		}
		up.Coupons = append(up.Coupons, c)
	}
	return up, nil
}

// LevelInfo is what a member (等级) or HQ sees of a member's level.
type LevelInfo struct {
	Level  model.Level
	Growth int64
	Next   *model.Level // nil at the top level
	ToNext int64        // growth still needed for Next
	// KeepGrowth is the growth earned over the review window, against
	// Level.KeepThreshold.
	KeepGrowth   int64
	ReviewMonths int
}

// MemberLevel returns the member's level, growth and what the next level
// needs. Errors: ErrMemberNotFound.
func (s *Service) MemberLevel(ctx context.Context, memberID int64) (LevelInfo, error) {
	var info LevelInfo
	st, err := s.current(s.db.WithContext(ctx))
	if err != nil {
		return info, err
	}
	var m model.Member
	if err := s.db.WithContext(ctx).Select("id, growth, level").Take(&m, memberID).Error; err != nil {
		return info, store.NotFound(err, model.ErrMemberNotFound)
	}
	info.Level, info.Growth, info.ReviewMonths = st.levels.of(m.Level), m.Growth, s.opts.ReviewMonths
	if r := st.levels.rank(m.Level); r+1 < len(st.levels) {
		next := st.levels[r+1]
		info.Next, info.ToNext = &next, max(next.Threshold-m.Growth, 0)
	}
	info.KeepGrowth, err = s.windowGrowth(ctx, memberID)
	return info, err
}

// windowGrowth sums the growth the member earned over the review window
// (refunds included, growth resets of earlier reviews not).
func (s *Service) windowGrowth(ctx context.Context, memberID int64) (int64, error) {
	var g int64
	err := s.db.WithContext(ctx).Model(&model.PointsEntry{}).Select("COALESCE(SUM(growth_delta), 0)").
		Where("member_id = ? AND created_at >= ? AND kind <> ?", memberID, s.now().UTC().AddDate(0, -s.opts.ReviewMonths, 0), model.PointsLevelSet).
		Scan(&g).Error
	return g, err
}

// LevelHistory returns the member's level changes, newest first.
// Errors: the database's.
func (s *Service) LevelHistory(ctx context.Context, memberID int64) ([]model.LevelChange, error) {
	out := []model.LevelChange{}
	err := s.db.WithContext(ctx).Where("member_id = ?", memberID).Order("id DESC").Limit(100).Find(&out).Error
	return out, err
}

// Levels returns the levels, lowest first.
// Errors: the database's.
func (s *Service) Levels(ctx context.Context) ([]model.Level, error) {
	var out []model.Level
	if err := s.db.WithContext(ctx).Find(&out).Error; err != nil {
		return nil, err
	}
	model.SortLevels(out)
	return out, nil
}

// SaveLevel creates or updates the level named l.Name; created reports
// which. The base level (threshold 0) must stay at 0, and no other level
// may take threshold 0. Coupon templates must exist. Members already at a
// level keep it; those whose growth now reaches a higher level are
// upgraded at their next growth or at the review. Errors: EINVALID,
// ECONFLICT for a threshold another level has.
func (s *Service) SaveLevel(ctx context.Context, l model.Level) (saved model.Level, created bool, err error) {
	if err := l.Validate(); err != nil {
		return l, false, err
	}
	err = s.st.Tx(ctx, func(tx *gorm.DB) error {
		if err := checkTemplates(tx, append(append([]int64{}, l.UpgradeCoupons...), l.MonthlyCoupons...)); err != nil {
			return err
		}
		var cur model.Level
		err := tx.Where("name = ?", l.Name).Take(&cur).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			if l.Threshold == 0 {
				return model.Errorf(model.EINVALID, "threshold 0 is the base level's; a new level needs a threshold above 0")
			}
			created = true
			err = tx.Create(&l).Error
		case err != nil:
			return err
		default:
			if (cur.Threshold == 0) != (l.Threshold == 0) {
				return model.Errorf(model.EINVALID, "the base level %q keeps threshold 0; others need a threshold above 0", cur.Name)
			}
			l.ID, l.CreatedAt = cur.ID, cur.CreatedAt
			err = tx.Select("*").Omit("created_at").Updates(&l).Error
		}
		if model.IsDuplicate(err) {
			return model.Errorf(model.ECONFLICT, "another level already has threshold %d", l.Threshold)
		}
		return err
	})
	s.invalidate()
	return l, created, err
}

// DeleteLevel removes a level no member holds. Errors: ENOTFOUND,
// EINVALID for the base level, ECONFLICT while members hold it or rewards
// require it.
func (s *Service) DeleteLevel(ctx context.Context, name string) error {
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		var cur model.Level
		if err := tx.Where("name = ?", name).Take(&cur).Error; err != nil {
			return store.NotFound(err, model.Errorf(model.ENOTFOUND, "level %q not found", name))
		}
		if cur.Threshold == 0 {
			return model.Errorf(model.EINVALID, "the base level %q cannot be deleted", name)
		}
		var n int64
		if err := tx.Model(&model.Member{}).Where("level = ?", name).Count(&n).Error; err != nil {
			return err
		} else if n > 0 {
			return model.Errorf(model.ECONFLICT, "%d members hold level %q; it can be deleted when none do", n, name)
		}
		if err := tx.Model(&model.Reward{}).Where("min_level = ?", name).Count(&n).Error; err != nil {
			return err
		} else if n > 0 {
			return model.Errorf(model.ECONFLICT, "%d rewards require level %q", n, name)
		}
		return tx.Delete(&cur).Error
	})
	s.invalidate()
	return err
}

// LevelChange returns one level change. Errors: ENOTFOUND.
func (s *Service) LevelChange(ctx context.Context, id int64) (model.LevelChange, error) {
	var c model.LevelChange
	err := s.db.WithContext(ctx).Take(&c, id).Error
	return c, store.NotFound(err, model.Errorf(model.ENOTFOUND, "level change %d not found", id))
}

// Level returns the named level. Errors: ENOTFOUND.
func (s *Service) Level(ctx context.Context, name string) (model.Level, error) {
	var l model.Level
	err := s.db.WithContext(ctx).Where("name = ?", name).Take(&l).Error
	return l, store.NotFound(err, model.Errorf(model.ENOTFOUND, "level %q not found", name))
}
