package model

import (
	"regexp"
	"time"
)

// Order states.
const (
	OrderPaid              = "paid"
	OrderPartiallyRefunded = "partially_refunded"
	OrderRefunded          = "refunded"
)

// Order is a paid order reported by HQ systems (POS, mall). It earns
// points and growth once (ledger key order:<order no>) and is kept as the
// input of RFM segments.
type Order struct {
	ID      int64  `gorm:"primaryKey" json:"-"`
	OrderNo string `gorm:"size:64;not null;uniqueIndex" json:"order_id"`
	// idx_order_member_paid_amount covers a member's orders in a time range
	// with their amounts: the effect report, the segment job and the
	// member's order list read no order rows for it.
	MemberID    int64  `gorm:"not null;index:idx_order_member_paid_amount,priority:1" json:"member_id"`
	StoreCode   string `gorm:"size:64;not null;default:'';index" json:"store_code"`
	AmountFen   int64  `gorm:"not null;index:idx_order_member_paid_amount,priority:3;index:idx_order_paid_amount,priority:3" json:"amount_fen"`
	RefundedFen int64  `gorm:"not null;default:0;index:idx_order_member_paid_amount,priority:4;index:idx_order_paid_amount,priority:4" json:"refunded_fen"`
	// idx_order_paid_amount serves ranges of paid_at, and covers the
	// window's average order value (the default M threshold) so that an
	// incremental segment run reads no order row for it.
	PaidAt         time.Time `gorm:"not null;index:idx_order_member_paid_amount,priority:2;index:idx_order_paid_amount,priority:1" json:"paid_at"`
	Points         int64     `gorm:"not null;default:0" json:"points"`
	Growth         int64     `gorm:"not null;default:0" json:"growth"`
	PointsReversed int64     `gorm:"not null;default:0" json:"points_reversed"`
	GrowthReversed int64     `gorm:"not null;default:0" json:"growth_reversed"`
	Status         string    `gorm:"size:24;not null;default:'paid';index:idx_order_paid_amount,priority:2" json:"status"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `gorm:"index" json:"updated_at"`
}

// OrderRefund is one refund of an order, full or partial. (order, refund
// no) is unique, so a refund posted twice is counted once.
type OrderRefund struct {
	ID        int64  `gorm:"primaryKey" json:"-"`
	OrderID   int64  `gorm:"not null;uniqueIndex:uk_order_refund" json:"-"`
	RefundNo  string `gorm:"size:64;not null;uniqueIndex:uk_order_refund" json:"refund_id"`
	AmountFen int64  `gorm:"not null" json:"amount_fen"`
	// Points and Growth are what this refund reversed; Shortfall is the part
	// of the points it should have reversed that the member had already
	// spent (the balance never goes below zero).
	Points    int64     `gorm:"not null" json:"points_reversed"`
	Growth    int64     `gorm:"not null" json:"growth_reversed"`
	Shortfall int64     `gorm:"not null;default:0" json:"points_shortfall"`
	CreatedAt time.Time `gorm:"index" json:"created_at"`
}

// orderNoRe keeps order and refund numbers printable and key-safe.
var orderNoRe = regexp.MustCompile(`^[A-Za-z0-9_\-.:#/]{1,64}$`)

// ValidOrderNo reports whether s is usable as an order or refund number.
func ValidOrderNo(s string) bool { return orderNoRe.MatchString(s) }

// MaxOrderFen bounds one order's amount (10 million yuan).
const MaxOrderFen = 1_000_000_000

// Named order errors.
var (
	ErrOrderNotFound = &Error{Code: ENOTFOUND, Message: "order not found"}
	ErrOverRefund    = &Error{Code: ECONFLICT, Message: "refund exceeds what is left of the order"}
)
