package loyalty

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// The member centre's queries: what the page shows that the chat never
// needed (the month's check-ins, the whole mall with the member's state of
// each reward, one coupon of the member's). Writes go through the same
// methods as the chat (CheckIn, Redeem, SetBirthday).

// CheckInOutlook is today's check-in state and what the next ones earn.
type CheckInOutlook struct {
	Today         string // business day, YYYY-MM-DD
	CheckedIn     bool   // checked in today already
	Streak        int    // consecutive days up to today (or yesterday)
	TodayPoints   int64  // what today's check-in earns (or earned)
	TomorrowPoint int64  // what tomorrow's earns if the streak holds
	Days          []model.CheckIn
}

// CheckInMonth returns the member's check-ins in month (YYYY-MM, business
// time zone; "" is this month) and today's outlook, with the same rules as
// CheckIn. Errors: EINVALID for a bad month, ErrMemberNotFound.
func (s *Service) CheckInMonth(ctx context.Context, memberID int64, month string) (CheckInOutlook, error) {
	now := s.now().In(s.loc)
	if month == "" {
		month = now.Format("2006-01")
	}
	first, err := time.ParseInLocation("2006-01", month, s.loc)
	if err != nil {
		return CheckInOutlook{}, model.Errorf(model.EINVALID, "month %q: want YYYY-MM", month)
	}
	var m model.Member
	if err := s.db.WithContext(ctx).Select("id, checkin_streak, last_checkin_day").Take(&m, memberID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return CheckInOutlook{}, model.ErrMemberNotFound
	} else if err != nil {
		return CheckInOutlook{}, err
	}
	o := CheckInOutlook{Today: s.BusinessDay(now)}
	yesterday := s.BusinessDay(now.AddDate(0, 0, -1))
	switch m.LastCheckinDay {
	case o.Today:
		o.CheckedIn, o.Streak = true, m.CheckinStreak
		o.TodayPoints, o.TomorrowPoint = s.rules.Points(m.CheckinStreak), s.rules.Points(m.CheckinStreak+1)
	case yesterday:
		o.Streak = m.CheckinStreak
		o.TodayPoints, o.TomorrowPoint = s.rules.Points(m.CheckinStreak+1), s.rules.Points(m.CheckinStreak+2)
	default:
		o.TodayPoints, o.TomorrowPoint = s.rules.Points(1), s.rules.Points(2)
	}
	o.Days = []model.CheckIn{}
	err = s.db.WithContext(ctx).Where("member_id = ? AND day >= ? AND day < ?", memberID,
		first.Format(time.DateOnly), first.AddDate(0, 1, 0).Format(time.DateOnly)).Order("day").Find(&o.Days).Error
	return o, err
}

// CheckInRules returns the rules CheckIn applies, for the page to explain
// them.
func (s *Service) CheckInRules() CheckInRules { return s.rules }

// MallItem is a reward as one member sees it in the member centre's mall.
type MallItem struct {
	Reward model.Reward
	// State: "ok" (redeemable now), "short" (points missing), "level"
	// (level too low), "limit" (per-member limit used), "soldout",
	// "upcoming" (sale not started), "ended".
	State string
	Short int64 // points still missing
	Left  int64 // redemptions left under the per-member limit; -1 no limit
}

// Mall returns every active reward with the member's state of it, the
// redeemable first, then by cost, and the member's balance. It applies the
// rules Redeem enforces, so the page shows what a tap would answer.
// Errors: ErrMemberNotFound.
func (s *Service) Mall(ctx context.Context, memberID int64) ([]MallItem, int64, error) {
	st, err := s.current(s.db.WithContext(ctx))
	if err != nil {
		return nil, 0, err
	}
	var m model.Member
	if err := s.db.WithContext(ctx).Select("id, points, level").Take(&m, memberID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, 0, model.ErrMemberNotFound
	} else if err != nil {
		return nil, 0, err
	}
	rewards, err := s.Rewards(ctx, true)
	if err != nil {
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
	ok, rest := []MallItem{}, []MallItem{}
	for _, r := range rewards {
		it := MallItem{Reward: r, State: "ok", Short: max(r.PointsCost-m.Points, 0), Left: -1}
		if r.PerMemberLimit > 0 {
			it.Left = max(r.PerMemberLimit-used[r.ID], 0)
		}
		switch {
		case r.SaleEnd != nil && !now.Before(*r.SaleEnd):
			it.State = "ended"
		case r.SaleStart != nil && now.Before(*r.SaleStart):
			it.State = "upcoming"
		case r.Stock <= 0:
			it.State = "soldout"
		case r.MinLevel != "" && st.levels.rank(m.Level) < st.levels.rank(r.MinLevel):
			it.State = "level"
		case it.Left == 0:
			it.State = "limit"
		case it.Short > 0:
			it.State = "short"
		}
		if it.State == "ok" {
			ok = append(ok, it)
		} else {
			rest = append(rest, it)
		}
	}
	// Redeemable first, then what the member can work towards, then what
	// is closed to them; cheapest first within each.
	slices.SortStableFunc(ok, func(a, b MallItem) int { return cmp.Compare(a.Reward.PointsCost, b.Reward.PointsCost) })
	slices.SortStableFunc(rest, func(a, b MallItem) int {
		return cmp.Or(cmp.Compare(stateRank[a.State], stateRank[b.State]), cmp.Compare(a.Reward.PointsCost, b.Reward.PointsCost))
	})
	return append(ok, rest...), m.Points, nil
}

// MemberCoupon returns one of the member's coupons by id; another member's
// coupon is ErrCouponNotFound, exactly as a missing one.
func (s *Service) MemberCoupon(ctx context.Context, memberID, couponID int64) (model.Coupon, model.CouponTemplate, error) {
	var c model.Coupon
	var t model.CouponTemplate
	err := s.db.WithContext(ctx).Where("id = ? AND member_id = ?", couponID, memberID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return c, t, model.ErrCouponNotFound
	} else if err != nil {
		return c, t, err
	}
	if err := s.db.WithContext(ctx).Take(&t, c.TemplateID).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return c, t, err
	}
	return c, t, nil
}

// ErrBirthdaySet: a member may set their birthday once; HQ corrects it.
var ErrBirthdaySet = &model.Error{Code: model.ECONFLICT, Message: "birthday already set"}

// SetBirthdayOnce records the member's own birthday (MM-DD or YYYY-MM-DD)
// only while none is recorded, by a guarded update, so birthday points
// cannot be collected twice by moving it. Errors: EINVALID,
// ErrMemberNotFound, ErrBirthdaySet.
func (s *Service) SetBirthdayOnce(ctx context.Context, memberID int64, birthday string) error {
	if len(birthday) == len("2006-01-02") {
		birthday = birthday[5:]
	}
	if !model.ValidBirthday(birthday) {
		return model.Errorf(model.EINVALID, "birthday %q: want MM-DD or YYYY-MM-DD", birthday)
	}
	if _, err := s.Balance(ctx, memberID); err != nil {
		return err
	}
	res := s.db.WithContext(ctx).Model(&model.Member{}).Where("id = ? AND birthday = ''", memberID).Update("birthday", birthday)
	if res.Error != nil {
		return res.Error
	} else if res.RowsAffected == 0 {
		return ErrBirthdaySet
	}
	return nil
}

// SetWebProfile stores the nickname and avatar a member shared through web
// authorisation (snsapi_userinfo). Errors: EINVALID, the database's.
func (s *Service) SetWebProfile(ctx context.Context, memberID int64, nickname, avatar string) error {
	if utf8.RuneCountInString(nickname) > 64 || len(avatar) > 512 {
		return model.Errorf(model.EINVALID, "nickname or avatar too long")
	}
	return s.db.WithContext(ctx).Model(&model.Member{}).Where("id = ?", memberID).
		Updates(map[string]any{"nickname": nickname, "avatar": avatar}).Error
}

// stateRank orders the mall's closed rewards by how close the member is.
var stateRank = map[string]int{"short": 0, "upcoming": 1, "level": 2, "limit": 3, "soldout": 4, "ended": 5}

// StoreNames returns the names of the stores with the given codes (a
// code without a store is left out). Errors: the database's.
func (s *Service) StoreNames(ctx context.Context, codes []string) (map[string]string, error) {
	out := map[string]string{}
	if len(codes) == 0 {
		return out, nil
	}
	var stores []model.Store
	if err := s.db.WithContext(ctx).Select("code, name").Where("code IN ?", codes).Find(&stores).Error; err != nil {
		return nil, err
	}
	for _, st := range stores {
		out[st.Code] = st.Name
	}
	return out, nil
}
