package loyalty_test

import (
	"context"
	"errors"
	"testing"

	"gorm.io/gorm"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// failingAudit writes a row in the transaction, then fails.
type failingAudit struct{ calls int }

func (f *failingAudit) AuditTx(tx *gorm.DB) error {
	f.calls++
	if err := tx.Create(&model.AuditEntry{Action: "test", Operator: "t"}).Error; err != nil {
		return err
	}
	return errors.New("audit log unavailable")
}

// TestAuditInTransaction: the request's audit entry is written inside the
// change's transaction, so when it cannot be written the change does not
// happen either, and a written entry commits with the change.
func TestAuditInTransaction(t *testing.T) {
	e := newEnv(t)
	m := e.member(100)
	fa := &failingAudit{}
	ctx := model.WithTxAudit(context.Background(), fa)
	if _, err := e.s.AdjustPoints(ctx, loyalty.Adjustment{MemberID: m, Delta: 50, Reason: "补偿", RequestID: "tx-audit-1"}); err == nil {
		t.Fatal("AdjustPoints with a failing audit: no error")
	}
	var points, entries int64
	e.db.Model(&model.Member{}).Where("id = ?", m).Select("points").Scan(&points)
	e.db.Model(&model.AuditEntry{}).Count(&entries)
	if fa.calls == 0 || points != 100 || entries != 0 {
		t.Errorf("after a failed audit: %d audit calls, points %d, %d entries; want ≥1, 100, 0", fa.calls, points, entries)
	}
}
