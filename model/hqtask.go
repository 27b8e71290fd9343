package model

import (
	"strings"
	"time"
	"unicode/utf8"
)

// HQ task kinds.
const (
	TaskKindMessage  = "message"  // send a message or script to each customer
	TaskKindCoupon   = "coupon"   // push a coupon to each customer and tell them
	TaskKindFollowUp = "followup" // follow up by call or visit
	// TaskKindGroupMessage targets customer groups instead of customers:
	// an item per group for its owner, sent as one group send per owner.
	TaskKindGroupMessage = "group_message"
)

// HQ task states: draft → dispatching → active → closed, or cancelled
// from any state before closed.
const (
	TaskDraft       = "draft"
	TaskDispatching = "dispatching"
	TaskActive      = "active"
	TaskClosed      = "closed"
	TaskCancelled   = "cancelled"
)

// Task item states.
const (
	ItemOpen    = "open"
	ItemDone    = "done"
	ItemSkipped = "skipped"
)

// HQTask is an instruction from HQ to stores and guides. Targets (store
// codes, guide userids, the customer filter) are kept as JSON text, so the
// task is one row; the tasks package decodes them.
type HQTask struct {
	ID               int64      `gorm:"primaryKey" json:"id"`
	Title            string     `gorm:"size:64;not null" json:"title"`
	Instructions     string     `gorm:"type:text" json:"instructions"`
	Kind             string     `gorm:"size:16;not null" json:"kind"`
	Content          string     `gorm:"type:text" json:"content"`
	Link             string     `gorm:"size:512;not null;default:''" json:"link,omitempty"`
	ImageURL         string     `gorm:"size:512;not null;default:''" json:"image_url,omitempty"`
	CouponTemplateID *int64     `json:"coupon_template_id,omitempty"`
	MassSend         bool       `gorm:"not null;default:false" json:"mass_send"` // message tasks: create each guide's group send
	StoresJSON       string     `gorm:"type:text" json:"-"`                      // [] = all stores
	GuidesJSON       string     `gorm:"type:text" json:"-"`                      // [] = every guide of the stores
	FilterJSON       string     `gorm:"type:text" json:"-"`
	GroupFilterJSON  string     `gorm:"type:text" json:"-"`                        // group_message tasks: which groups
	SOPID            *int64     `gorm:"index" json:"sop_id,omitempty"`             // the recurring SOP this task is one period of
	HoldoutPercent   int        `gorm:"not null;default:0" json:"holdout_percent"` // 0–50 % held out as the control group (effect.HeldOut)
	Deadline         time.Time  `gorm:"index" json:"deadline"`
	State            string     `gorm:"size:16;not null;index" json:"state"`
	DispatchedAt     *time.Time `json:"dispatched_at,omitempty"` // when dispatch finished
	OverdueAt        *time.Time `json:"overdue_at,omitempty"`    // when open items were marked overdue
	EndedAt          *time.Time `json:"ended_at,omitempty"`      // closed or cancelled
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
}

// isHTTPURL reports whether s is empty or an http(s) URL of at most 512 bytes.
func isHTTPURL(s string) bool {
	return s == "" || (len(s) <= 512 && (strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")))
}

// Validate trims t and reports the first problem as an EINVALID *Error.
// Targets and the coupon template are checked by the service.
func (t *HQTask) Validate() error {
	t.Title, t.Instructions = strings.TrimSpace(t.Title), strings.TrimSpace(t.Instructions)
	t.Content, t.Link, t.ImageURL = strings.TrimSpace(t.Content), strings.TrimSpace(t.Link), strings.TrimSpace(t.ImageURL)
	switch n := utf8.RuneCountInString(t.Title); {
	case n == 0 || n > 64:
		return Errorf(EINVALID, "title: want 1-64 characters")
	case utf8.RuneCountInString(t.Instructions) > 2000:
		return Errorf(EINVALID, "instructions: at most 2000 characters")
	case utf8.RuneCountInString(t.Content) > 2000:
		return Errorf(EINVALID, "content: at most 2000 characters")
	case !isHTTPURL(t.Link):
		return Errorf(EINVALID, "link: want an http(s) URL of at most 512 characters")
	case !isHTTPURL(t.ImageURL):
		return Errorf(EINVALID, "image_url: want an http(s) URL of at most 512 characters")
	case t.Deadline.IsZero():
		return Errorf(EINVALID, "deadline: required")
	case t.HoldoutPercent < 0 || t.HoldoutPercent > 50:
		return Errorf(EINVALID, "holdout_percent %d: want 0..50", t.HoldoutPercent)
	}
	switch t.Kind {
	case TaskKindMessage:
		if t.Content == "" {
			return Errorf(EINVALID, "content: a message task needs the text to send")
		}
	case TaskKindCoupon:
		if t.CouponTemplateID == nil || *t.CouponTemplateID <= 0 {
			return Errorf(EINVALID, "coupon_template_id: a coupon push needs a coupon template")
		}
	case TaskKindFollowUp:
	case TaskKindGroupMessage:
		if t.Content == "" {
			return Errorf(EINVALID, "content: a group message task needs the text to send")
		}
		if t.HoldoutPercent != 0 {
			return Errorf(EINVALID, "holdout_percent: group message tasks have no control group")
		}
	default:
		return Errorf(EINVALID, "kind %q: want message, coupon, followup or group_message", t.Kind)
	}
	if t.Kind != TaskKindCoupon && t.CouponTemplateID != nil {
		return Errorf(EINVALID, "coupon_template_id: only for coupon pushes")
	}
	if t.MassSend && t.Kind != TaskKindMessage {
		return Errorf(EINVALID, "mass_send: only for message tasks")
	}
	return nil
}

// TaskStore is one targeted store of an HQ task; DoneAt is set when the
// store's guide tasks and items are all written.
type TaskStore struct {
	ID        int64      `gorm:"primaryKey" json:"-"`
	TaskID    int64      `gorm:"not null;uniqueIndex:idx_task_store,priority:1" json:"-"`
	StoreCode string     `gorm:"size:64;not null;uniqueIndex:idx_task_store,priority:2" json:"store_code"`
	DoneAt    *time.Time `json:"done_at,omitempty"`
	CreatedAt time.Time  `json:"-"`
}

// GuideTask is one guide's share of an HQ task: the items are its
// customers. NotifiedAt is set once the guide was told; MsgID is the
// guide's group send for message tasks with MassSend.
type GuideTask struct {
	ID          int64      `gorm:"primaryKey" json:"id"`
	TaskID      int64      `gorm:"not null;uniqueIndex:idx_guide_task,priority:1" json:"task_id"`
	GuideUserID string     `gorm:"size:64;not null;uniqueIndex:idx_guide_task,priority:2;index" json:"guide_userid"`
	StoreCode   string     `gorm:"size:64;not null" json:"store_code"`
	NotifiedAt  *time.Time `json:"notified_at,omitempty"`
	MsgID       string     `gorm:"size:128;not null;default:''" json:"msgid,omitempty"`
	PollRound   int        `gorm:"not null;default:0" json:"-"` // the group send's last queued poll (the sweeper's clue)
	CreatedAt   time.Time  `json:"created_at"`
}

// TaskItem is one customer a guide is to act on for an HQ task. The unique
// (task, member) key gives every customer to one guide only and makes
// dispatch re-runs write nothing twice. An item of a group_message task is
// a customer group (ChatID) of its owner; its MemberID is the group row's
// id negated, so the same key keeps one item per group.
type TaskItem struct {
	ID             int64      `gorm:"primaryKey" json:"id"`
	TaskID         int64      `gorm:"not null;uniqueIndex:idx_task_member,priority:1;index:idx_task_guide_status,priority:1" json:"task_id"`
	MemberID       int64      `gorm:"not null;uniqueIndex:idx_task_member,priority:2" json:"member_id"`
	GuideUserID    string     `gorm:"size:64;not null;index:idx_task_guide_status,priority:2" json:"guide_userid"`
	Status         string     `gorm:"size:16;not null;default:'open';index:idx_task_guide_status,priority:3" json:"status"`
	StoreCode      string     `gorm:"size:64;not null" json:"store_code"`
	ExternalUserID string     `gorm:"size:128;not null;default:''" json:"external_userid"`
	ChatID         string     `gorm:"size:64;not null;default:''" json:"chat_id,omitempty"` // group_message tasks
	Overdue        bool       `gorm:"not null;default:false" json:"overdue"`
	CouponID       *int64     `json:"coupon_id,omitempty"`
	Note           string     `gorm:"size:512;not null;default:''" json:"note,omitempty"`
	DoneAt         *time.Time `json:"done_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
}

// TaskHoldout records a targeted customer whom dispatch held out of an HQ
// task (the control group). The decision is never read from here: it is
// effect.HeldOut(task, member), so a re-run writes the same rows (the
// unique key makes it write each once); the row keeps who was targeted,
// and through which store and guide, for the effect report.
type TaskHoldout struct {
	ID          int64     `gorm:"primaryKey" json:"-"`
	TaskID      int64     `gorm:"not null;uniqueIndex:idx_holdout_task_member,priority:1" json:"task_id"`
	MemberID    int64     `gorm:"not null;uniqueIndex:idx_holdout_task_member,priority:2" json:"member_id"`
	GuideUserID string    `gorm:"size:64;not null" json:"guide_userid"`
	StoreCode   string    `gorm:"size:64;not null" json:"store_code"`
	CreatedAt   time.Time `json:"created_at"`
}

// Named task errors.
var (
	ErrTaskNotFound = &Error{Code: ENOTFOUND, Message: "task not found"}
	ErrItemNotFound = &Error{Code: ENOTFOUND, Message: "task item not found"}
	ErrTaskState    = &Error{Code: ECONFLICT, Message: "the task's state does not allow this"}
)
