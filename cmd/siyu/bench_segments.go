package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
)

// benchSegments generates members and orders with bulk multi-row INSERTs
// (not timed), then times a full segment recompute (first run: every
// member changes), an incremental run with nothing changed, a full run
// over unchanged data and, with --changed P, an incremental run after P %
// of the members got a new order, next to the bare aggregation query over
// the same orders, the floor any RFM computation pays.
func benchSegments(ctx context.Context, b *benchEnv, args []string) error {
	fs := newFlags("bench segments", "bench segments [--members N] [--orders M] [--batch B] [--changed P]",
		"Times a full segment recompute next to the bare RFM aggregation query over the same data.", b.stderr)
	members := fs.Int("members", 200000, "members to generate")
	orders := fs.Int("orders", 1000000, "orders to generate (paid over the last 60 days)")
	batch := fs.Int("batch", 50000, "members per recompute batch")
	changed := fs.Float64("changed", 1, "percent of members given a new order before the incremental run after changes (0: no such run)")
	a, cleanup, err := b.parsedApp(ctx, fs, args, func() bool {
		return *members < 1 || *orders < 0 || *batch < 1 || *changed < 0 || *changed > 100
	}, "bench segments: --members and --batch must be ≥ 1, --orders ≥ 0, --changed 0..100")
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Fprintf(b.out, "siyu bench segments: %d members, %d orders, batches of %d, %s\n", *members, *orders, *batch, b.storage())
	t0 := time.Now()
	if err := genSegmentData(ctx, a.db, *members, *orders); err != nil {
		return err
	}
	fmt.Fprintf(b.out, "generated in %s (not timed below)\n\n", time.Since(t0).Round(time.Millisecond))

	rules := segments.SegmentRules{Location: a.cfg.Location, BatchSize: *batch}
	var rows []row
	var runs []segments.RecomputeResult
	for _, r := range []struct{ name, kind string }{{"full recompute, first run (all change)", model.SegmentRunFull},
		{"incremental run, nothing changed", model.SegmentRunIncremental},
		{"full recompute, nothing changed (weekly)", model.SegmentRunFull}} {
		res, err := a.segs.Recompute(ctx, rules, r.kind, nil)
		if err != nil {
			return err
		}
		runs = append(runs, res)
		rows = append(rows, row{name: r.name, n: int(res.Members), wall: res.Took})
		fmt.Fprintf(b.stderr, "%s: %d members, %d changed, %d tag changes\n", r.name, res.Members, res.Changed, res.TagChanged)
	}
	if *changed > 0 {
		// New activity for P % of the members, then an incremental run.
		n, err := touchMembers(ctx, a.db, *changed)
		if err != nil {
			return err
		}
		res, err := a.segs.Recompute(ctx, rules, model.SegmentRunIncremental, nil)
		if err != nil {
			return err
		}
		rows = append(rows, row{name: fmt.Sprintf("incremental run, %g %% changed", *changed), n: int(res.Members), wall: res.Took})
		fmt.Fprintf(b.stderr, "after changes: %d members given a new order; incremental run computed %d members, %d changed\n", n, res.Members, res.Changed)
		if res.Kind != model.SegmentRunIncremental || res.Members < n {
			return fmt.Errorf("correctness check failed: the run after changes was %s over %d members, want incremental over at least %d", res.Kind, res.Members, n)
		}
	}
	since := time.Now().AddDate(0, 0, -30).UTC()
	start := time.Now()
	sqlRows, err := a.db.WithContext(ctx).Raw(`SELECT member_id, MAX(paid_at), COUNT(*), SUM(amount_fen) FROM orders
		WHERE paid_at >= ? GROUP BY member_id`, since).Rows()
	if err != nil {
		return err
	}
	groups := 0
	for sqlRows.Next() {
		groups++
	}
	if err := errors.Join(sqlRows.Err(), sqlRows.Close()); err != nil {
		return err
	}
	rows = append(rows, row{name: "bare RFM aggregation (baseline)", n: *members, wall: time.Since(start)})
	printRows(b.out, rows)
	base := rows[len(rows)-1].wall.Seconds()
	fmt.Fprintf(b.out, "\nbaseline groups: %d members with orders in 30 days; ops = members computed; ÷ baseline wall: full first run %.1f×, full unchanged %.1f×\n",
		groups, rows[0].wall.Seconds()/base, rows[2].wall.Seconds()/base)
	return checkSegments(ctx, a.db, b, int64(*members), runs)
}

// checkSegments fails the bench unless the first run computed and changed
// every member, the incremental and the full run after it changed none,
// and every member holds a known lifecycle and RFM value.
func checkSegments(ctx context.Context, db *gorm.DB, b *benchEnv, members int64, runs []segments.RecomputeResult) error {
	var unset, unknown int64
	q := db.WithContext(ctx).Model(&model.Member{}).Where("merged_into IS NULL")
	if err := q.Session(&gorm.Session{}).Where("lifecycle = '' OR rfm_segment = ''").Count(&unset).Error; err != nil {
		return err
	}
	if err := q.Session(&gorm.Session{}).Where("lifecycle NOT IN ? OR rfm_segment NOT IN ?", segments.Lifecycles, segments.RFMSegments).
		Count(&unknown).Error; err != nil {
		return err
	}
	first, inc, again := runs[0], runs[1], runs[2]
	fmt.Fprintf(b.out, "check: first run %d members, %d changed; incremental %s %d changed; full again %d members, %d changed, %d tag changes (want %d, %d; incremental 0; %d, 0, 0); %d members without a segment, %d with an unknown one\n",
		first.Members, first.Changed, inc.Kind, inc.Changed, again.Members, again.Changed, again.TagChanged, members, members, members, unset, unknown)
	if first.Members != members || first.Changed != members || inc.Kind != model.SegmentRunIncremental || inc.Changed != 0 ||
		again.Members != members || again.Changed != 0 || again.TagChanged != 0 || unset != 0 || unknown != 0 {
		return fmt.Errorf("correctness check failed")
	}
	return nil
}

// genSegmentData inserts members (joined over 400 days, last active within
// 120, 90 % subscribed) and orders (paid over 60 days, 10–510 yuan) with
// literal multi-row INSERTs in the driver's own time format.
func genSegmentData(ctx context.Context, db *gorm.DB, members, orders int) error {
	mysql := model.IsMySQL(db)
	ts := func(t time.Time) string {
		if mysql {
			return "'" + t.UTC().Format("2006-01-02 15:04:05") + "'"
		}
		return "'" + t.UTC().Format(time.RFC3339) + "'"
	}
	rng := rand.New(rand.NewPCG(7, 11))
	now := time.Now()
	ago := func(maxDays int) time.Time {
		return now.Add(-time.Duration(rng.Int64N(int64(maxDays) * int64(24*time.Hour))))
	}
	const chunk = 5000
	exec := func(head string, n int, value func(i int) string) error {
		for start := 0; start < n; start += chunk {
			var sb strings.Builder
			sb.WriteString(head)
			for i := start; i < min(start+chunk, n); i++ {
				if i > start {
					sb.WriteByte(',')
				}
				sb.WriteString(value(i))
			}
			if err := db.WithContext(ctx).Exec(sb.String()).Error; err != nil {
				return err
			}
		}
		return nil
	}
	err := exec("INSERT INTO members (subscribed, store_code, first_scene, level, created_at, updated_at, last_active_at) VALUES ", members, func(i int) string {
		created := ago(400)
		sub := "1"
		if rng.IntN(10) == 0 {
			sub = "0"
		}
		return fmt.Sprintf("(%s,'s%03d','scene%02d','普通',%s,%s,%s)", sub, rng.IntN(300), rng.IntN(20), ts(created), ts(created), ts(ago(120)))
	})
	if err != nil {
		return fmt.Errorf("generate members: %w", err)
	}
	var lo int64
	if err := db.WithContext(ctx).Raw("SELECT COALESCE(MIN(id), 1) FROM members").Scan(&lo).Error; err != nil {
		return err
	}
	err = exec("INSERT INTO orders (order_no, member_id, store_code, amount_fen, paid_at, status, created_at, updated_at) VALUES ", orders, func(i int) string {
		paid := ts(ago(60))
		return fmt.Sprintf("('SB%09d',%d,'s%03d',%d,%s,'paid',%s,%s)", i, lo+rng.Int64N(int64(members)), rng.IntN(300), 1000+rng.IntN(50000), paid, paid, paid)
	})
	if err != nil {
		return fmt.Errorf("generate orders: %w", err)
	}
	return nil
}

// touchMembers gives pct % of the members (every k-th by id) a new paid
// order now, and returns how many.
func touchMembers(ctx context.Context, db *gorm.DB, pct float64) (int64, error) {
	every := max(int64(100/pct), 1)
	now := time.Now().UTC().Truncate(time.Second)
	no := "'CHG' || id"
	if model.IsMySQL(db) {
		no = "CONCAT('CHG', id)"
	}
	res := db.WithContext(ctx).Exec(`INSERT INTO orders (order_no, member_id, store_code, amount_fen, paid_at, points, growth, status, created_at, updated_at)
		SELECT `+no+`, id, 's001', 12345, ?, 0, 0, ?, ?, ? FROM members WHERE id % ? = 0`, now, model.OrderPaid, now, now, every)
	return res.RowsAffected, res.Error
}
