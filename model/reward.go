package model

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Reward kinds.
const (
	RewardCoupon   = "coupon"   // issues a coupon from CouponTemplateID
	RewardVirtual  = "virtual"  // delivered at once (membership perks, e-vouchers sent by HQ)
	RewardPhysical = "physical" // picked up at a store with a pickup code
)

// Reward is an item of the points mall.
type Reward struct {
	ID          int64  `gorm:"primaryKey" json:"id"`
	Name        string `gorm:"size:64;not null" json:"name"`
	Description string `gorm:"size:512;not null;default:''" json:"description"`
	// ImageURL is the picture the member centre's mall shows; empty: a
	// drawing by kind.
	ImageURL         string `gorm:"size:512;not null;default:''" json:"image_url"`
	PointsCost       int64  `gorm:"not null" json:"points_cost"`
	Kind             string `gorm:"size:16;not null" json:"kind"`
	CouponTemplateID *int64 `json:"coupon_template_id,omitempty"`
	// Stock is what is left; it only moves by guarded updates.
	Stock int64 `gorm:"not null;default:0" json:"stock"`
	// PerMemberLimit caps redemptions per member; 0 is no limit.
	PerMemberLimit int64 `gorm:"not null;default:0" json:"per_member_limit"`
	// MinLevel is the lowest level that may redeem; empty is everyone.
	MinLevel     string     `gorm:"size:32;not null;default:''" json:"min_level"`
	SaleStart    *time.Time `json:"sale_start,omitempty"`
	SaleEnd      *time.Time `json:"sale_end,omitempty"`
	PickupStores []string   `gorm:"serializer:json;type:text" json:"pickup_stores"`
	Active       bool       `gorm:"not null" json:"active"`
	CreatedAt    time.Time  `gorm:"index" json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Validate reports the first problem with r as an EINVALID *Error.
func (r *Reward) Validate() error {
	if n := utf8.RuneCountInString(r.Name); n == 0 || n > 30 {
		return Errorf(EINVALID, "name: want 1-30 characters")
	}
	if utf8.RuneCountInString(r.Description) > 200 {
		return Errorf(EINVALID, "description: at most 200 characters")
	}
	if r.ImageURL != "" && (len(r.ImageURL) > 512 || !(strings.HasPrefix(r.ImageURL, "https://") || strings.HasPrefix(r.ImageURL, "http://") || strings.HasPrefix(r.ImageURL, "/"))) {
		return Errorf(EINVALID, "image_url: want an http(s) URL or a path, at most 512 characters")
	}
	if r.PointsCost <= 0 || r.PointsCost > 1e8 {
		return Errorf(EINVALID, "points_cost %d: want 1..100000000", r.PointsCost)
	}
	if r.Stock < 0 || r.Stock > 1e8 {
		return Errorf(EINVALID, "stock %d: want 0..100000000", r.Stock)
	}
	if r.PerMemberLimit < 0 || r.PerMemberLimit > 1000 {
		return Errorf(EINVALID, "per_member_limit %d: want 0 (none)..1000", r.PerMemberLimit)
	}
	switch r.Kind {
	case RewardCoupon:
		if r.CouponTemplateID == nil || *r.CouponTemplateID <= 0 {
			return Errorf(EINVALID, "coupon_template_id: required for a coupon reward")
		}
	case RewardVirtual:
	case RewardPhysical:
		if len(r.PickupStores) == 0 {
			return Errorf(EINVALID, "pickup_stores: a physical reward needs at least one store code")
		}
	default:
		return Errorf(EINVALID, "kind %q: want coupon, virtual or physical", r.Kind)
	}
	if r.Kind != RewardCoupon {
		r.CouponTemplateID = nil
	}
	if r.Kind != RewardPhysical {
		r.PickupStores = nil
	}
	if len(r.PickupStores) > 100 {
		return Errorf(EINVALID, "pickup_stores: at most 100")
	}
	for _, s := range r.PickupStores {
		if s == "" || len(s) > 64 {
			return Errorf(EINVALID, "pickup store %q: want 1-64 characters", s)
		}
	}
	if r.PickupStores == nil {
		r.PickupStores = []string{}
	}
	if r.SaleStart != nil && r.SaleEnd != nil && !r.SaleEnd.After(*r.SaleStart) {
		return Errorf(EINVALID, "sale_end must be after sale_start")
	}
	return nil
}

// OnSale reports whether the reward may be redeemed at now (active and
// inside its sale window).
func (r *Reward) OnSale(now time.Time) bool {
	return r.Active && (r.SaleStart == nil || !now.Before(*r.SaleStart)) && (r.SaleEnd == nil || now.Before(*r.SaleEnd))
}

// RewardClaim counts one member's redemptions of one reward; the guarded
// update of Count enforces PerMemberLimit.
type RewardClaim struct {
	ID       int64 `gorm:"primaryKey"`
	MemberID int64 `gorm:"not null;uniqueIndex:uk_reward_claim"`
	RewardID int64 `gorm:"not null;uniqueIndex:uk_reward_claim"`
	Count    int64 `gorm:"not null;default:0"`
}

// Redemption states.
const (
	RedemptionDone     = "done"      // coupon issued or virtual reward delivered
	RedemptionToPickup = "to_pickup" // physical: waiting at the pickup store
	RedemptionPickedUp = "picked_up"
)

// Redemption is one exchange of points for a reward. RequestID is unique:
// the same request gets the same result.
type Redemption struct {
	ID           int64      `gorm:"primaryKey" json:"id"`
	RequestID    string     `gorm:"size:96;not null;uniqueIndex" json:"request_id"`
	MemberID     int64      `gorm:"not null;index" json:"member_id"`
	RewardID     int64      `gorm:"not null;index" json:"reward_id"`
	RewardName   string     `gorm:"size:64;not null" json:"reward_name"`
	Kind         string     `gorm:"size:16;not null" json:"kind"`
	Points       int64      `gorm:"not null" json:"points"`
	BalanceAfter int64      `gorm:"not null" json:"balance_after"`
	Status       string     `gorm:"size:16;not null" json:"status"`
	CouponID     *int64     `json:"coupon_id,omitempty"`
	CouponCode   string     `gorm:"size:32;not null;default:''" json:"coupon_code,omitempty"`
	PickupStore  string     `gorm:"size:64;not null;default:''" json:"pickup_store,omitempty"`
	PickupCode   *string    `gorm:"size:32;uniqueIndex" json:"pickup_code,omitempty"`
	PickedUpAt   *time.Time `json:"picked_up_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`
}

// Named redemption errors.
var (
	ErrRewardNotFound = &Error{Code: ENOTFOUND, Message: "reward not found"}
	ErrNotOnSale      = &Error{Code: ECONFLICT, Message: "reward is not on sale"}
	ErrLevelTooLow    = &Error{Code: EFORBIDDEN, Message: "member level too low for this reward"}
	ErrLimitReached   = &Error{Code: ECONFLICT, Message: "per-member limit reached for this reward"}
	ErrPickupNotFound = &Error{Code: ENOTFOUND, Message: "no redemption waiting for pickup with this code at this store"}
)
