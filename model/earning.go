package model

import (
	"fmt"
	"math"
	"time"
)

// Earning channels: each has one EarningRule.
const (
	ChannelFollow   = "follow"   // first follow of the Official Account
	ChannelOrder    = "order"    // paid orders, per yuan, times the level multiplier
	ChannelShare    = "share"    // interaction events posted by HQ systems
	ChannelReview   = "review"   //
	ChannelSurvey   = "survey"   //
	ChannelBirthday = "birthday" // once a year, on the member's birthday
	ChannelReferral = "referral" // credited to the inviter, once per invitee
)

// Channels lists every earning channel with a rule.
var Channels = []string{ChannelFollow, ChannelOrder, ChannelShare, ChannelReview, ChannelSurvey, ChannelBirthday, ChannelReferral}

// InteractionChannels are the event types HQ systems may post.
var InteractionChannels = []string{ChannelShare, ChannelReview, ChannelSurvey}

// Cap periods.
const (
	CapDay   = "day"
	CapWeek  = "week"
	CapMonth = "month"
)

// EarningRule says what one channel earns. Points and Growth are per event;
// for the order channel PointsPerYuan and GrowthPerYuan apply instead. A
// non-zero CapPoints limits the points one member earns from the channel
// per CapPeriod (business calendar day, ISO week or month).
type EarningRule struct {
	Channel       string    `gorm:"primaryKey;size:32" json:"channel"`
	Enabled       bool      `gorm:"not null" json:"enabled"`
	Points        int64     `gorm:"not null;default:0" json:"points"`
	Growth        int64     `gorm:"not null;default:0" json:"growth"`
	PointsPerYuan float64   `gorm:"not null;default:0" json:"points_per_yuan"`
	GrowthPerYuan float64   `gorm:"not null;default:0" json:"growth_per_yuan"`
	CapPoints     int64     `gorm:"not null;default:0" json:"cap_points"`
	CapPeriod     string    `gorm:"size:8;not null;default:''" json:"cap_period"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Validate reports the first problem with r as an EINVALID *Error.
func (r *EarningRule) Validate() error {
	known := false
	for _, c := range Channels {
		known = known || c == r.Channel
	}
	if !known {
		return Errorf(EINVALID, "channel %q: want one of %v", r.Channel, Channels)
	}
	if r.Points < 0 || r.Points > 1e6 || r.Growth < 0 || r.Growth > 1e6 {
		return Errorf(EINVALID, "points and growth: want 0..1000000")
	}
	for name, v := range map[string]float64{"points_per_yuan": r.PointsPerYuan, "growth_per_yuan": r.GrowthPerYuan} {
		if v < 0 || v > 100 || math.Abs(v*1000-math.Round(v*1000)) > 1e-6 {
			return Errorf(EINVALID, "%s %v: want 0..100 with at most 3 decimals", name, v)
		}
	}
	if r.CapPoints < 0 {
		return Errorf(EINVALID, "cap_points %d: want ≥ 0 (0 = no cap)", r.CapPoints)
	}
	switch r.CapPeriod {
	case CapDay, CapWeek, CapMonth:
		if r.CapPoints == 0 {
			return Errorf(EINVALID, "cap_period %q needs cap_points > 0", r.CapPeriod)
		}
	case "":
		if r.CapPoints > 0 {
			return Errorf(EINVALID, "cap_points needs cap_period day, week or month")
		}
	default:
		return Errorf(EINVALID, "cap_period %q: want day, week, month or empty", r.CapPeriod)
	}
	return nil
}

// CapPeriodKey names the cap period containing t (already in the business
// time zone): 2025-05-01, 2025-W18 or 2025-05.
func CapPeriodKey(period string, t time.Time) string {
	switch period {
	case CapWeek:
		y, w := t.ISOWeek()
		return fmt.Sprintf("%d-W%02d", y, w)
	case CapMonth:
		return t.Format("2006-01")
	default:
		return t.Format(time.DateOnly)
	}
}

// PointsCap counts the points one member earned from one channel in one cap
// period; the guarded update of Used is what enforces the cap.
type PointsCap struct {
	ID       int64  `gorm:"primaryKey"`
	MemberID int64  `gorm:"not null;uniqueIndex:uk_points_cap"`
	Channel  string `gorm:"size:32;not null;uniqueIndex:uk_points_cap"`
	Period   string `gorm:"size:10;not null;uniqueIndex:uk_points_cap"`
	Used     int64  `gorm:"not null;default:0"`
}
