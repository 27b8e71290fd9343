package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// benchRedeem: many members redeem one reward at once until its stock runs
// out, through the HQ API and through the service directly; the baseline
// is the bare guarded stock update (UPDATE … SET stock = stock - 1 WHERE
// stock > 0) under the same contention. The run checks that each path
// sold exactly its stock, never below zero, and that every balance equals
// its ledger.
func benchRedeem(ctx context.Context, b *benchEnv, args []string) error {
	fs := newFlags("bench redeem", "bench redeem [--members N] [--stock S] [--attempts A] [--concurrency C]",
		"Contended redemptions/s (HTTP and direct) next to the bare guarded stock update, with a correctness check.", b.stderr)
	members := fs.Int("members", 2000, "members with enough points")
	stock := fs.Int("stock", 1000, "stock of each path's reward")
	attempts := fs.Int("attempts", 3000, "redemption attempts per path (more than the stock: the rest must fail)")
	conc := fs.Int("concurrency", 64, "concurrent attempts")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	b.cfg.HQToken = "bench-hq-token"
	a, cleanup, err := b.freshApp(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Fprintf(b.out, "siyu bench redeem: %d attempts per path on stock %d, %d members, %d concurrent, %s\n\n", *attempts, *stock, *members, *conc, b.storage())

	ids, err := benchMembers(ctx, a.db, *members, 1000)
	if err != nil {
		return err
	}
	rewards := make([]model.Reward, 4)
	for i, name := range []string{"HTTP", "direct", "baseline", "no gate"} {
		if rewards[i], err = a.loyalty.CreateReward(ctx, model.Reward{Name: "bench " + name, PointsCost: 10, Kind: model.RewardVirtual,
			Stock: int64(*stock), Active: true}); err != nil {
			return err
		}
	}
	base, client, stop, err := serveLoopback(a, *conc, 30*time.Second)
	if err != nil {
		return err
	}
	defer stop()
	redeemHTTP := func(ctx context.Context, member, reward int64, requestID string) (ok bool, err error) {
		body, _ := json.Marshal(map[string]any{"reward_id": reward, "request_id": requestID})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/api/hq/members/%d/redemptions", base, member), bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+b.cfg.HQToken)
		resp, err := client.Do(req)
		if err != nil {
			return false, err
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusCreated:
			return true, nil
		case http.StatusConflict: // out of stock
			return false, nil
		}
		return false, fmt.Errorf("HTTP redemption: %s %s", resp.Status, raw)
	}
	counter, err := countStatements(a.db)
	if err != nil {
		return err
	}
	if err := redeemStatements(ctx, b, a, counter, ids, redeemHTTP); err != nil {
		return err
	}

	var okHTTP, okDirect, okBase atomic.Int64
	var httpLat, directLat, baseLat latencies
	httpStart := counter.snap()
	httpWall, err := parallel(ctx, *attempts, *conc, &httpLat, func(ctx context.Context, i int) error {
		ok, err := redeemHTTP(ctx, ids[i%len(ids)], rewards[0].ID, fmt.Sprintf("h%d", i))
		if ok {
			okHTTP.Add(1)
		}
		return err
	})
	if err != nil {
		return err
	}
	httpStmts := counter.since(httpStart, okHTTP.Load())
	directStart := counter.snap()
	directWall, err := parallel(ctx, *attempts, *conc, &directLat, func(ctx context.Context, i int) error {
		_, err := a.loyalty.Redeem(ctx, loyalty.RedeemRequest{MemberID: ids[i%len(ids)], RewardID: rewards[1].ID, RequestID: fmt.Sprintf("d%d", i)})
		switch {
		case err == nil:
			okDirect.Add(1)
		case !errors.Is(err, model.ErrOutOfStock):
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	directStmts := counter.since(directStart, okDirect.Load())
	baseWall, err := parallel(ctx, *attempts, *conc, &baseLat, func(ctx context.Context, i int) error {
		res := a.db.WithContext(ctx).Model(&model.Reward{}).Where("id = ? AND stock > 0", rewards[2].ID).Update("stock", gorm.Expr("stock - 1"))
		if res.RowsAffected == 1 {
			okBase.Add(1)
		}
		return res.Error
	})
	if err != nil {
		return err
	}
	// The same direct sale on a service without the Redis stock gate: every
	// attempt that reads stock > 0 on the row runs a transaction.
	noGate := loyalty.New(a.st, loyaltyOptions(a.cfg, a.now))
	var okNoGate atomic.Int64
	var noGateLat latencies
	noGateWall, err := parallel(ctx, *attempts, *conc, &noGateLat, func(ctx context.Context, i int) error {
		_, err := noGate.Redeem(ctx, loyalty.RedeemRequest{MemberID: ids[i%len(ids)], RewardID: rewards[3].ID, RequestID: fmt.Sprintf("n%d", i)})
		switch {
		case err == nil:
			okNoGate.Add(1)
		case !errors.Is(err, model.ErrOutOfStock):
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	printRows(b.out, []row{
		{name: "redeem over HTTP (HQ API)", n: *attempts, wall: httpWall, p50: httpLat.percentile(50), p99: httpLat.percentile(99)},
		{name: "redeem direct (service, stock gate)", n: *attempts, wall: directWall, p50: directLat.percentile(50), p99: directLat.percentile(99)},
		{name: "redeem direct, no stock gate", n: *attempts, wall: noGateWall, p50: noGateLat.percentile(50), p99: noGateLat.percentile(99)},
		{name: "bare guarded stock update (baseline)", n: *attempts, wall: baseWall, p50: baseLat.percentile(50), p99: baseLat.percentile(99)},
	})
	fmt.Fprintf(b.out, "\nsuccessful redemptions/s: HTTP %.0f, direct %.0f (each attempt is one row above; the rest found no stock)\n",
		float64(okHTTP.Load())/httpWall.Seconds(), float64(okDirect.Load())/directWall.Seconds())
	fmt.Fprintf(b.out, "SQL statements in the contended sale, per successful redemption (refused attempts included): HTTP %s; direct %s\n", httpStmts, directStmts)

	// Correctness in the same run.
	want := int64(min(*stock, *attempts))
	var left []int64
	a.db.WithContext(ctx).Model(&model.Reward{}).Where("id IN ?", []int64{rewards[0].ID, rewards[1].ID, rewards[2].ID, rewards[3].ID}).Order("id").Pluck("stock", &left)
	bad, err := a.loyalty.CheckLedger(ctx)
	if err != nil {
		return err
	}
	var redemptions, entries int64
	a.db.WithContext(ctx).Model(&model.Redemption{}).Where("reward_id IN ?", []int64{rewards[0].ID, rewards[1].ID, rewards[3].ID}).Count(&redemptions)
	a.db.WithContext(ctx).Model(&model.PointsEntry{}).Where("kind = ?", model.PointsRedeem).Count(&entries)
	entries -= 2 // the two statement probes
	fmt.Fprintf(b.out, "check: succeeded HTTP %d, direct %d, no gate %d, baseline %d (want %d each); stock left %v; %d redemptions, %d redeem entries; %d members whose balance differs from the ledger\n",
		okHTTP.Load(), okDirect.Load(), okNoGate.Load(), okBase.Load(), want, left, redemptions, entries, len(bad))
	expectLeft := int64(*stock) - want
	for _, l := range left {
		if l != expectLeft {
			return fmt.Errorf("correctness check failed: stock left %v, want %d", left, expectLeft)
		}
	}
	if okHTTP.Load() != want || okDirect.Load() != want || okBase.Load() != want || okNoGate.Load() != want ||
		redemptions != 3*want || entries != 3*want || len(bad) > 0 {
		return fmt.Errorf("correctness check failed")
	}
	return nil
}

// benchMembers inserts n members, each credited points through one ledger
// entry, in batches (setup, not measured), and returns their ids.
func benchMembers(ctx context.Context, db *gorm.DB, n int, points int64) ([]int64, error) {
	ids := make([]int64, 0, n)
	for start := 0; start < n; start += 500 {
		batch := make([]model.Member, min(500, n-start))
		for i := range batch {
			batch[i] = model.Member{Level: "普通", Points: points, Subscribed: true}
		}
		if err := db.WithContext(ctx).Create(&batch).Error; err != nil {
			return nil, err
		}
		entries := make([]model.PointsEntry, len(batch))
		for i, m := range batch {
			ids = append(ids, m.ID)
			entries[i] = model.PointsEntry{MemberID: m.ID, Delta: points, Remaining: points, Kind: model.PointsAdjust,
				IdemKey: fmt.Sprintf("bench:%d", m.ID), Note: "bench"}
		}
		if err := db.WithContext(ctx).Create(&entries).Error; err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// redeemStatements prints the SQL statements of one uncontended
// redemption over HTTP and directly: one that succeeds, then one refused
// because the stock is gone (a reward of stock 1 per path).
func redeemStatements(ctx context.Context, b *benchEnv, a *app, counter *stmtCounter, ids []int64,
	redeemHTTP func(ctx context.Context, member, reward int64, requestID string) (bool, error)) error {
	var out [4]string
	for path := range 2 {
		r, err := a.loyalty.CreateReward(ctx, model.Reward{Name: fmt.Sprintf("probe %d", path), PointsCost: 10, Kind: model.RewardVirtual, Stock: 1, Active: true})
		if err != nil {
			return err
		}
		for try := range 2 {
			id := fmt.Sprintf("probe-%d-%d", path, try)
			start := counter.snap()
			var ok bool
			if path == 0 {
				ok, err = redeemHTTP(ctx, ids[try], r.ID, id)
			} else {
				_, err = a.loyalty.Redeem(ctx, loyalty.RedeemRequest{MemberID: ids[try], RewardID: r.ID, RequestID: id})
				ok = err == nil
				if errors.Is(err, model.ErrOutOfStock) {
					err = nil
				}
			}
			if err != nil {
				return err
			}
			if ok != (try == 0) {
				return fmt.Errorf("statement probe: redemption %s: succeeded %v", id, ok)
			}
			out[path*2+try] = counter.since(start, 1)
		}
	}
	fmt.Fprintf(b.out, "SQL statements of one redemption: HTTP success %s, sold out %s; direct success %s, sold out %s\n\n", out[0], out[1], out[2], out[3])
	return nil
}
