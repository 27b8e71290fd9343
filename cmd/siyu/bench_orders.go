package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// benchOrders imports orders through POST /api/hq/orders in batches (member
// resolution by openid, idempotency by order id, points with the level
// multiplier, growth and upgrades, one ledger entry per order), next to a
// bare batched insert of the same rows into a copy of the orders table as
// the baseline. It then checks that every order counted once: posting a
// batch again creates nothing, and every balance equals its ledger.
func benchOrders(ctx context.Context, b *benchEnv, args []string) error {
	fs := newFlags("bench orders", "bench orders [--orders N] [--members M] [--batch B] [--concurrency C]",
		"Orders/s imported through the HQ API next to a bare batched insert of the same rows.", b.stderr)
	n := fs.Int("orders", 100000, "orders to import")
	members := fs.Int("members", 10000, "members the orders belong to")
	batch := fs.Int("batch", 500, "orders per request (at most 1000)")
	conc := fs.Int("concurrency", 8, "concurrent requests")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *batch < 1 || *batch > 1000 {
		return usageError{"bench orders: --batch must be 1..1000"}
	}
	b.cfg.HQToken = "bench-hq-token"
	a, cleanup, err := b.freshApp(ctx)
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Fprintf(b.out, "siyu bench orders: %d orders of %d members, %d per request, %d concurrent, %s\n\n", *n, *members, *batch, *conc, b.storage())

	// Setup (not measured): members with Official Account identities.
	if _, err := benchMembers(ctx, a.db, *members, 0); err != nil {
		return err
	}
	var ids []int64
	a.db.WithContext(ctx).Model(&model.Member{}).Order("id").Pluck("id", &ids)
	for start := 0; start < len(ids); start += 500 {
		part := ids[start:min(start+500, len(ids))]
		idents := make([]model.Identity, len(part))
		for i, id := range part {
			idents[i] = model.Identity{MemberID: id, Platform: model.PlatformOA, AppID: "wxbench", ExternalID: fmt.Sprintf("o_bench_%d", id)}
		}
		if err := a.db.WithContext(ctx).Create(&idents).Error; err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	paid := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	lines := make([]map[string]any, *n)
	rows := make([]model.Order, *n)
	for i := range lines {
		id := ids[rng.IntN(len(ids))]
		amount := int64(1000 + rng.IntN(50000)) // 10 to 510 yuan
		no := fmt.Sprintf("BO%08d", i)
		lines[i] = map[string]any{"order_id": no, "openid": fmt.Sprintf("o_bench_%d", id), "store_code": "sh001", "amount_fen": amount, "paid_at": paid}
		rows[i] = model.Order{OrderNo: no, MemberID: id, StoreCode: "sh001", AmountFen: amount, PaidAt: paid, Status: model.OrderPaid}
	}
	requests := (*n + *batch - 1) / *batch

	base, client, stop, err := serveLoopback(a, *conc, 5*time.Minute)
	if err != nil {
		return err
	}
	defer stop()
	post := func(ctx context.Context, part []map[string]any) (created int, err error) {
		body, _ := json.Marshal(map[string]any{"orders": part})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/hq/orders", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+b.cfg.HQToken)
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var res struct{ Created, Duplicate, Failed int }
		if resp.StatusCode != http.StatusOK || json.Unmarshal(raw, &res) != nil || res.Failed > 0 {
			return 0, fmt.Errorf("import: %s %.300s", resp.Status, raw)
		}
		return res.Created, nil
	}
	counter, err := countStatements(a.db)
	if err != nil {
		return err
	}
	var apiLat, baseLat latencies
	apiStart := counter.snap()
	apiWall, err := parallel(ctx, requests, *conc, &apiLat, func(ctx context.Context, i int) error {
		_, err := post(ctx, lines[i**batch:min((i+1)**batch, *n)])
		return err
	})
	if err != nil {
		return err
	}
	apiStmts := counter.since(apiStart, int64(requests))

	// Baseline: the same rows, batched INSERTs into a copy of the table.
	table := "bench_orders_baseline"
	if err := copyTable(ctx, a.db, "orders", table); err != nil {
		return err
	}
	baseWall, err := parallel(ctx, requests, *conc, &baseLat, func(ctx context.Context, i int) error {
		return a.db.WithContext(ctx).Table(table).Create(rows[i**batch : min((i+1)**batch, *n)]).Error
	})
	if err != nil {
		return err
	}
	printRows(b.out, []row{
		{name: "import via POST /api/hq/orders", n: *n, wall: apiWall, p50: apiLat.percentile(50), p99: apiLat.percentile(99)},
		{name: "bare batched INSERT (baseline)", n: *n, wall: baseWall, p50: baseLat.percentile(50), p99: baseLat.percentile(99)},
	})
	fmt.Fprintf(b.out, "(ops are orders; p50/p99 are per request of %d orders)\nSQL statements per request of %d orders: %s\n", *batch, *batch, apiStmts)

	// Correctness in the same run: a batch posted again creates nothing;
	// every order has one ledger entry carrying its points; balances match.
	again, err := post(ctx, lines[:min(*batch, *n)])
	if err != nil {
		return err
	}
	var orders, entries, orderPoints, entryPoints, upgraded int64
	db := a.db.WithContext(ctx)
	db.Model(&model.Order{}).Count(&orders)
	db.Model(&model.PointsEntry{}).Where("kind = ?", model.PointsOrder).Count(&entries)
	db.Model(&model.Order{}).Select("COALESCE(SUM(points), 0)").Scan(&orderPoints)
	db.Model(&model.PointsEntry{}).Where("kind = ?", model.PointsOrder).Select("COALESCE(SUM(delta), 0)").Scan(&entryPoints)
	db.Model(&model.LevelChange{}).Count(&upgraded)
	bad, err := a.loyalty.CheckLedger(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.out, "\ncheck: %d orders, %d order entries (want %d each); points on orders %d = in the ledger %d; batch re-posted created %d; %d upgrades; %d members whose balance differs from the ledger\n",
		orders, entries, *n, orderPoints, entryPoints, again, upgraded, len(bad))
	if orders != int64(*n) || entries != int64(*n) || orderPoints != entryPoints || again != 0 || len(bad) > 0 {
		return fmt.Errorf("correctness check failed")
	}
	return nil
}

// copyTable creates an empty copy of a table with the same columns and
// indexes, so the baseline inserts pay for the same index maintenance.
func copyTable(ctx context.Context, db *gorm.DB, from, to string) error {
	db = db.WithContext(ctx)
	if model.IsMySQL(db) {
		return db.Exec("CREATE TABLE `" + to + "` LIKE `" + from + "`").Error
	}
	var ddl []string
	if err := db.Raw("SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL ORDER BY type DESC", from).Scan(&ddl).Error; err != nil {
		return err
	}
	for _, stmt := range ddl { // the table first ("table" > "index"), then its indexes under new names
		stmt = strings.Replace(stmt, "`"+from+"`", "`"+to+"`", 1)
		stmt = strings.Replace(stmt, "INDEX `", "INDEX `"+to+"_", 1)
		if err := db.Exec(stmt).Error; err != nil {
			return fmt.Errorf("copy %s: %w", from, err)
		}
	}
	return nil
}
