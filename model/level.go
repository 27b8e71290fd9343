package model

import (
	"cmp"
	"math"
	"slices"
	"time"
	"unicode/utf8"
)

// Level is a membership tier (普通, 银卡, 金卡, 钻石…) reached when a member's
// growth value crosses Threshold. The level with threshold 0 is the base
// level every new member starts at; there is always exactly one.
type Level struct {
	ID   int64  `gorm:"primaryKey" json:"id"`
	Name string `gorm:"size:32;not null;uniqueIndex" json:"name"`
	// Threshold is the growth value that reaches the level.
	Threshold int64 `gorm:"not null;uniqueIndex" json:"threshold"`
	// KeepThreshold is the growth a member must earn over the review window
	// (SIYU_LEVEL_REVIEW_MONTHS) to keep the level at the periodic review.
	KeepThreshold int64 `gorm:"not null;default:0" json:"keep_threshold"`
	// Multiplier scales the points an order earns (1.5 = ×1.5).
	Multiplier float64 `gorm:"not null;default:1" json:"multiplier"`
	// UpgradeCoupons are coupon templates issued once on reaching the level.
	UpgradeCoupons []int64 `gorm:"serializer:json;type:text" json:"upgrade_coupons"`
	// MonthlyCoupons are coupon templates issued on the 1st of every month
	// to every member at the level.
	MonthlyCoupons []int64 `gorm:"serializer:json;type:text" json:"monthly_coupons"`
	// Benefits is the text shown to members (等级 in the chat).
	Benefits  string    `gorm:"size:512;not null;default:''" json:"benefits"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// MultiplierPermille returns the multiplier in thousandths, the integer the
// points arithmetic uses so 1.2 never becomes 1.1999….
func (l Level) MultiplierPermille() int64 { return int64(math.Round(l.Multiplier * 1000)) }

// Validate reports the first problem with l as an EINVALID *Error.
func (l *Level) Validate() error {
	if n := utf8.RuneCountInString(l.Name); n == 0 || n > 16 {
		return Errorf(EINVALID, "name %q: want 1-16 characters", l.Name)
	}
	if l.Threshold < 0 || l.Threshold > 1e9 {
		return Errorf(EINVALID, "threshold %d: want 0..1000000000", l.Threshold)
	}
	if l.KeepThreshold < 0 || l.KeepThreshold > l.Threshold {
		return Errorf(EINVALID, "keep_threshold %d: want 0..threshold (%d)", l.KeepThreshold, l.Threshold)
	}
	if l.Multiplier == 0 {
		l.Multiplier = 1
	}
	if l.Multiplier < 1 || l.Multiplier > 10 || math.Abs(l.Multiplier*1000-math.Round(l.Multiplier*1000)) > 1e-6 {
		return Errorf(EINVALID, "multiplier %v: want 1..10 with at most 3 decimals", l.Multiplier)
	}
	if utf8.RuneCountInString(l.Benefits) > 200 {
		return Errorf(EINVALID, "benefits: at most 200 characters")
	}
	for _, ids := range [][]int64{l.UpgradeCoupons, l.MonthlyCoupons} {
		if len(ids) > 10 {
			return Errorf(EINVALID, "upgrade_coupons, monthly_coupons: at most 10 templates each")
		}
		for _, id := range ids {
			if id <= 0 {
				return Errorf(EINVALID, "coupon template id %d: want a positive id", id)
			}
		}
	}
	if l.UpgradeCoupons == nil {
		l.UpgradeCoupons = []int64{}
	}
	if l.MonthlyCoupons == nil {
		l.MonthlyCoupons = []int64{}
	}
	return nil
}

// SortLevels orders levels by threshold, lowest (the base level) first.
func SortLevels(ls []Level) {
	slices.SortFunc(ls, func(a, b Level) int { return cmp.Compare(a.Threshold, b.Threshold) })
}

// DefaultLevels are the levels seeded into an empty levels table when the
// configuration names none: 普通 0, 银卡 500, 金卡 2000, 钻石 5000 growth, with
// multipliers 1, 1.2, 1.5, 2 and keep thresholds at half the threshold.
func DefaultLevels() []Level {
	return []Level{
		{Name: "普通", Threshold: 0, KeepThreshold: 0, Multiplier: 1, Benefits: "消费 1 元积 1 分"},
		{Name: "银卡", Threshold: 500, KeepThreshold: 250, Multiplier: 1.2, Benefits: "消费积分 1.2 倍"},
		{Name: "金卡", Threshold: 2000, KeepThreshold: 1000, Multiplier: 1.5, Benefits: "消费积分 1.5 倍，专属礼品"},
		{Name: "钻石", Threshold: 5000, KeepThreshold: 2500, Multiplier: 2, Benefits: "消费积分 2 倍，专属礼品与每月礼券"},
	}
}

// Reasons a member's level changed.
const (
	LevelUpgrade   = "upgrade"   // growth crossed a threshold
	LevelReview    = "review"    // the periodic review downgraded (or caught up)
	LevelAdminSet  = "admin"     // set by HQ
	PointsLevelSet = "level_set" // ledger kind: growth reset on a downgrade
)

// LevelChange is one entry of a member's level history.
type LevelChange struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	MemberID  int64     `gorm:"not null;index" json:"member_id"`
	From      string    `gorm:"column:from_level;size:32;not null" json:"from"`
	To        string    `gorm:"column:to_level;size:32;not null" json:"to"`
	Growth    int64     `gorm:"not null" json:"growth"` // growth when it changed
	Reason    string    `gorm:"size:16;not null" json:"reason"`
	CreatedAt time.Time `gorm:"index" json:"created_at"`
}
