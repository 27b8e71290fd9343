package stockgate_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/stockgate"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tasks/taskstest"
)

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

type env struct {
	t    *testing.T
	ctx  context.Context
	db   *gorm.DB
	s    *loyalty.Service
	gate *stockgate.Gate
	rs   *taskstest.RedisServer
}

// newEnv is a loyalty service with a stock gate on a redis-server of the
// test's own (which it may flush) and the test's database.
func newEnv(t *testing.T) *env {
	t.Helper()
	rs := taskstest.StartRedisServer(t)
	opt, err := redis.ParseURL(rs.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	db := modeltest.NewDB(t)
	gate := stockgate.New(rdb, db, "gatetest", nil)
	s := loyalty.New(store.New(db), loyalty.Options{Location: shanghai, SettingsTTL: -1, StockGate: gate})
	e := &env{t: t, ctx: context.Background(), db: db, s: s, gate: gate, rs: rs}
	if err := s.Seed(e.ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		bad, err := s.CheckLedger(e.ctx)
		if err != nil || len(bad) > 0 {
			t.Errorf("ledger check: %v %+v", err, bad)
		}
	})
	return e
}

// members creates n members holding points each, credited through the ledger.
func (e *env) members(n int, points int64) []int64 {
	e.t.Helper()
	ids := make([]int64, n)
	for i := range ids {
		m := model.Member{Level: "普通"}
		if err := e.db.Create(&m).Error; err != nil {
			e.t.Fatal(err)
		}
		ids[i] = m.ID
		if points > 0 {
			if _, err := e.s.AdjustPoints(e.ctx, loyalty.Adjustment{MemberID: m.ID, Delta: points, Reason: "test",
				RequestID: fmt.Sprintf("seed-%d", m.ID)}); err != nil {
				e.t.Fatal(err)
			}
		}
	}
	return ids
}

func (e *env) reward(stock int64) model.Reward {
	e.t.Helper()
	r, err := e.s.CreateReward(e.ctx, model.Reward{Name: "秒杀券", PointsCost: 10, Kind: model.RewardVirtual, Stock: stock, Active: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) stock(id int64) int64 {
	e.t.Helper()
	r, err := e.s.Reward(e.ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r.Stock
}

func (e *env) gateCount(id int64) int64 {
	e.t.Helper()
	n, ok, err := e.gate.Count(e.ctx, id)
	if err != nil || !ok {
		e.t.Fatalf("gate of reward %d: %d loaded=%v err=%v", id, n, ok, err)
	}
	return n
}

// sale runs attempts redemptions of r, conc at once, by members in turn;
// mid (when set) runs once after half the attempts started. It returns
// how many succeeded and fails the test on any error but out of stock and
// insufficient points.
func (e *env) sale(r model.Reward, members []int64, attempts, conc int, tag string, mid func()) int64 {
	var ok atomic.Int64
	var next atomic.Int64
	var once sync.Once
	var wg sync.WaitGroup
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= attempts {
					return
				}
				if mid != nil && i == attempts/2 {
					once.Do(mid)
				}
				_, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: members[i%len(members)], RewardID: r.ID,
					RequestID: fmt.Sprintf("%s-%d", tag, i)})
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, model.ErrOutOfStock), errors.Is(err, model.ErrInsufficientPoints):
				default:
					e.t.Errorf("redemption %s-%d: %v", tag, i, err)
				}
			}
		}()
	}
	wg.Wait()
	return ok.Load()
}

// TestGateRefusesWithoutTheDatabase: when the gate says sold out, the
// attempt is refused even though the database still has stock — proof that
// no transaction ran; a reconcile lets the database's stock be sold again.
func TestGateRefusesWithoutTheDatabase(t *testing.T) {
	e := newEnv(t)
	r := e.reward(3)
	ids := e.members(4, 100)
	if _, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: ids[0], RewardID: r.ID, RequestID: "a"}); err != nil {
		t.Fatal(err)
	}
	if got := e.gateCount(r.ID); got != 2 {
		t.Fatalf("gate after one redemption = %d, want 2", got)
	}
	opt, _ := redis.ParseURL(e.rs.URL())
	rdb := redis.NewClient(opt)
	defer func() { _ = rdb.Close() }()
	if err := rdb.Set(e.ctx, "gatetest:stockgate:"+fmt.Sprint(r.ID), 0, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	_, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: ids[1], RewardID: r.ID, RequestID: "b"})
	if !errors.Is(err, model.ErrOutOfStock) {
		t.Fatalf("redeem with the gate at 0 = %v, want out of stock", err)
	}
	if got := e.stock(r.ID); got != 2 {
		t.Fatalf("database stock = %d, want 2 (untouched)", got)
	}
	if err := e.gate.Reconcile(e.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	for i, m := range ids[1:] {
		_, err := e.s.Redeem(e.ctx, loyalty.RedeemRequest{MemberID: m, RewardID: r.ID, RequestID: fmt.Sprint("c", i)})
		if want := i < 2; (err == nil) != want {
			t.Errorf("redemption %d after reconcile: %v, want success %v", i, err, want)
		}
	}
	if e.stock(r.ID) != 0 || e.gateCount(r.ID) != 0 {
		t.Errorf("stock %d, gate %d; want 0 and 0", e.stock(r.ID), e.gateCount(r.ID))
	}
}

// TestGateFlushMidSale: Redis is flushed in the middle of a contended sale
// in which a third of the members cannot afford the reward (their
// reservations are given back): exactly the stock is sold, never more, and
// nothing is lost — the gate ends equal to the database.
func TestGateFlushMidSale(t *testing.T) {
	e := newEnv(t)
	const stock = 60
	r := e.reward(stock)
	rich := e.members(40, 1000)
	poor := e.members(20, 5)
	all := make([]int64, 0, 60)
	for i := range 20 {
		all = append(all, rich[2*i], rich[2*i+1], poor[i])
	}
	sold := e.sale(r, all, 240, 16, "f", e.rs.Flush)
	if sold != stock {
		t.Errorf("sold %d, want exactly the stock %d", sold, stock)
	}
	var redemptions int64
	e.db.Model(&model.Redemption{}).Count(&redemptions)
	if got := e.stock(r.ID); got != 0 || redemptions != stock {
		t.Errorf("stock %d, redemptions %d; want 0 and %d", got, redemptions, stock)
	}
	// A unit given back after a reconcile may leave the gate above the
	// database (one more attempt reaches the database, which refuses it
	// and reconciles); never below. Reconcile makes them equal.
	if n, ok, err := e.gate.Count(e.ctx, r.ID); err != nil || (ok && n < 0) {
		t.Errorf("gate after the sale = %d (loaded %v, %v)", n, ok, err)
	}
	if err := e.gate.Reconcile(e.ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if got := e.gateCount(r.ID); got != 0 {
		t.Errorf("gate after reconcile = %d, want 0", got)
	}
}

// TestGateGivesBackRefusals: attempts the database refuses for points give
// their unit back, so every unit is still sold to those who can pay.
func TestGateGivesBackRefusals(t *testing.T) {
	e := newEnv(t)
	r := e.reward(10)
	poor := e.members(30, 5)
	if sold := e.sale(r, poor, 60, 8, "p", nil); sold != 0 {
		t.Fatalf("poor members bought %d", sold)
	}
	if got := e.gateCount(r.ID); got != 10 {
		t.Fatalf("gate after refused attempts = %d, want 10 (all given back)", got)
	}
	rich := e.members(10, 100)
	if sold := e.sale(r, rich, 30, 8, "r", nil); sold != 10 {
		t.Errorf("sold %d, want 10", sold)
	}
	if e.stock(r.ID) != 0 || e.gateCount(r.ID) != 0 {
		t.Errorf("stock %d, gate %d; want 0 and 0", e.stock(r.ID), e.gateCount(r.ID))
	}
	if _, err := e.s.RestockReward(e.ctx, r.ID, 5); err != nil {
		t.Fatal(err)
	}
	if got := e.gateCount(r.ID); got != 5 {
		t.Errorf("gate after restocking 5 = %d, want 5", got)
	}
}
