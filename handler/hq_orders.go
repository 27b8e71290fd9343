package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/intake"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
)

// orderLine is one order in POST /api/hq/orders.
type orderLine struct {
	OrderID string `json:"order_id"`
	members.MemberRef
	StoreCode string    `json:"store_code"`
	AmountFen int64     `json:"amount_fen"`
	PaidAt    time.Time `json:"paid_at"`
}

// ordersRequest is one order, or a batch under "orders".
type ordersRequest struct {
	orderLine
	Orders []orderLine `json:"orders"`
}

// maxOrderBatch bounds the orders of one request.
const maxOrderBatch = 1000

// orderResult is one line of the answer.
type orderResult struct {
	OrderID string             `json:"order_id"`
	Status  string             `json:"status"` // created, duplicate, error
	Order   *model.Order       `json:"order,omitempty"`
	LevelUp *model.LevelChange `json:"level_up,omitempty"`
	Error   *apiError          `json:"error,omitempty"`
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// postOrders records one order (201 created, 200 duplicate, else the
// error's status) or a batch (200 with a result per line: created,
// duplicate or error) through intake.RecordOrders.
func (s *Server) postOrders(c *gin.Context) {
	var req ordersRequest
	if !bindJSON(c, &req) {
		return
	}
	single := len(req.Orders) == 0
	lines := req.Orders
	switch {
	case single:
		lines = []orderLine{req.orderLine}
	case req.OrderID != "" || !req.MemberRef.Empty():
		writeError(c, invalid("send one order, or a batch under \"orders\", not both"))
		return
	case len(lines) > maxOrderBatch:
		writeError(c, invalid("at most %d orders per request, got %d", maxOrderBatch, len(lines)))
		return
	}
	in := make([]intake.Order, len(lines))
	for i, l := range lines {
		in[i] = intake.Order{OrderNo: l.OrderID, MemberRef: l.MemberRef, StoreCode: l.StoreCode, AmountFen: l.AmountFen, PaidAt: l.PaidAt}
	}
	if !single {
		auditCommitStatus(c, http.StatusOK) // a batch answers 200 only when every chunk committed
	}
	res, err := s.intake.RecordOrders(c.Request.Context(), in)
	if err != nil {
		writeError(c, err)
		return
	}
	out := make([]orderResult, len(res))
	counts := map[string]int{}
	for i, r := range res {
		out[i] = orderResult{OrderID: lines[i].OrderID, Status: r.Status}
		counts[r.Status]++
		if r.Err != nil {
			out[i].Error = &apiError{Code: model.ErrorCode(r.Err), Message: model.ErrorMessage(r.Err)}
		} else {
			o := r.Order
			out[i].Order = &o
		}
		if r.LevelUp != nil {
			out[i].LevelUp = &r.LevelUp.Change // the notice is a level.changed event
		}
	}
	if single {
		switch {
		case res[0].Err != nil:
			writeError(c, res[0].Err)
		default:
			respondSaved(c, res[0].Status == loyalty.OrderCreated, out[0])
		}
		return
	}
	respond(c, http.StatusOK, gin.H{"results": out, "created": counts[loyalty.OrderCreated],
		"duplicate": counts[loyalty.OrderDuplicate], "failed": counts[loyalty.OrderError]})
}

// getOrder returns an order with its refunds.
func (s *Server) getOrder(c *gin.Context) {
	o, refunds, err := s.loyalty.Order(c.Request.Context(), c.Param("id"))
	reply(c, http.StatusOK, gin.H{"order": o, "refunds": refunds}, err)
}

// refundRequest is the body of POST /api/hq/orders/{id}/refund.
type refundRequest struct {
	RefundID  string `json:"refund_id"`
	AmountFen int64  `json:"amount_fen"`
}

// refundOrder refunds an order in full (no amount) or in part: 201 with the
// refund and the order, 200 when the refund was posted before.
func (s *Server) refundOrder(c *gin.Context) {
	var req refundRequest
	if !bindJSON(c, &req) {
		return
	}
	if req.RefundID == "" {
		if req.AmountFen != 0 {
			writeError(c, invalid("refund_id is required for a partial refund"))
			return
		}
		req.RefundID = "full" // a full refund happens once
	}
	res, err := s.loyalty.RefundOrder(c.Request.Context(), loyalty.RefundRequest{OrderNo: c.Param("id"), RefundNo: req.RefundID, AmountFen: req.AmountFen})
	if err != nil {
		writeError(c, err)
		return
	}
	respondSaved(c, !res.Replay, gin.H{"refund": res.Refund, "order": res.Order, "duplicate": res.Replay})
}
