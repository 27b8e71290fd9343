package loyalty

import (
	"context"
	"fmt"
	"math/big"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// DefaultRules are the earning rules seeded when the configuration gives
// none: 20 points for the first follow, 1 point and 1 growth per yuan, 5
// points per share (at most 15 a day), 10 per review and 20 per survey (at
// most 100 a month each), 100 points and 50 growth on the birthday, 50
// points and 10 growth per invited friend (at most 500 a month).
func DefaultRules() []model.EarningRule {
	return []model.EarningRule{
		{Channel: model.ChannelFollow, Enabled: true, Points: 20},
		{Channel: model.ChannelOrder, Enabled: true, PointsPerYuan: 1, GrowthPerYuan: 1},
		{Channel: model.ChannelShare, Enabled: true, Points: 5, Growth: 1, CapPoints: 15, CapPeriod: model.CapDay},
		{Channel: model.ChannelReview, Enabled: true, Points: 10, Growth: 2, CapPoints: 100, CapPeriod: model.CapMonth},
		{Channel: model.ChannelSurvey, Enabled: true, Points: 20, Growth: 2, CapPoints: 100, CapPeriod: model.CapMonth},
		{Channel: model.ChannelBirthday, Enabled: true, Points: 100, Growth: 50},
		{Channel: model.ChannelReferral, Enabled: true, Points: 50, Growth: 10, CapPoints: 500, CapPeriod: model.CapMonth},
	}
}

// EarningRules returns every channel's rule.
// Errors: the database's.
func (s *Service) EarningRules(ctx context.Context) ([]model.EarningRule, error) {
	out := []model.EarningRule{}
	return out, s.db.WithContext(ctx).Order("channel").Find(&out).Error
}

// SaveEarningRule replaces the rule of r.Channel. Errors: EINVALID.
func (s *Service) SaveEarningRule(ctx context.Context, r model.EarningRule) (model.EarningRule, error) {
	if err := r.Validate(); err != nil {
		return r, err
	}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{UpdateAll: true}).Create(&r).Error
	s.invalidate()
	return r, err
}

// rule returns the channel's rule; a missing rule earns nothing.
func (s *Service) rule(ctx context.Context, channel string) (model.EarningRule, error) {
	st, err := s.current(s.db.WithContext(ctx))
	if err != nil {
		return model.EarningRule{}, err
	}
	r, ok := st.rules[channel]
	if !ok {
		return model.EarningRule{Channel: channel}, nil
	}
	return r, nil
}

// grant is what an earning event may credit after the channel's cap.
type grant struct {
	Points, Growth int64
	Capped         bool // the cap cut the points (to zero or partly)
}

// applyCap takes points from the channel's cap for the current period, in
// tx with the member locked: a counter row per member, channel and period
// moved by a guarded update, so the cap holds under concurrency. Points
// beyond the cap are not credited; an event capped to nothing earns no
// growth either.
func (s *Service) applyCap(tx *gorm.DB, memberID int64, r model.EarningRule, points, growth int64) (grant, error) {
	g := grant{Points: points, Growth: growth}
	if r.CapPoints <= 0 || points <= 0 {
		return g, nil
	}
	period := model.CapPeriodKey(r.CapPeriod, s.now().In(s.loc))
	row := model.PointsCap{MemberID: memberID, Channel: r.Channel, Period: period}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return g, err
	}
	var cur model.PointsCap
	if err := store.ForUpdate(tx.Where("member_id = ? AND channel = ? AND period = ?", memberID, r.Channel, period)).Take(&cur).Error; err != nil {
		return g, err
	}
	g.Points = min(points, max(r.CapPoints-cur.Used, 0))
	g.Capped = g.Points < points
	if g.Points == 0 {
		g.Growth = 0
		return g, nil
	}
	res := tx.Model(&model.PointsCap{}).Where("id = ? AND used + ? <= ?", cur.ID, g.Points, r.CapPoints).
		Update("used", gorm.Expr("used + ?", g.Points))
	if res.Error != nil {
		return g, res.Error
	} else if res.RowsAffected == 0 {
		return g, fmt.Errorf("cap %s/%s of member %d moved concurrently", r.Channel, period, memberID)
	}
	return g, nil
}

// orderEarning computes what an order of amountFen earns under r at a
// level multiplier: points = floor(yuan × points per yuan × multiplier),
// growth = floor(yuan × growth per yuan), in exact integer arithmetic.
func orderEarning(r model.EarningRule, amountFen, multiplierPermille int64) (points, growth int64) {
	perYuan := func(rate float64, permille int64) int64 {
		milli := int64(rate*1000 + 0.5)
		n := new(big.Int).Mul(big.NewInt(amountFen), big.NewInt(milli))
		n.Mul(n, big.NewInt(permille))
		return n.Quo(n, big.NewInt(100*1000*1000)).Int64()
	}
	return perYuan(r.PointsPerYuan, multiplierPermille), perYuan(r.GrowthPerYuan, 1000)
}
