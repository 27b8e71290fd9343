package model

import (
	"fmt"
	"time"
	"unicode/utf8"
)

// Coupon template kinds.
const (
	CouponCash     = "cash"     // ValueFen off, from ThresholdFen
	CouponDiscount = "discount" // pay DiscountPercent % (85 = 8.5折), from ThresholdFen
	CouponGift     = "gift"     // a free Gift
)

// CouponTemplate describes coupons that can be issued: what they are worth
// and how long they are valid (ValidDays from issue, or the fixed
// ValidFrom..ValidTo window).
type CouponTemplate struct {
	ID              int64      `gorm:"primaryKey" json:"id"`
	Name            string     `gorm:"size:64;not null" json:"name"`
	Kind            string     `gorm:"size:16;not null" json:"kind"`
	ValueFen        int64      `gorm:"not null;default:0" json:"value_fen"`
	DiscountPercent int64      `gorm:"not null;default:0" json:"discount_percent"`
	Gift            string     `gorm:"size:64;not null;default:''" json:"gift"`
	ThresholdFen    int64      `gorm:"not null;default:0" json:"threshold_fen"`
	ValidDays       int64      `gorm:"not null;default:0" json:"valid_days"`
	ValidFrom       *time.Time `json:"valid_from,omitempty"`
	ValidTo         *time.Time `json:"valid_to,omitempty"`
	Description     string     `gorm:"size:256;not null;default:''" json:"description"`
	Active          bool       `gorm:"not null" json:"active"`
	// GuideDailyQuota lets guides issue this coupon from the sidebar, at
	// most this many per guide per business day; 0 keeps it for HQ.
	GuideDailyQuota int64     `gorm:"not null;default:0" json:"guide_daily_quota"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// Validate reports the first problem with t as an EINVALID *Error.
func (t *CouponTemplate) Validate() error {
	if n := utf8.RuneCountInString(t.Name); n == 0 || n > 30 {
		return Errorf(EINVALID, "name: want 1-30 characters")
	}
	if t.GuideDailyQuota < 0 || t.GuideDailyQuota > 1000 {
		return Errorf(EINVALID, "guide_daily_quota %d: want 0..1000 (0: guides may not issue it)", t.GuideDailyQuota)
	}
	if t.ThresholdFen < 0 || t.ThresholdFen > MaxOrderFen {
		return Errorf(EINVALID, "threshold_fen %d: want 0..%d", t.ThresholdFen, MaxOrderFen)
	}
	switch t.Kind {
	case CouponCash:
		if t.ValueFen <= 0 || t.ValueFen > MaxOrderFen {
			return Errorf(EINVALID, "value_fen %d: a cash coupon needs 1..%d", t.ValueFen, MaxOrderFen)
		}
		if t.ThresholdFen > 0 && t.ValueFen > t.ThresholdFen {
			return Errorf(EINVALID, "value_fen %d exceeds threshold_fen %d", t.ValueFen, t.ThresholdFen)
		}
	case CouponDiscount:
		if t.DiscountPercent < 1 || t.DiscountPercent > 99 {
			return Errorf(EINVALID, "discount_percent %d: want 1..99 (85 = pay 85%%, 8.5折)", t.DiscountPercent)
		}
	case CouponGift:
		if n := utf8.RuneCountInString(t.Gift); n == 0 || n > 30 {
			return Errorf(EINVALID, "gift: a gift coupon names its gift (1-30 characters)")
		}
	default:
		return Errorf(EINVALID, "kind %q: want cash, discount or gift", t.Kind)
	}
	fixed := t.ValidFrom != nil || t.ValidTo != nil
	switch {
	case fixed && t.ValidDays != 0:
		return Errorf(EINVALID, "give valid_days or valid_from/valid_to, not both")
	case fixed && (t.ValidFrom == nil || t.ValidTo == nil || !t.ValidTo.After(*t.ValidFrom)):
		return Errorf(EINVALID, "valid_from and valid_to: both needed, valid_to after valid_from")
	case !fixed && (t.ValidDays < 1 || t.ValidDays > 3660):
		return Errorf(EINVALID, "valid_days %d: want 1..3660 (or valid_from/valid_to)", t.ValidDays)
	}
	if utf8.RuneCountInString(t.Description) > 100 {
		return Errorf(EINVALID, "description: at most 100 characters")
	}
	return nil
}

// Title is the short text a member sees: 满100减20, 8.5折, 赠品：帆布袋.
func (t *CouponTemplate) Title() string {
	var s string
	switch t.Kind {
	case CouponCash:
		s = fmt.Sprintf("减%s元", yuan(t.ValueFen))
	case CouponDiscount:
		s = zhe(t.DiscountPercent) + "折"
	case CouponGift:
		s = "赠品：" + t.Gift
	}
	if t.ThresholdFen > 0 && t.Kind != CouponGift {
		s = fmt.Sprintf("满%s元", yuan(t.ThresholdFen)) + s
	}
	return t.Name + "（" + s + "）"
}

// yuan formats fen as yuan without trailing zeros: 2000 → 20, 1250 → 12.5.
func yuan(fen int64) string {
	switch {
	case fen%100 == 0:
		return fmt.Sprintf("%d", fen/100)
	case fen%10 == 0:
		return fmt.Sprintf("%d.%d", fen/100, fen%100/10)
	default:
		return fmt.Sprintf("%d.%02d", fen/100, fen%100)
	}
}

// zhe formats a pay percentage as 折: 85 → 8.5, 80 → 8.
func zhe(p int64) string {
	if p%10 == 0 {
		return fmt.Sprintf("%d", p/10)
	}
	return fmt.Sprintf("%d.%d", p/10, p%10)
}

// Coupon states.
const (
	CouponIssued   = "issued"
	CouponRedeemed = "redeemed"
	CouponExpired  = "expired"
)

// Coupon sources.
const (
	SourceRedemption   = "redemption"
	SourceHQ           = "hq"
	SourceGuide        = "guide"
	SourceLevelUp      = "level_up"
	SourceLevelMonthly = "level_monthly"
	SourceTask         = "task" // an HQ task's coupon push
)

// Coupon is one issued coupon with a unique, unguessable Code. IssueKey is
// unique too, so a retried issue never issues twice. It moves issued →
// redeemed (核销, once) or issued → expired.
type Coupon struct {
	ID            int64      `gorm:"primaryKey" json:"id"`
	Code          string     `gorm:"size:32;not null;uniqueIndex" json:"code"`
	TemplateID    int64      `gorm:"not null;index" json:"template_id"`
	MemberID      int64      `gorm:"not null;index:idx_coupon_member,priority:1" json:"member_id"`
	Title         string     `gorm:"size:128;not null" json:"title"`
	Status        string     `gorm:"size:16;not null;index:idx_coupon_member,priority:2" json:"status"`
	Source        string     `gorm:"size:16;not null" json:"source"`
	IssueKey      string     `gorm:"size:191;not null;uniqueIndex" json:"-"`
	ValidFrom     time.Time  `json:"valid_from"`
	ValidTo       time.Time  `gorm:"index" json:"valid_to"`
	RedeemedAt    *time.Time `json:"redeemed_at,omitempty"`
	RedeemedStore string     `gorm:"size:64;not null;default:''" json:"redeemed_store,omitempty"`
	RedeemRequest string     `gorm:"size:64;not null;default:''" json:"-"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// Named coupon errors.
var (
	ErrCouponNotFound        = &Error{Code: ENOTFOUND, Message: "coupon not found"}
	ErrCouponTemplateMissing = &Error{Code: ENOTFOUND, Message: "coupon template not found"}
	ErrCouponUsed            = &Error{Code: ECONFLICT, Message: "coupon already redeemed"}
	ErrCouponExpired         = &Error{Code: ECONFLICT, Message: "coupon expired or not yet valid"}
)

// GuideCouponQuota counts the coupons of one template a guide issued on one
// business day; the guarded update of Used enforces GuideDailyQuota.
type GuideCouponQuota struct {
	ID          int64  `gorm:"primaryKey"`
	GuideUserID string `gorm:"size:64;not null;uniqueIndex:uk_guide_coupon_quota"`
	TemplateID  int64  `gorm:"not null;uniqueIndex:uk_guide_coupon_quota"`
	Day         string `gorm:"size:10;not null;uniqueIndex:uk_guide_coupon_quota"`
	Used        int64  `gorm:"not null;default:0"`
}

// ErrGuideQuotaUsed: the guide has issued today's quota of the coupon.
var ErrGuideQuotaUsed = &Error{Code: ECONFLICT, Message: "today's quota for this coupon is used up"}
