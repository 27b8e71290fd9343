package loyalty

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// OrderLine is one paid order to record, its member already resolved.
type OrderLine struct {
	OrderNo   string
	MemberID  int64
	StoreCode string
	AmountFen int64
	PaidAt    time.Time
}

// Order line outcomes.
const (
	OrderCreated   = "created"
	OrderDuplicate = "duplicate"
	OrderError     = "error"
)

// OrderResult is what became of one line.
type OrderResult struct {
	Status  string // OrderCreated, OrderDuplicate, OrderError
	Order   model.Order
	LevelUp *LevelUp
	Err     error // for OrderError: EINVALID or ErrMemberNotFound
}

// orderChunk bounds the lines one transaction records.
const orderChunk = 500

// RecordOrders records paid orders and credits what each earns: points =
// floor(yuan × points per yuan × the member's level multiplier), growth =
// floor(yuan × growth per yuan), within the order channel's cap; growth
// that crosses a threshold upgrades the member. Each order counts once
// (order numbers are unique; a repeat is OrderDuplicate). Results follow
// the lines' order; a bad line is an OrderError and does not stop the
// others. Errors: the database's.
func (s *Service) RecordOrders(ctx context.Context, lines []OrderLine) ([]OrderResult, error) {
	out := make([]OrderResult, len(lines))
	now := s.now()
	seen := map[string]bool{}
	var todo []int
	for i, l := range lines {
		out[i].Order = model.Order{OrderNo: l.OrderNo, MemberID: l.MemberID, StoreCode: l.StoreCode, AmountFen: l.AmountFen, PaidAt: l.PaidAt.UTC()}
		if err := checkOrderLine(l, now); err != nil {
			out[i].Status, out[i].Err = OrderError, err
			continue
		}
		if seen[l.OrderNo] {
			out[i].Status = OrderDuplicate
			continue
		}
		seen[l.OrderNo] = true
		todo = append(todo, i)
	}
	// Members in ascending order in every transaction: concurrent batches
	// lock them in the same order and never deadlock.
	slices.SortStableFunc(todo, func(a, b int) int {
		return cmp.Or(cmp.Compare(lines[a].MemberID, lines[b].MemberID), strings.Compare(lines[a].OrderNo, lines[b].OrderNo))
	})
	for len(todo) > 0 {
		chunk := todo[:min(orderChunk, len(todo))]
		todo = todo[len(chunk):]
		if err := s.recordChunk(ctx, lines, chunk, out); err != nil {
			return nil, err
		}
	}
	return out, s.fillDuplicates(ctx, out)
}

func checkOrderLine(l OrderLine, now time.Time) error {
	switch {
	case !model.ValidOrderNo(l.OrderNo):
		return model.Errorf(model.EINVALID, "order_id %q: want 1-64 letters, digits or _-.:#/", l.OrderNo)
	case l.MemberID <= 0:
		return model.Errorf(model.EINVALID, "order %s: no member", l.OrderNo)
	case l.AmountFen <= 0 || l.AmountFen > model.MaxOrderFen:
		return model.Errorf(model.EINVALID, "order %s: amount_fen %d: want 1..%d", l.OrderNo, l.AmountFen, model.MaxOrderFen)
	case l.PaidAt.IsZero() || l.PaidAt.After(now.Add(10*time.Minute)):
		return model.Errorf(model.EINVALID, "order %s: paid_at is missing or in the future", l.OrderNo)
	case len(l.StoreCode) > 64:
		return model.Errorf(model.EINVALID, "order %s: store_code: at most 64 characters", l.OrderNo)
	}
	return nil
}

// recordChunk records some lines in one transaction (retried whole on a
// deadlock, so it rebuilds their results every attempt): in bulk (see
// recordBulk), or line by line through post when the order channel has a
// cap.
func (s *Service) recordChunk(ctx context.Context, lines []OrderLine, chunk []int, out []OrderResult) error {
	r, err := s.rule(ctx, model.ChannelOrder)
	if err != nil {
		return err
	}
	st, err := s.current(s.db.WithContext(ctx))
	if err != nil {
		return err
	}
	if r.CapPoints == 0 {
		for attempt := 0; ; attempt++ {
			err := s.st.Tx(ctx, func(tx *gorm.DB) error { return s.recordBulk(tx, r, st, lines, chunk, out) })
			// A concurrent import inserted one of these orders after the
			// duplicate check: run again, and the check sees it.
			if !model.IsDuplicate(err) || attempt == 3 {
				return err
			}
		}
	}
	return s.st.Tx(ctx, func(tx *gorm.DB) error {
		locked := map[int64]*model.Member{}
		for _, i := range chunk {
			l, res := lines[i], &out[i]
			res.Status, res.Err, res.LevelUp = OrderCreated, nil, nil
			m := locked[l.MemberID]
			if m == nil {
				mm, err := store.LockMember(tx, l.MemberID)
				if errors.Is(err, model.ErrMemberNotFound) {
					res.Status, res.Err = OrderError, model.Detail(model.ErrMemberNotFound, "order %s: member %d not found", l.OrderNo, l.MemberID)
					continue
				} else if err != nil {
					return err
				}
				m, locked[l.MemberID] = &mm, &mm
			}
			var points, growth int64
			if r.Enabled {
				points, growth = orderEarning(r, l.AmountFen, st.levels.of(m.Level).MultiplierPermille())
			}
			o := model.Order{OrderNo: l.OrderNo, MemberID: m.ID, StoreCode: l.StoreCode, AmountFen: l.AmountFen,
				PaidAt: l.PaidAt.UTC(), Points: points, Growth: growth, Status: model.OrderPaid}
			if err := tx.Create(&o).Error; model.IsDuplicate(err) {
				res.Status = OrderDuplicate
				continue
			} else if err != nil {
				return err
			}
			g, err := s.applyCap(tx, m.ID, r, points, growth)
			if err != nil {
				return err
			}
			if g.Capped {
				o.Points, o.Growth = g.Points, g.Growth
				if err := tx.Model(&o).Updates(map[string]any{"points": g.Points, "growth": g.Growth}).Error; err != nil {
					return err
				}
			}
			p, err := s.post(tx, m, Entry{MemberID: m.ID, Delta: o.Points, Growth: o.Growth, Kind: model.PointsOrder,
				IdemKey: "order:" + o.OrderNo, Note: fmt.Sprintf("订单 %s 消费 %s 元", o.OrderNo, yuan(o.AmountFen))}, nil)
			if err != nil {
				return err
			} else if !p.Applied { // the order row was new, so its ledger key must be too
				return fmt.Errorf("order %s: ledger key already used", o.OrderNo)
			}
			res.Order, res.LevelUp = o, p.LevelUp
		}
		return nil
	})
}

// fillDuplicates loads the recorded orders behind duplicate lines.
func (s *Service) fillDuplicates(ctx context.Context, out []OrderResult) error {
	var nos []string
	for _, r := range out {
		if r.Status == OrderDuplicate {
			nos = append(nos, r.Order.OrderNo)
		}
	}
	if len(nos) == 0 {
		return nil
	}
	var found []model.Order
	if err := s.db.WithContext(ctx).Where("order_no IN ?", nos).Find(&found).Error; err != nil {
		return err
	}
	by := map[string]model.Order{}
	for _, o := range found {
		by[o.OrderNo] = o
	}
	for i := range out {
		if o, ok := by[out[i].Order.OrderNo]; ok && out[i].Status == OrderDuplicate {
			out[i].Order = o
		}
	}
	return nil
}

// Order returns a recorded order by its number. Errors: ErrOrderNotFound.
func (s *Service) Order(ctx context.Context, orderNo string) (model.Order, []model.OrderRefund, error) {
	var o model.Order
	err := s.db.WithContext(ctx).Where("order_no = ?", orderNo).Take(&o).Error
	if err != nil {
		return o, nil, store.NotFound(err, model.ErrOrderNotFound)
	}
	refunds := []model.OrderRefund{}
	err = s.db.WithContext(ctx).Where("order_id = ?", o.ID).Order("id").Find(&refunds).Error
	return o, refunds, err
}

// MemberOrders returns the member's orders, newest first.
// Errors: the database's.
func (s *Service) MemberOrders(ctx context.Context, memberID int64, limit int) ([]model.Order, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	out := []model.Order{}
	return out, s.db.WithContext(ctx).Where("member_id = ?", memberID).Order("paid_at DESC, id DESC").Limit(limit).Find(&out).Error
}

// yuan formats fen as yuan: 12900 → 129.00.
func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }
