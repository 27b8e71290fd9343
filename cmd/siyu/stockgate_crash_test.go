package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx/wxtest"
)

// TestStockGateSurvivesKill: a points-mall sale over HTTP is cut by kill -9
// of the server while redemptions are in flight, so units reserved at the
// Redis stock gate never come back from the dead process. The database
// never sells more than the stock; a new server reconciles the gate at
// start, and the rest of the sale sells exactly what was left — no unit is
// lost.
func TestStockGateSurvivesKill(t *testing.T) {
	rs := taskstest.StartRedisServer(t)
	env := outboxEnv(t, wxtest.NewServer(t), rs.URL())
	base := "http://" + env["SIYU_HTTP_ADDR"]
	child := startChild(t, env, "serve", "--worker=false")
	waitReady(t, base)
	db := openDB(t, env)

	const stock = 150
	var r model.Reward
	if st := hqCall(t, base, "POST", "/api/hq/rewards", map[string]any{"name": "秒杀券", "points_cost": 10, "kind": "virtual",
		"stock": stock, "active": true}, &r); st != 201 {
		t.Fatalf("create reward = %d", st)
	}
	members, err := benchMembers(context.Background(), db, 100, 100000)
	if err != nil {
		t.Fatal(err)
	}
	sale := &flashSale{t: t, base: base, reward: r.ID, members: members}
	sale.untilKilled(child, stock/3)

	left, redemptions := crashStock(t, db, r.ID)
	if left+redemptions != stock || left < 0 {
		t.Fatalf("after kill: stock %d + redemptions %d, want %d in all", left, redemptions, stock)
	}
	opt, err := redis.ParseURL(rs.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer func() { _ = rdb.Close() }()
	key := fmt.Sprintf("%s:stockgate:%d", env["SIYU_REDIS_PREFIX"], r.ID)
	g, _ := rdb.Get(context.Background(), key).Int64() // only logged
	t.Logf("after kill -9: gate %d, database stock %d (a gate below the database holds units of the dead process)", g, left)

	waitDeadSessions(t, db)
	startChild(t, env, "serve", "--worker=false") // reconciles at start
	waitHealthy(t, base)
	waitFor(t, func() bool {
		g, err := rdb.Get(context.Background(), key).Int64()
		return err == nil && g == left
	})
	for i := range 3 * stock {
		if st, err := sale.attempt(100000 + i); err != nil || (st != 201 && st != 409) {
			t.Fatalf("redemption after restart = %d, %v", st, err)
		}
	}
	checkSoldOut(t, db, r.ID, stock)
}

// flashSale sends redemptions of one reward over HTTP, each member in
// turn, counting what sold.
type flashSale struct {
	t       *testing.T
	base    string
	reward  int64
	members []int64
	sold    atomic.Int64
}

// attempt sends redemption i and returns its status.
func (f *flashSale) attempt(i int) (int, error) {
	b, err := json.Marshal(map[string]any{"reward_id": f.reward, "request_id": fmt.Sprintf("k%d", i)})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequest("POST", fmt.Sprintf("%s/api/hq/members/%d/redemptions", f.base, f.members[i%len(f.members)]), bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer e2e-hq-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close() // the status is all we read
	if resp.StatusCode == 201 {
		f.sold.Add(1)
	}
	return resp.StatusCode, nil
}

// untilKilled runs 24 clients until sold units are sold, then kills the
// server with -9 while requests are in flight.
func (f *flashSale) untilKilled(child *exec.Cmd, sold int64) {
	var wg sync.WaitGroup
	var next atomic.Int64
	killed := make(chan struct{})
	for range 24 {
		wg.Go(func() {
			for {
				select {
				case <-killed:
					return
				default:
				}
				if _, err := f.attempt(int(next.Add(1))); err != nil {
					return // the server is gone
				}
			}
		})
	}
	waitFor(f.t, func() bool { return f.sold.Load() >= sold })
	if err := child.Process.Kill(); err != nil {
		f.t.Fatal(err)
	}
	close(killed)
	_ = child.Wait() // killed: the error is the signal
	wg.Wait()
}

// checkSoldOut fails the test unless exactly the stock was sold, each
// redemption with its ledger entry.
func checkSoldOut(t *testing.T, db *gorm.DB, rewardID, stock int64) {
	t.Helper()
	left, redemptions := crashStock(t, db, rewardID)
	if left != 0 || redemptions != stock {
		t.Errorf("after the sale: stock %d, redemptions %d; want 0 and %d (nothing oversold, nothing lost)", left, redemptions, stock)
	}
	var entries int64
	if err := db.Model(&model.PointsEntry{}).Where("kind = ?", model.PointsRedeem).Count(&entries).Error; err != nil {
		t.Fatal(err)
	}
	if entries != redemptions {
		t.Errorf("redeem ledger entries %d, redemptions %d", entries, redemptions)
	}
}

// crashStock returns the reward's stock and its redemptions.
func crashStock(t *testing.T, db *gorm.DB, rewardID int64) (left, redemptions int64) {
	t.Helper()
	var r model.Reward
	if err := db.Take(&r, rewardID).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Model(&model.Redemption{}).Where("reward_id = ?", rewardID).Count(&redemptions).Error; err != nil {
		t.Fatal(err)
	}
	return r.Stock, redemptions
}

// waitDeadSessions waits until MySQL has finished the statements of the
// killed process's connections (one waiting for a row lock runs until it
// gets it or times out, and keeps its transaction's locks, which the
// restarted server's schema migration would wait for).
func waitDeadSessions(t *testing.T, db *gorm.DB) {
	t.Helper()
	if db.Dialector.Name() != "mysql" {
		return
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		var busy int64
		if err := db.Raw(`SELECT COUNT(*) FROM information_schema.PROCESSLIST
			WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND COMMAND <> 'Sleep'`).Scan(&busy).Error; err != nil {
			t.Fatal(err)
		}
		if busy == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d statements of the killed server still run after 90 s", busy)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitHealthy waits for /healthz with a deadline long enough for a
// restart's schema check on a loaded machine under -race.
func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the restarted server is not healthy after 90 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
