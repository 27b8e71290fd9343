package intake

import (
	"context"
	"time"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
)

// Order is one paid order as an HQ system posts it.
type Order struct {
	OrderNo string
	members.MemberRef
	StoreCode string
	AmountFen int64
	PaidAt    time.Time
}

// RecordOrders resolves the member of every order, records the orders
// (loyalty.RecordOrders) and queues a notice for every level-up they
// caused. An order whose member cannot be resolved is that line's
// OrderError (EINVALID when none is named, ErrMemberNotFound otherwise):
// points need a member, and the order can be posted again once they join.
// Errors: the database's (a line's own error is in its result).
func (s *Service) RecordOrders(ctx context.Context, orders []Order) ([]loyalty.OrderResult, error) {
	refs := make([]members.MemberRef, len(orders))
	for i, o := range orders {
		refs[i] = o.MemberRef
	}
	ids, err := s.members.ResolveMembers(ctx, refs)
	if err != nil {
		return nil, err
	}
	in := make([]loyalty.OrderLine, len(orders))
	for i, o := range orders {
		in[i] = loyalty.OrderLine{OrderNo: o.OrderNo, MemberID: ids[i], StoreCode: o.StoreCode, AmountFen: o.AmountFen, PaidAt: o.PaidAt}
	}
	res, err := s.loyalty.RecordOrders(ctx, in)
	if err != nil {
		return nil, err
	}
	for i := range res {
		if ids[i] == 0 { // the member could not be resolved
			res[i].Status, res[i].Err = loyalty.OrderError, memberMissing(orders[i])
		}
	}
	return res, nil
}

// memberMissing says why an order has no member.
func memberMissing(o Order) error {
	if o.MemberRef.Empty() {
		return model.Errorf(model.EINVALID, "order %s: name the member (member_id, unionid, openid or external_userid)", o.OrderNo)
	}
	return model.Detail(model.ErrMemberNotFound, "order %s: no member with %s", o.OrderNo, o.MemberRef)
}
