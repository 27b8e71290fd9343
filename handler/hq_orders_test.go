package handler_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siyu/siyu/model"
)

// follower subscribes openid through the chat and returns the member id.
func (e *testEnv) follower(openid string) int64 {
	e.t.Helper()
	e.say(e.oa, e.oa.Subscribe(openid, "", e.clock.Now()))
	var res struct{ Members []model.MemberView }
	if st := e.hq("GET", "/api/hq/members?openid="+openid, nil, &res); st != 200 || len(res.Members) != 1 {
		e.t.Fatalf("find %s = %d, %d members", openid, st, len(res.Members))
	}
	return res.Members[0].ID
}

func (e *testEnv) member(id int64) model.MemberView {
	e.t.Helper()
	var m model.MemberView
	if st := e.hq("GET", fmt.Sprintf("/api/hq/members/%d", id), nil, &m); st != 200 {
		e.t.Fatalf("get member %d = %d", id, st)
	}
	return m
}

type orderOut struct {
	OrderID string `json:"order_id"`
	Status  string
	Order   *model.Order
	LevelUp *model.LevelChange `json:"level_up"`
	Error   *struct{ Code, Message string }
}

func TestOrdersAPI(t *testing.T) {
	e := newTestEnv(t)
	a, b := e.follower("o_ord_a"), e.follower("o_ord_b")
	paid := e.clock.Now().Add(-time.Hour).Format(time.RFC3339)
	single := map[string]any{"order_id": "P1", "openid": "o_ord_a", "store_code": "sh001", "amount_fen": 12999, "paid_at": paid}
	var out orderOut
	if st := e.hq("POST", "/api/hq/orders", single, &out); st != http.StatusCreated || out.Status != "created" || out.Order.Points != 129 {
		t.Fatalf("single order = %d %+v, want 201 created with 129 points", st, out)
	}
	if st := e.hq("POST", "/api/hq/orders", single, &out); st != http.StatusOK || out.Status != "duplicate" || out.Order.Points != 129 {
		t.Errorf("same order again = %d %+v, want 200 duplicate", st, out)
	}
	unknown := map[string]any{"order_id": "P0", "openid": "o_nobody", "amount_fen": 100, "paid_at": paid}
	if st := e.hq("POST", "/api/hq/orders", unknown, nil); st != http.StatusNotFound {
		t.Errorf("order of a non-member = %d, want 404", st)
	}
	checkOrderBatchTwice(t, e, b, paid)
	for _, tc := range []struct {
		name string
		body any
	}{
		{"single and batch", map[string]any{"order_id": "X", "orders": []map[string]any{{"order_id": "Y"}}}},
		{"unknown field", map[string]any{"order_id": "X", "openid": "o_ord_a", "amount": 1}},
		{"not JSON", "{"},
		{"too many", map[string]any{"orders": make([]map[string]any, 1001)}},
	} {
		if st := e.hq("POST", "/api/hq/orders", tc.body, nil); st != http.StatusBadRequest {
			t.Errorf("%s = %d, want 400", tc.name, st)
		}
	}

	checkOrderRefunds(t, e, a, b)
}

// checkOrderBatchTwice posts a batch of new, duplicate and bad lines twice:
// the second time the new ones are duplicates, and b is credited once.
func checkOrderBatchTwice(t *testing.T, e *testEnv, b int64, paid string) {
	t.Helper()
	batch := map[string]any{"orders": []map[string]any{
		{"order_id": "P2", "member_id": b, "amount_fen": 5000, "paid_at": paid},
		{"order_id": "P3", "openid": "o_ord_b", "amount_fen": 7000, "paid_at": paid},
		{"order_id": "P1", "openid": "o_ord_a", "amount_fen": 12999, "paid_at": paid},
		{"order_id": "P4", "openid": "o_nobody", "amount_fen": 100, "paid_at": paid},
		{"order_id": "P5", "openid": "o_ord_a", "amount_fen": -1, "paid_at": paid},
		{"order_id": "P6", "amount_fen": 100, "paid_at": paid},
	}}
	want := []string{"created", "created", "duplicate", "error", "error", "error"}
	for round := range 2 {
		var res struct {
			Results                    []orderOut
			Created, Duplicate, Failed int
		}
		if st := e.hq("POST", "/api/hq/orders", batch, &res); st != http.StatusOK || len(res.Results) != len(want) {
			t.Fatalf("batch = %d %+v", st, res)
		}
		for i, r := range res.Results {
			w := want[i]
			if round == 1 && w == "created" {
				w = "duplicate"
			}
			if r.Status != w || (w == "error") != (r.Error != nil) {
				t.Errorf("round %d line %d = %+v, want %s", round, i, r, w)
			}
		}
		if round == 0 && (res.Created != 2 || res.Duplicate != 1 || res.Failed != 3) {
			t.Errorf("counts = %d/%d/%d, want 2/1/3", res.Created, res.Duplicate, res.Failed)
		}
		if res.Results[3].Error.Code != "not_found" || res.Results[5].Error.Code != "invalid" {
			t.Errorf("errors = %+v, %+v; want not_found and invalid", res.Results[3].Error, res.Results[5].Error)
		}
	}
	if got := e.member(b).Points; got != 120 {
		t.Errorf("b's points = %d, want 50 + 70", got)
	}
}

// checkOrderRefunds refunds a's order P1 in part (twice) and then in full
// (twice): each counts once, and a ends with nothing earned from it.
func checkOrderRefunds(t *testing.T, e *testEnv, a, b int64) {
	t.Helper()
	// Refunds: a partial one posted twice counts once; the rest once.
	var rf struct {
		Refund struct {
			Points int64 `json:"points_reversed"`
		}
		Order     model.Order
		Duplicate bool
	}
	partial := map[string]any{"refund_id": "R1", "amount_fen": 6500}
	if st := e.hq("POST", "/api/hq/orders/P1/refund", partial, &rf); st != http.StatusCreated || rf.Refund.Points != 64 {
		t.Errorf("partial refund = %d %+v, want 201 reversing 64", st, rf)
	}
	if st := e.hq("POST", "/api/hq/orders/P1/refund", partial, &rf); st != http.StatusOK || !rf.Duplicate {
		t.Errorf("partial refund again = %d %+v, want 200 duplicate", st, rf)
	}
	if st := e.hq("POST", "/api/hq/orders/P1/refund", map[string]any{"amount_fen": 100}, nil); st != http.StatusBadRequest {
		t.Errorf("partial refund without refund_id = %d, want 400", st)
	}
	for i, wantSt := range []int{http.StatusCreated, http.StatusOK} {
		if st := e.hq("POST", "/api/hq/orders/P1/refund", map[string]any{}, &rf); st != wantSt || rf.Order.Status != model.OrderRefunded {
			t.Errorf("full refund %d = %d %+v, want %d refunded", i, st, rf.Order, wantSt)
		}
	}
	if st := e.hq("POST", "/api/hq/orders/P1/refund", map[string]any{"refund_id": "R9", "amount_fen": 1}, nil); st != http.StatusConflict {
		t.Errorf("refund past the amount = %d, want 409", st)
	}
	if st := e.hq("POST", "/api/hq/orders/NOPE/refund", map[string]any{}, nil); st != http.StatusNotFound {
		t.Errorf("refund of an unknown order = %d, want 404", st)
	}
	if got := e.member(a); got.Points != 0 || got.Growth != 0 {
		t.Errorf("a after the full refund: %d points %d growth, want 0 0", got.Points, got.Growth)
	}
	var got struct {
		Order   model.Order
		Refunds []map[string]any
	}
	if st := e.hq("GET", "/api/hq/orders/P1", nil, &got); st != 200 || got.Order.RefundedFen != 12999 || len(got.Refunds) != 2 {
		t.Errorf("GET order = %d %+v", st, got)
	}
	var list struct{ Orders []model.Order }
	if st := e.hq("GET", fmt.Sprintf("/api/hq/members/%d/orders", b), nil, &list); st != 200 || len(list.Orders) != 2 {
		t.Errorf("member orders = %d %d, want 2", st, len(list.Orders))
	}
}

// TestOrderBatchTwiceAtOnce: the same batch posted twice concurrently, and
// a refund posted twice concurrently, count once.
func TestOrderBatchTwiceAtOnce(t *testing.T) {
	e := newTestEnv(t)
	var lines []map[string]any
	paid := e.clock.Now().Format(time.RFC3339)
	for i := range 40 {
		openid := fmt.Sprintf("o_bt_%d", i%8)
		if i < 8 {
			e.follower(openid)
		}
		lines = append(lines, map[string]any{"order_id": fmt.Sprintf("T%03d", i), "openid": openid, "amount_fen": 10000, "paid_at": paid})
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if st := e.hq("POST", "/api/hq/orders", map[string]any{"orders": lines}, nil); st != 200 {
				t.Errorf("batch = %d", st)
			}
		}()
	}
	wg.Wait()
	if n := e.count(&model.Order{}); n != 40 {
		t.Errorf("orders = %d, want 40", n)
	}
	if n := e.count(&model.PointsEntry{}, "kind = ?", model.PointsOrder); n != 40 {
		t.Errorf("order entries = %d, want 40", n)
	}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.hq("POST", "/api/hq/orders/T000/refund", map[string]any{"refund_id": "X", "amount_fen": 5000}, nil)
		}()
	}
	wg.Wait()
	if n := e.count(&model.PointsEntry{}, "kind = ?", model.PointsRefund); n != 1 {
		t.Errorf("refund entries = %d, want 1", n)
	}
}

// TestOrderUpgradeNotifies: an order that lifts growth past a threshold
// upgrades at once and queues a message to the member.
func TestOrderUpgradeNotifies(t *testing.T) {
	e := newTestEnv(t)
	m := e.follower("o_up")
	var out orderOut
	body := map[string]any{"order_id": "BIG", "member_id": m, "amount_fen": 250000, "paid_at": e.clock.Now().Format(time.RFC3339)}
	if st := e.hq("POST", "/api/hq/orders", body, &out); st != 201 || out.LevelUp == nil || out.LevelUp.To != "金卡" {
		t.Fatalf("order = %d %+v, want an upgrade to 金卡", st, out)
	}
	if got := e.member(m).Level; got != "金卡" {
		t.Errorf("level = %q, want 金卡", got)
	}
	if ups := e.levelUps(m); len(ups) != 1 || ups[0].To != "金卡" {
		t.Errorf("level-up events = %+v, want one to 金卡", ups)
	}
	if reply := e.say(e.oa, e.oa.Text("o_up", "等级", 0, e.clock.Now())); !strings.Contains(reply, "金卡") || !strings.Contains(reply, "钻石") {
		t.Errorf("等级 = %q, want 金卡 and the way to 钻石", reply)
	}
}
