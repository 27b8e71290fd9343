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

// CheckInRules sets what a daily check-in earns: Base points, plus
// StreakStep for each consecutive day before today (at most StreakCap extra),
// plus WeekBonus on every 7th consecutive day; and Growth value per check-in.
type CheckInRules struct {
	Base, StreakStep, StreakCap, WeekBonus, Growth int64
}

// DefaultCheckInRules: 5 points, +1 per consecutive day up to +5, +20 on
// every 7th day in a row, 1 growth. A week in a row earns 5+6+7+8+9+10+30 = 75.
var DefaultCheckInRules = CheckInRules{Base: 5, StreakStep: 1, StreakCap: 5, WeekBonus: 20, Growth: 1}

// Points returns what a check-in on the given streak day (1 = first day)
// earns.
func (r CheckInRules) Points(streak int) int64 {
	extra := min(int64(streak-1)*r.StreakStep, r.StreakCap)
	p := r.Base + extra
	if streak > 0 && streak%7 == 0 {
		p += r.WeekBonus
	}
	return p
}

// CheckInResult is what the member is told after checking in.
type CheckInResult struct {
	Day      string // business day, YYYY-MM-DD
	Already  bool   // true: checked in earlier today, nothing credited now
	Credited int64  // points credited by this check-in (0 when Already)
	Balance  int64  // points balance after it
	Streak   int    // consecutive days including today
	Growth   int64  // growth credited
	// NextPoints is what tomorrow's check-in earns if the streak holds.
	NextPoints int64
	// LevelUp is set when the check-in's growth reached a new level.
	LevelUp *LevelUp
}

// CheckIn checks the member in for today's business day: one check-in per
// (member, day), enforced by a unique index, credited through the ledger
// with key checkin:<member>:<day>. A second call the same day returns
// Already=true and credits nothing. Errors: ErrMemberNotFound, or the
// database's.
func (s *Service) CheckIn(ctx context.Context, memberID int64) (CheckInResult, error) {
	now := s.now()
	day := s.BusinessDay(now)
	var res CheckInResult
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		res = CheckInResult{Day: day}
		m, err := store.LockMember(tx, memberID)
		if err != nil {
			return err
		}
		if m.LastCheckinDay == day {
			return s.alreadyCheckedIn(&res, m)
		}
		return s.creditCheckIn(tx, &m, &res, now, false)
	})
	return res, err
}

// CheckInMember is CheckIn for a member row the caller has just read
// without a lock (the chat bot finds the member by openid first). It
// answers a second check-in the same day from that row, with no
// transaction, and otherwise skips the locking read: the transaction is
// the check-in row, the ledger entry and one member UPDATE guarded by the
// values read (points, growth, level, streak, last check-in day, not
// merged) — the same three statements as a bare check-in. When the row
// changed in between, it runs CheckIn instead. Errors: CheckIn's.
func (s *Service) CheckInMember(ctx context.Context, seen model.Member) (CheckInResult, error) {
	now := s.now()
	day := s.BusinessDay(now)
	if seen.ID == 0 || seen.MergedInto != nil {
		return s.CheckIn(ctx, seen.ID) // it reports the merge or the missing member
	}
	res := CheckInResult{Day: day}
	if seen.LastCheckinDay == day {
		return res, s.alreadyCheckedIn(&res, seen)
	}
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		m := seen
		res = CheckInResult{Day: day}
		return s.creditCheckIn(tx, &m, &res, now, true)
	})
	if errors.Is(err, errMemberChanged) {
		return s.CheckIn(ctx, seen.ID)
	}
	return res, err
}

// creditCheckIn records today's check-in of m (locked, or as read when
// unlocked: then the member UPDATE is guarded by m's values and
// errMemberChanged rolls back when they moved) and fills res.
func (s *Service) creditCheckIn(tx *gorm.DB, m *model.Member, res *CheckInResult, now time.Time, unlocked bool) error {
	day := s.BusinessDay(now)
	streak := 1
	if m.LastCheckinDay == s.BusinessDay(now.In(s.loc).AddDate(0, 0, -1)) {
		streak = m.CheckinStreak + 1
	}
	points := s.rules.Points(streak)
	ci := model.CheckIn{MemberID: m.ID, Day: day, Streak: streak, Points: points}
	if err := tx.Create(&ci).Error; err != nil {
		if model.IsDuplicate(err) {
			// A concurrent check-in won the unique index (possible only
			// where rows are not locked); re-read its result.
			if err := tx.Select("id, points, checkin_streak, last_checkin_day").First(m, m.ID).Error; err != nil {
				return err
			}
			return s.alreadyCheckedIn(res, *m)
		}
		return err
	}
	p, err := s.post(tx, m, Entry{
		MemberID: m.ID, Delta: points, Growth: s.rules.Growth, Kind: model.PointsCheckIn,
		IdemKey: fmt.Sprintf("checkin:%d:%s", m.ID, day), Note: fmt.Sprintf("签到第%d天", streak), ifUnchanged: unlocked,
	}, map[string]any{"checkin_streak": streak, "last_checkin_day": day, "last_active_at": now.UTC()})
	if err != nil {
		return err
	}
	if !p.Applied { // the check-in row was new, so its ledger key must be too
		return fmt.Errorf("check-in ledger key for member %d on %s already used", m.ID, day)
	}
	res.Credited, res.Growth, res.Streak = points, s.rules.Growth, streak
	res.Balance, res.LevelUp = m.Points, p.LevelUp
	res.NextPoints = s.rules.Points(streak + 1)
	return nil
}

func (s *Service) alreadyCheckedIn(res *CheckInResult, m model.Member) error {
	res.Already = true
	res.Balance = m.Points
	res.Streak = m.CheckinStreak
	res.NextPoints = s.rules.Points(m.CheckinStreak + 1)
	return nil
}

// TodayCheckedIn reports whether the member has checked in today.
func (s *Service) TodayCheckedIn(ctx context.Context, memberID int64) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&model.CheckIn{}).
		Where("member_id = ? AND day = ?", memberID, s.BusinessDay(s.now())).Count(&n).Error
	return n > 0, err
}

// RecentCheckIns returns the member's check-ins since the given time, newest
// first.
func (s *Service) RecentCheckIns(ctx context.Context, memberID int64, since time.Time) ([]model.CheckIn, error) {
	var out []model.CheckIn
	err := s.db.WithContext(ctx).Where("member_id = ? AND day >= ?", memberID, s.BusinessDay(since)).
		Order("day DESC").Find(&out).Error
	return out, err
}
