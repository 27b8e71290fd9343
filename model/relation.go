package model

import "time"

// Who ended a guide relation (GuideRelation.EndedBy).
const (
	// EndedByGuide: the guide deleted the customer (del_external_contact).
	EndedByGuide = "guide"
	// EndedByCustomer: the customer deleted the guide (del_follow_user).
	EndedByCustomer = "customer"
	// EndedByTransfer: WeCom removed the relation while handing the customer
	// to another guide (del_external_contact with DELETE_BY_TRANSFER); not churn.
	EndedByTransfer = "transfer"
)

// Member event kinds for the WeCom channel.
const (
	EventWeComAdd   = "wecom_add"   // a guide added the member on WeCom
	EventWeComChurn = "wecom_churn" // a guide relation ended: one side deleted the other
	EventMerge      = "merge"       // another member with the same unionid was merged in
	// EventGuideDeleted: the member's guide was deleted from the WeCom
	// address book; recorded until the handover gives it consequences.
	EventGuideDeleted = "wecom_guide_deleted"
)

// GuideRelation is one period during which a guide (WeCom userid) had a
// customer (external_userid) as a contact. Rows are never deleted: an ended
// relation keeps who ended it and when, and adding the customer again starts
// a new row, so the table is the relation history.
//
// ActiveKey (corp|guide|external) is set only while the relation is active,
// so the unique index allows one active relation per pair and any number of
// ended ones. EventKey names the event that created the row (the add, or a
// delete whose add was never seen) and makes replays of it collide.
type GuideRelation struct {
	ID       int64  `gorm:"primaryKey;index:idx_relation_guide_id,priority:2" json:"id"`
	MemberID int64  `gorm:"not null;index" json:"member_id"`
	CorpID   string `gorm:"size:64;not null" json:"corp_id"`
	// (guide, id) serves a guide's customers in id order, as HQ task
	// dispatch pages through them; without it MySQL walks the primary key.
	GuideUserID    string     `gorm:"size:64;not null;index:idx_relation_pair,priority:1;index:idx_relation_guide_id,priority:1" json:"guide_userid"`
	ExternalUserID string     `gorm:"size:128;not null;index:idx_relation_pair,priority:2" json:"external_userid"`
	State          string     `gorm:"size:64;not null;default:''" json:"state,omitempty"`
	Remark         string     `gorm:"size:128;not null;default:''" json:"remark,omitempty"`
	AddedAt        *time.Time `json:"added_at,omitempty"` // nil when only the delete was seen
	EndedAt        *time.Time `gorm:"index" json:"ended_at,omitempty"`
	EndedBy        string     `gorm:"size:16;not null;default:''" json:"ended_by,omitempty"`
	ActiveKey      *string    `gorm:"size:191;uniqueIndex" json:"-"`
	EventKey       string     `gorm:"size:191;not null;uniqueIndex" json:"-"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `gorm:"index" json:"updated_at"`
}

// Active reports whether the relation has not ended.
func (r GuideRelation) Active() bool { return r.EndedAt == nil }
