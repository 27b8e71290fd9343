package model

import "time"

// Ledger entry kinds.
const (
	PointsCheckIn     = "checkin"
	PointsSceneBonus  = "scene_bonus"
	PointsOrder       = "order"
	PointsRefund      = "refund"
	PointsRedeem      = "redeem"
	PointsExpire      = "expire"
	PointsAdjust      = "adjust"
	PointsInteraction = "interaction"
	PointsBirthday    = "birthday"
	PointsReferral    = "referral"
	PointsFollow      = "follow"
	PointsMerge       = "merge"
)

// PointsEntry is one append-only line of a member's points ledger. IdemKey
// is unique, so a retried callback, task or API call can never credit twice
// (checkin:<member>:<day>, order:<id>, redeem:<request id>, expire:<entry>).
// Remaining is how much of a credit is still unspent and unexpired, for
// oldest-first consumption; it is the one column updated after insert.
type PointsEntry struct {
	ID       int64 `gorm:"primaryKey" json:"id"`
	MemberID int64 `gorm:"not null;index:idx_points_member,priority:1" json:"member_id"`
	Delta    int64 `gorm:"not null" json:"delta"`
	// GrowthDelta is the growth value this entry earned (or reversed): growth
	// shares the ledger so a refund reverses both in one entry.
	GrowthDelta int64      `gorm:"not null;default:0" json:"growth_delta"`
	Kind        string     `gorm:"size:32;not null" json:"kind"`
	IdemKey     string     `gorm:"size:191;not null;uniqueIndex" json:"idem_key"`
	Note        string     `gorm:"size:255;not null;default:''" json:"note,omitempty"`
	Remaining   int64      `gorm:"not null;default:0" json:"remaining"`
	ExpiresAt   *time.Time `gorm:"index" json:"expires_at,omitempty"`
	CreatedAt   time.Time  `gorm:"index:idx_points_member,priority:2" json:"created_at"`
}

// CheckIn is one member's check-in on one business day; (member, day) is
// unique in the database.
type CheckIn struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	MemberID  int64     `gorm:"not null;uniqueIndex:uk_checkin_day" json:"member_id"`
	Day       string    `gorm:"size:10;not null;uniqueIndex:uk_checkin_day;index" json:"day"` // YYYY-MM-DD in SIYU_TIMEZONE
	Streak    int       `gorm:"not null" json:"streak"`
	Points    int64     `gorm:"not null" json:"points"`
	CreatedAt time.Time `gorm:"index" json:"created_at"`
}
