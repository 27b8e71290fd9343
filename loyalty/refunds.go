package loyalty

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// RefundRequest refunds an order, fully or in part.
type RefundRequest struct {
	OrderNo string
	// RefundNo identifies the refund: posting it again changes nothing.
	RefundNo string
	// AmountFen is what is refunded; 0 refunds all that is left.
	AmountFen int64
}

// RefundResult is a refund and the order after it.
type RefundResult struct {
	Refund model.OrderRefund
	Order  model.Order
	Replay bool // the refund had been posted before; nothing changed now
}

// RefundOrder refunds an order and reverses, with its own ledger entry
// (refund:<order>:<refund>), the part of the order's points and growth the
// refunded amount earned: after refunds totalling R of an amount A, the
// order has reversed floor(points × R / A) in all, so partial refunds add
// up to exactly the full reversal. Points the member has already spent
// cannot be taken back (the balance never goes below zero): that part is
// recorded as the refund's shortfall, and so is the part of the order's
// points that expired (it left the balance already and is not taken again
// out of later points). A refund never downgrades the level;
// the periodic review does. Errors: EINVALID, ErrOrderNotFound,
// ErrOverRefund (more than is left, or nothing left).
func (s *Service) RefundOrder(ctx context.Context, req RefundRequest) (RefundResult, error) {
	if !model.ValidOrderNo(req.RefundNo) {
		return RefundResult{}, model.Errorf(model.EINVALID, "refund_id %q: want 1-64 letters, digits or _-.:#/", req.RefundNo)
	}
	if req.AmountFen < 0 || req.AmountFen > model.MaxOrderFen {
		return RefundResult{}, model.Errorf(model.EINVALID, "amount_fen %d: want 1..%d, or none for all that is left", req.AmountFen, model.MaxOrderFen)
	}
	o, _, err := s.Order(ctx, req.OrderNo)
	if err != nil {
		return RefundResult{}, err
	}
	var out RefundResult
	err = s.st.Tx(ctx, func(tx *gorm.DB) error {
		var err error
		out, err = s.refundLocked(tx, o.ID, o.MemberID, req)
		return err
	})
	if errors.Is(err, errAlreadyPosted) {
		return s.replayRefund(ctx, o.ID, req)
	}
	return out, err
}

// refundLocked records the refund of order orderID in tx: it locks the
// member and the order, reserves the refunded amount and reverses the points
// and growth it earned.
func (s *Service) refundLocked(tx *gorm.DB, orderID, memberID int64, req RefundRequest) (RefundResult, error) {
	m, err := store.LockMember(tx, memberID)
	if err != nil {
		return RefundResult{}, err
	}
	var cur model.Order
	if err := store.ForUpdate(tx.Where("id = ?", orderID)).Take(&cur).Error; err != nil {
		return RefundResult{}, err
	}
	rf, err := reserveRefund(tx, &cur, req)
	if err != nil {
		return RefundResult{}, err
	}
	duePoints := cur.Points*cur.RefundedFen/cur.AmountFen - cur.PointsReversed
	dueGrowth := cur.Growth*cur.RefundedFen/cur.AmountFen - cur.GrowthReversed
	// Expire what is due first, so the clamp below sees the real balance.
	if _, err := s.expireDue(tx, &m, s.now()); err != nil {
		return RefundResult{}, err
	}
	var source []int64
	if err := tx.Model(&model.PointsEntry{}).Where("idem_key = ?", "order:"+cur.OrderNo).Pluck("id", &source).Error; err != nil {
		return RefundResult{}, err
	}
	takeable, err := refundTakeable(tx, cur, source, duePoints)
	if err != nil {
		return RefundResult{}, err
	}
	rf.Points, rf.Growth = min(duePoints, takeable, m.Points), min(dueGrowth, m.Growth)
	rf.Shortfall = duePoints - rf.Points
	if err := s.postRefundEntry(tx, &m, cur, rf, source); err != nil {
		return RefundResult{}, err
	}
	cur.PointsReversed += duePoints
	cur.GrowthReversed += dueGrowth
	cur.Status = model.OrderPartiallyRefunded
	if cur.RefundedFen == cur.AmountFen {
		cur.Status = model.OrderRefunded
	}
	if err := tx.Model(&cur).Updates(map[string]any{"points_reversed": cur.PointsReversed,
		"growth_reversed": cur.GrowthReversed, "status": cur.Status}).Error; err != nil {
		return RefundResult{}, err
	}
	if err := tx.Model(&rf).Updates(map[string]any{"points": rf.Points, "growth": rf.Growth, "shortfall": rf.Shortfall}).Error; err != nil {
		return RefundResult{}, err
	}
	return RefundResult{Refund: rf, Order: cur}, nil
}

// reserveRefund records the refund row of the locked order cur and adds its
// amount (all that is left when the request names none) to cur's refunded
// total. Errors: errAlreadyPosted for a refund number seen before,
// ErrOverRefund for more than is left.
func reserveRefund(tx *gorm.DB, cur *model.Order, req RefundRequest) (model.OrderRefund, error) {
	amount := req.AmountFen
	if amount == 0 {
		amount = cur.AmountFen - cur.RefundedFen
	}
	rf := model.OrderRefund{OrderID: cur.ID, RefundNo: req.RefundNo, AmountFen: amount}
	if err := tx.Create(&rf).Error; model.IsDuplicate(err) {
		return rf, errAlreadyPosted
	} else if err != nil {
		return rf, err
	}
	left := cur.AmountFen - cur.RefundedFen
	if amount <= 0 || amount > left {
		return rf, model.Detail(model.ErrOverRefund, "order %s: refund of %s yuan exceeds the %s yuan left to refund", cur.OrderNo, yuan(amount), yuan(left))
	}
	res := tx.Model(&model.Order{}).Where("id = ? AND refunded_fen + ? <= amount_fen", cur.ID, amount).
		Update("refunded_fen", gorm.Expr("refunded_fen + ?", amount))
	if res.Error != nil {
		return rf, res.Error
	} else if res.RowsAffected == 0 {
		return rf, model.ErrOverRefund
	}
	cur.RefundedFen += amount
	return rf, nil
}

// postRefundEntry posts the ledger entry that takes back rf's points and
// growth from the locked member m, pointing at the order's own entry.
func (s *Service) postRefundEntry(tx *gorm.DB, m *model.Member, cur model.Order, rf model.OrderRefund, source []int64) error {
	e := Entry{MemberID: m.ID, Delta: -rf.Points, Growth: -rf.Growth, Kind: model.PointsRefund,
		IdemKey: fmt.Sprintf("refund:%s:%s", cur.OrderNo, rf.RefundNo),
		Note:    fmt.Sprintf("订单 %s 退款 %s 元", cur.OrderNo, yuan(rf.AmountFen))}
	if len(source) > 0 {
		e.Source = source[0]
	}
	if p, err := s.post(tx, m, e, nil); err != nil {
		return err
	} else if !p.Applied {
		return fmt.Errorf("refund %s of order %s: ledger key already used", rf.RefundNo, cur.OrderNo)
	}
	return nil
}

// replayRefund answers a refund number already recorded with what it did.
func (s *Service) replayRefund(ctx context.Context, orderID int64, req RefundRequest) (RefundResult, error) {
	var rf model.OrderRefund
	if err := s.db.WithContext(ctx).Where("order_id = ? AND refund_no = ?", orderID, req.RefundNo).Take(&rf).Error; err != nil {
		return RefundResult{}, err
	}
	o, _, err := s.Order(ctx, req.OrderNo)
	return RefundResult{Refund: rf, Order: o, Replay: true}, err
}

// refundTakeable is how many of the due points a refund may still take
// from the balance: the order's points that expired left it already and
// are never taken a second time out of points earned later, so they count
// as shortfall first. cur is the order before this refund's reversal.
func refundTakeable(tx *gorm.DB, cur model.Order, source []int64, due int64) (int64, error) {
	var expired, taken int64
	if len(source) > 0 {
		if err := tx.Model(&model.PointsEntry{}).Where("idem_key = ?", fmt.Sprintf("expire:%d", source[0])).
			Select("COALESCE(SUM(-delta), 0)").Scan(&expired).Error; err != nil {
			return 0, err
		}
	}
	if err := tx.Model(&model.OrderRefund{}).Where("order_id = ?", cur.ID).
		Select("COALESCE(SUM(points), 0)").Scan(&taken).Error; err != nil {
		return 0, err
	}
	return max(0, cur.PointsReversed+due-expired-taken), nil
}
