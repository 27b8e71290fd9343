package model

import "time"

// Behaviour weight classes of the activity score.
const (
	WeightLight  = "light"  // read an article, click a menu
	WeightMedium = "medium" // search, add to cart, share
	WeightCore   = "core"   // order, interaction, feedback
)

// BehaviorKinds maps every behaviour kind HQ systems may post to its
// weight class.
var BehaviorKinds = map[string]string{
	"read": WeightLight, "click": WeightLight,
	"search": WeightMedium, "add_cart": WeightMedium, "share": WeightMedium,
	"order": WeightCore, "interaction": WeightCore, "feedback": WeightCore,
}

// BehaviorEvent is one behaviour of a member reported by an HQ system (mall,
// content platform, POS) for the activity score. EventID is unique, so an
// event posted twice counts once.
type BehaviorEvent struct {
	ID         int64     `gorm:"primaryKey" json:"id"`
	EventID    string    `gorm:"size:64;not null;uniqueIndex" json:"event_id"`
	MemberID   int64     `gorm:"not null;index:idx_behavior_member_at,priority:1" json:"member_id"`
	Kind       string    `gorm:"size:32;not null" json:"kind"`
	Class      string    `gorm:"size:16;not null" json:"class"`
	OccurredAt time.Time `gorm:"not null;index:idx_behavior_member_at,priority:2;index" json:"occurred_at"`
	CreatedAt  time.Time `gorm:"index" json:"created_at"`
}

// SegmentStaging holds one recompute run's freshly computed values for a
// member next to the stored ones; rows live only while the run does.
// (The table is segment_work: an older segment_staging table, from before
// the activity score was stored as log2, is no longer used.)
type SegmentStaging struct {
	RunID        string   `gorm:"primaryKey;size:32"`
	MemberID     int64    `gorm:"primaryKey;autoIncrement:false"`
	Lifecycle    string   `gorm:"size:16;not null"`
	RFMSegment   string   `gorm:"size:32;not null"`
	ActivityLog2 *float64 //
	RFMAvgFen    *float64 //
	OldLifecycle string   `gorm:"size:16;not null"`
	OldRFM       string   `gorm:"size:32;not null"`
	Changed      bool     `gorm:"not null;default:false"` // any value differs
	TagChanged   bool     `gorm:"not null;default:false"` // lifecycle or RFM differs
}

// TableName keeps the staging table's name short and fixed.
func (SegmentStaging) TableName() string { return "segment_work" }

// Segment run kinds and states.
const (
	SegmentRunFull        = "full"        // every member
	SegmentRunIncremental = "incremental" // members whose inputs changed or whose time-based state crosses a boundary
	SegmentRunQueued      = "queued"
	SegmentRunRunning     = "running"
	SegmentRunDone        = "done"
	SegmentRunFailed      = "failed"
)

// SegmentRun is one segment recompute, asked by HQ or the daily schedule.
// It is saved before its job is queued, so a run asked while Redis is down
// is found by the sweeper and runs once Redis is back. The last done run
// is also the incremental run's watermark: what changed since InputsAt,
// the cut-offs of Day, the M threshold in force and the activity score's
// scale.
type SegmentRun struct {
	ID          int64      `gorm:"primaryKey" json:"id"`
	Key         string     `gorm:"column:run_key;size:64;not null;uniqueIndex" json:"key"` // day:<day> for the schedule, hq:<…> for HQ
	Kind        string     `gorm:"size:16;not null" json:"kind"`                           // asked: full or incremental; after the run, what ran
	State       string     `gorm:"size:16;not null;index:idx_segment_run_state,priority:1" json:"state"`
	RequestedBy string     `gorm:"size:64;not null;default:''" json:"requested_by"`
	Day         string     `gorm:"size:10;not null;default:''" json:"day,omitempty"` // business day the values are as of
	Members     int64      `gorm:"not null;default:0" json:"members"`                // members computed (touched)
	Changed     int64      `gorm:"not null;default:0" json:"changed"`                // members whose values changed
	TagChanged  int64      `gorm:"not null;default:0" json:"tag_changed"`            // members whose lifecycle or RFM changed
	Error       string     `gorm:"size:512;not null;default:''" json:"error,omitempty"`
	StartedAt   *time.Time `json:"started_at,omitempty"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	// InputsAt is the clock when the run began reading: the next
	// incremental run looks at what changed from then (less an overlap).
	InputsAt     *time.Time `json:"-"`
	ThresholdFen float64    `gorm:"not null;default:0" json:"threshold_fen"` // the M threshold in force after the run
	ScoreOffset  float64    `gorm:"not null;default:0" json:"-"`             // log2 scale of the activity score at Day
	RulesHash    string     `gorm:"size:16;not null;default:''" json:"-"`    // rules the run used; a change forces a full run
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `gorm:"index:idx_segment_run_state,priority:2" json:"updated_at"`
}

// Segment snapshot kinds.
const (
	SnapshotLifecycle = "lifecycle"
	SnapshotRFM       = "rfm"
)

// SegmentSnapshot counts the members in one lifecycle state or RFM cell on
// one business day, written by each recompute (the day's last run wins),
// so the metrics can show how the distributions moved.
type SegmentSnapshot struct {
	ID        int64  `gorm:"primaryKey"`
	Day       string `gorm:"size:10;not null;uniqueIndex:uk_segment_snapshot"`
	Kind      string `gorm:"size:16;not null;uniqueIndex:uk_segment_snapshot"`
	Value     string `gorm:"size:32;not null;uniqueIndex:uk_segment_snapshot"`
	Count     int64  `gorm:"not null"`
	CreatedAt time.Time
}

// Lifecycle change causes (LifecycleChange.Cause).
const (
	LifecycleCauseInteraction = "interaction" // a new interaction made the member more active
	LifecycleCauseAged        = "aged"        // time passed without one (or the 新客 days ran out)
	LifecycleCauseUnreachable = "unreachable" // unfollowed and no WeCom guide relation left: 流失
)

// LifecycleChange is one move of a member's lifecycle state, written by the
// segment recompute in the same transaction that stores the new state, so
// the win-back view can tell who lapsed and who came back, and when. ChangedAt is
// the run's time (a daily job sees a move up to a day late); Day is the
// run's business day. A member's first computed state is not a move.
type LifecycleChange struct {
	ID        int64     `gorm:"primaryKey" json:"id"`
	MemberID  int64     `gorm:"not null;index:idx_lifecycle_change_member,priority:1" json:"member_id"`
	StoreCode string    `gorm:"size:64;not null;default:''" json:"store_code"` // the member's store at the move
	FromState string    `gorm:"size:16;not null" json:"from"`
	ToState   string    `gorm:"size:16;not null" json:"to"`
	Cause     string    `gorm:"size:16;not null" json:"cause"`
	Day       string    `gorm:"size:10;not null;index" json:"day"`
	ChangedAt time.Time `gorm:"not null;index:idx_lifecycle_change_member,priority:2" json:"at"`
	RunID     string    `gorm:"size:32;not null" json:"run_id"`
}
