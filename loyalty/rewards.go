package loyalty

import (
	"context"
	"log/slog"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// CreateReward adds a reward to the points mall. Errors: EINVALID (also for
// an unknown coupon template or level).
func (s *Service) CreateReward(ctx context.Context, r model.Reward) (model.Reward, error) {
	if err := s.checkReward(ctx, &r); err != nil {
		return r, err
	}
	r.ID = 0
	return r, s.st.Tx(ctx, func(tx *gorm.DB) error { return tx.Create(&r).Error })
}

// UpdateReward replaces a reward's fields except its stock, which only
// RestockReward and redemptions move (an absolute stock written here could
// undo concurrent redemptions). Errors: EINVALID, ErrRewardNotFound.
func (s *Service) UpdateReward(ctx context.Context, r model.Reward) (model.Reward, error) {
	if err := s.checkReward(ctx, &r); err != nil {
		return r, err
	}
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		var cur model.Reward
		if err := tx.Take(&cur, r.ID).Error; err != nil {
			return store.NotFound(err, model.ErrRewardNotFound)
		}
		if err := tx.Select("*").Omit("id", "stock", "created_at").Updates(&r).Error; err != nil {
			return err
		}
		return tx.Take(&r, r.ID).Error
	})
	return r, err
}

func (s *Service) checkReward(ctx context.Context, r *model.Reward) error {
	if err := r.Validate(); err != nil {
		return err
	}
	if r.CouponTemplateID != nil {
		if err := checkTemplates(s.db.WithContext(ctx), []int64{*r.CouponTemplateID}); err != nil {
			return err
		}
	}
	if r.MinLevel != "" {
		var n int64
		if err := s.db.WithContext(ctx).Model(&model.Level{}).Where("name = ?", r.MinLevel).Count(&n).Error; err != nil {
			return err
		} else if n == 0 {
			return model.Errorf(model.EINVALID, "min_level %q is not a level", r.MinLevel)
		}
	}
	return nil
}

// RestockReward adds delta (negative takes away) to the stock with a
// guarded update: stock never goes below zero. Errors: EINVALID,
// ErrRewardNotFound, ErrOutOfStock when taking more than is left.
func (s *Service) RestockReward(ctx context.Context, id, delta int64) (model.Reward, error) {
	var r model.Reward
	if delta == 0 || delta > 1e8 || delta < -1e8 {
		return r, model.Errorf(model.EINVALID, "delta %d: want a non-zero number within ±100000000", delta)
	}
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&model.Reward{}).Where("id = ? AND stock + ? >= 0", id, delta).Update("stock", gorm.Expr("stock + ?", delta))
		if res.Error != nil {
			return res.Error
		}
		if err := tx.Take(&r, id).Error; err != nil {
			return store.NotFound(err, model.ErrRewardNotFound)
		}
		if res.RowsAffected == 0 {
			return model.Detail(model.ErrOutOfStock, "only %d left; cannot take %d", r.Stock, -delta)
		}
		return nil
	})
	if err == nil && s.opts.StockGate != nil {
		// The gate follows the new stock now rather than at the next
		// periodic reconcile; if Redis fails, that reconcile does it.
		if gerr := s.opts.StockGate.Reconcile(context.WithoutCancel(ctx), id); gerr != nil {
			slog.Warn("stock gate: reconcile after restock failed", "reward", id, "err", gerr)
		}
	}
	return r, err
}

// Reward returns one reward. Errors: ErrRewardNotFound.
func (s *Service) Reward(ctx context.Context, id int64) (model.Reward, error) {
	var r model.Reward
	err := s.db.WithContext(ctx).Take(&r, id).Error
	return r, store.NotFound(err, model.ErrRewardNotFound)
}

// Rewards returns the rewards by id; activeOnly leaves out switched-off ones.
// Errors: the database's.
func (s *Service) Rewards(ctx context.Context, activeOnly bool) ([]model.Reward, error) {
	q := s.db.WithContext(ctx).Order("id")
	if activeOnly {
		q = q.Where("active = ?", true)
	}
	out := []model.Reward{}
	return out, q.Find(&out).Error
}

// Offer is a reward as one member sees it in the mall.
type Offer struct {
	Reward model.Reward
	Short  int64 // points still missing; 0 when the balance covers it
	Left   int64 // redemptions left under the per-member limit; -1 no limit
}

// Offers returns the rewards the member can redeem now, cheapest first: on
// sale, in stock, open to the member's level and under the per-member
// limit. Those the balance does not cover yet say how many points are
// short. Errors: ErrMemberNotFound.
func (s *Service) Offers(ctx context.Context, memberID int64) ([]Offer, int64, error) {
	st, err := s.current(s.db.WithContext(ctx))
	if err != nil {
		return nil, 0, err
	}
	var m model.Member
	if err := s.db.WithContext(ctx).Select("id, points, level").Take(&m, memberID).Error; err != nil {
		return nil, 0, store.NotFound(err, model.ErrMemberNotFound)
	}
	var rewards []model.Reward
	if err := s.db.WithContext(ctx).Where("active = ? AND stock > 0", true).Order("points_cost, id").Find(&rewards).Error; err != nil {
		return nil, 0, err
	}
	var claims []model.RewardClaim
	if err := s.db.WithContext(ctx).Where("member_id = ?", memberID).Find(&claims).Error; err != nil {
		return nil, 0, err
	}
	used := map[int64]int64{}
	for _, c := range claims {
		used[c.RewardID] = c.Count
	}
	now := s.now()
	out := []Offer{}
	for _, r := range rewards {
		if !r.OnSale(now) || (r.MinLevel != "" && st.levels.rank(m.Level) < st.levels.rank(r.MinLevel)) {
			continue
		}
		o := Offer{Reward: r, Short: max(r.PointsCost-m.Points, 0), Left: -1}
		if r.PerMemberLimit > 0 {
			if o.Left = r.PerMemberLimit - used[r.ID]; o.Left <= 0 {
				continue
			}
		}
		out = append(out, o)
	}
	return out, m.Points, nil
}
