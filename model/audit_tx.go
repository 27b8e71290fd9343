package model

import (
	"context"

	"gorm.io/gorm"
)

// TxAuditor writes the audit entry of a request inside the transaction of
// the change it records, so both commit or neither does. The HQ API's audit
// middleware puts one in the request's context; a service's transaction
// helper calls it first, before the change locks its rows (a rolled-back
// change takes the entry with it).
type TxAuditor interface {
	AuditTx(tx *gorm.DB) error
}

type txAuditKey struct{}

// WithTxAudit returns ctx carrying a.
func WithTxAudit(ctx context.Context, a TxAuditor) context.Context {
	return context.WithValue(ctx, txAuditKey{}, a)
}

// TxAuditFrom returns the TxAuditor in ctx, or nil.
func TxAuditFrom(ctx context.Context) TxAuditor {
	a, _ := ctx.Value(txAuditKey{}).(TxAuditor)
	return a
}
