package model

import "time"

// GuideDeparture marks a guide as departed (离职): by HQ or by WeCom's
// address-book event. A departed guide is no longer an "active" guide of
// their store, so a spread handover skips them; their customers stay with
// them until a handover moves them.
type GuideDeparture struct {
	ID          int64     `gorm:"primaryKey" json:"id"`
	GuideUserID string    `gorm:"size:64;not null;uniqueIndex" json:"guide_userid"`
	StoreCode   string    `gorm:"size:64;not null;default:''" json:"store_code"`
	Source      string    `gorm:"size:16;not null" json:"source"` // DepartByHQ or DepartByEvent
	DepartedAt  time.Time `json:"departed_at"`
	CreatedAt   time.Time `json:"created_at"`
}

// Who marked a guide departed (GuideDeparture.Source).
const (
	DepartByHQ    = "hq"
	DepartByEvent = "wecom_event"
)

// Handover states and kinds.
const (
	HandoverResigned = "resigned" // 离职继承: the guide has left (resigned/transfer_customer)
	HandoverOnJob    = "on_job"   // 在职继承: still employed (transfer_customer, with a message)

	HandoverTransferring = "transferring" // customers not yet sent to WeCom
	HandoverWaiting      = "waiting"      // sent; waiting for WeCom's results
	HandoverDone         = "done"         // every item succeeded or failed
)

// Handover item states.
const (
	ItemPending   = "pending"   // not yet sent to WeCom
	ItemWaiting   = "waiting"   // WeCom accepted the request; the takeover is pending
	ItemSucceeded = "succeeded" // WeCom confirmed; Siyu moved the customer
	ItemFailed    = "failed"    // refused (by WeCom, the customer or a limit); nothing moved
)

// Handover is one plan to hand a guide's customers (and groups) to other
// guides. PollRound names the poll job that is queued (the sweeper looks
// for handover:poll:<id>:<round>).
type Handover struct {
	ID         int64  `gorm:"primaryKey" json:"id"`
	FromUserID string `gorm:"size:64;not null;index" json:"from"`
	ToUserID   string `gorm:"size:64;not null;default:''" json:"to,omitempty"`
	ByStore    bool   `gorm:"not null;default:false" json:"by_store"`
	Kind       string `gorm:"size:16;not null" json:"kind"`
	Message    string `gorm:"size:400;not null;default:''" json:"message,omitempty"`
	State      string `gorm:"size:16;not null;index" json:"state"`
	MoveStore  bool   `gorm:"not null;default:true" json:"move_store"`
	Customers  int    `gorm:"not null;default:0" json:"customers"`
	Groups     int    `gorm:"not null;default:0" json:"groups"`
	// GroupsSucceeded and GroupsFailed count the groups WeCom handed over
	// and refused (Succeeded and Failed count customers).
	GroupsSucceeded int             `gorm:"not null;default:0" json:"groups_succeeded"`
	GroupsFailed    int             `gorm:"not null;default:0" json:"groups_failed"`
	OpenItems       int             `gorm:"not null;default:0" json:"open_items"`
	Succeeded       int             `gorm:"not null;default:0" json:"succeeded"`
	Failed          int             `gorm:"not null;default:0" json:"failed"`
	PollRound       int             `gorm:"not null;default:0" json:"-"`
	CreatedBy       string          `gorm:"size:64;not null;default:''" json:"created_by,omitempty"`
	FinishedAt      *time.Time      `json:"finished_at,omitempty"`
	CreatedAt       time.Time       `json:"created_at"`
	UpdatedAt       time.Time       `json:"updated_at"`
	Items           []HandoverItem  `gorm:"-" json:"items,omitempty"`
	GroupItems      []HandoverGroup `gorm:"-" json:"group_items,omitempty"`
}

// HandoverGroup is one customer group of a handover and what became of
// it. WeCom answers a group transfer at once (no takeover period), so an
// item goes from pending straight to succeeded or failed; the unique
// (handover, chat_id) key makes a re-run write nothing twice.
type HandoverGroup struct {
	ID         int64      `gorm:"primaryKey" json:"id"`
	HandoverID int64      `gorm:"not null;uniqueIndex:idx_handover_chat,priority:1;index:idx_handover_group_status,priority:1" json:"-"`
	ChatID     string     `gorm:"size:64;not null;uniqueIndex:idx_handover_chat,priority:2;index" json:"chat_id"`
	Name       string     `gorm:"size:128;not null;default:''" json:"name"`
	FromUserID string     `gorm:"size:64;not null" json:"from"`
	ToUserID   string     `gorm:"size:64;not null" json:"to"`
	Status     string     `gorm:"size:16;not null;index:idx_handover_group_status,priority:2" json:"status"` // ItemPending, ItemSucceeded or ItemFailed
	ErrCode    int        `gorm:"not null;default:0" json:"errcode,omitempty"`
	Reason     string     `gorm:"size:255;not null;default:''" json:"reason,omitempty"`
	DoneAt     *time.Time `json:"done_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// HandoverItem is one customer of a handover and what became of it. The
// unique (handover, external_userid) key makes a re-run write nothing twice.
type HandoverItem struct {
	ID             int64      `gorm:"primaryKey" json:"id"`
	HandoverID     int64      `gorm:"not null;uniqueIndex:idx_handover_ext,priority:1;index:idx_handover_status,priority:1" json:"-"`
	MemberID       int64      `gorm:"not null;index" json:"member_id"`
	ExternalUserID string     `gorm:"size:128;not null;uniqueIndex:idx_handover_ext,priority:2;index" json:"external_userid"`
	FromUserID     string     `gorm:"size:64;not null" json:"from"`
	ToUserID       string     `gorm:"size:64;not null" json:"to"`
	Status         string     `gorm:"size:16;not null;index:idx_handover_status,priority:2" json:"status"`
	ErrCode        int        `gorm:"not null;default:0" json:"errcode,omitempty"`
	Reason         string     `gorm:"size:255;not null;default:''" json:"reason,omitempty"`
	OpenItemsMoved int        `gorm:"not null;default:0" json:"open_items_moved"`
	DoneAt         *time.Time `json:"done_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// EventHandover is the member timeline entry of a confirmed handover.
const EventHandover = "handover"

// Named handover errors.
var (
	ErrHandoverNotFound = &Error{Code: ENOTFOUND, Message: "handover not found"}
	ErrGuideNotFound    = &Error{Code: ENOTFOUND, Message: "guide not found"}
)
