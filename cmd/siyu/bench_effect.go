package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/effect"
	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/model"
)

// benchEffect generates customers targeted by one dispatched HQ task with
// a holdout, their orders and check-ins over the window (not timed), then
// times the task's effect report next to the bare SQL of the same
// aggregation, in the same run.
func benchEffect(ctx context.Context, b *benchEnv, args []string) error {
	fs := newFlags("bench effect", "bench effect [--customers N] [--orders M] [--days D] [--holdout P]",
		"Times GET /api/hq/tasks/{id}/effect's computation next to the bare aggregation query over the same data.", b.stderr)
	customers := fs.Int("customers", 500000, "customers the task targeted")
	orders := fs.Int("orders", 5000000, "orders over the window, paid by random customers")
	days := fs.Int("days", 14, "the effect window in days")
	holdout := fs.Int("holdout", 10, "holdout percent")
	a, cleanup, err := b.parsedApp(ctx, fs, args, func() bool {
		return *customers < 1 || *orders < 0 || *days < 1 || *days > hqtasks.MaxEffectWindowDays || *holdout < 0 || *holdout > effect.MaxHoldoutPercent
	}, "bench effect: --customers ≥ 1, --orders ≥ 0, --days 1..90, --holdout 0..50")
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Fprintf(b.out, "siyu bench effect: %d customers, %d orders over %d days, %d %% holdout, %s\n",
		*customers, *orders, *days, *holdout, b.storage())
	t0 := time.Now()
	dispatched := time.Now().UTC().AddDate(0, 0, -*days).Truncate(time.Second)
	taskID, control, err := genEffectData(ctx, a.db, *customers, *orders, *days, *holdout, dispatched)
	if err != nil {
		return err
	}
	fmt.Fprintf(b.out, "generated in %s (not timed below)\n\n", time.Since(t0).Round(time.Millisecond))

	// Two rounds, alternating, best of each: this machine is shared and the
	// first query also warms the buffer pool.
	var eff hqtasks.Effect
	var groups int
	rows := []row{{name: "effect report (service), best of 2", n: *customers}, {name: "bare aggregation SQL (baseline), best of 2", n: *customers}}
	lo, hi := dispatched, dispatched.AddDate(0, 0, *days)
	for range 2 {
		start := time.Now()
		if eff, err = a.hqTasks.TaskEffect(ctx, taskID, *days, ""); err != nil {
			return err
		}
		rows[0].wall = best(rows[0].wall, time.Since(start))
		start = time.Now()
		if groups, err = countRows(a.db.WithContext(ctx).Raw(hqtasks.EffectSQL, hqtasks.EffectArgs(taskID, lo, hi)...)); err != nil {
			return err
		}
		rows[1].wall = best(rows[1].wall, time.Since(start))
	}
	printRows(b.out, rows)
	fmt.Fprintf(b.out, "\nops = customers covered; report ÷ bare SQL wall: %.2f×; %d (group, store) rows\n",
		rows[0].wall.Seconds()/rows[1].wall.Seconds(), groups)
	fmt.Fprintf(b.out, "result: treated %d (ordered %d, revenue %d fen), control %d (ordered %d); order-rate uplift %+.4f [%+.4f, %+.4f]; %s\n",
		eff.Treated.Members, eff.Treated.Ordered, eff.Treated.RevenueFen, eff.Control.Members, eff.Control.Ordered,
		eff.Uplift["order_rate"].Diff, eff.Uplift["order_rate"].Low, eff.Uplift["order_rate"].High, eff.Uplift["order_rate"].Note)
	fmt.Fprintf(b.out, "check: treated + control = %d (want %d), control = %d (want %d)\n",
		eff.Treated.Members+eff.Control.Members, *customers, eff.Control.Members, control)
	if eff.Treated.Members+eff.Control.Members != int64(*customers) || eff.Control.Members != control {
		return fmt.Errorf("correctness check failed")
	}
	return nil
}

func best(a, b time.Duration) time.Duration {
	if a == 0 || b < a {
		return b
	}
	return a
}

// countRows runs q and counts the rows it returns.
func countRows(q *gorm.DB) (int, error) {
	rs, err := q.Rows()
	if err != nil {
		return 0, err
	}
	n := 0
	for rs.Next() {
		n++
	}
	return n, errors.Join(rs.Err(), rs.Close())
}

// genEffectData inserts the customers (over 100 stores), one dispatched
// task with its items and held-out rows decided by effect.HeldOut, orders
// (10–510 yuan, the treated ordering a little more often) and one check-in
// for every third customer, with literal multi-row INSERTs. It returns the
// task id and the size of the control group.
func genEffectData(ctx context.Context, db *gorm.DB, customers, orders, days, holdout int, dispatched time.Time) (int64, int64, error) {
	mysql := model.IsMySQL(db)
	ts := func(t time.Time) string {
		if mysql {
			return "'" + t.UTC().Format("2006-01-02 15:04:05") + "'"
		}
		return "'" + t.UTC().Format(time.RFC3339) + "'"
	}
	rng := rand.New(rand.NewPCG(3, 5))
	in := func() time.Time { return dispatched.Add(time.Duration(rng.Int64N(int64(days) * int64(24*time.Hour)))) }
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
	task := model.HQTask{Title: "bench effect", Kind: model.TaskKindFollowUp, StoresJSON: "[]", GuidesJSON: "[]", FilterJSON: "{}",
		Deadline: dispatched.AddDate(0, 0, days), State: model.TaskActive, DispatchedAt: &dispatched, HoldoutPercent: holdout}
	if err := db.WithContext(ctx).Create(&task).Error; err != nil {
		return 0, 0, err
	}
	err := exec("INSERT INTO members (subscribed, store_code, first_scene, level, created_at, updated_at) VALUES ", customers, func(i int) string {
		return fmt.Sprintf("(1,'s%03d','bench','普通',%s,%s)", i%100, ts(dispatched.AddDate(0, 0, -30)), ts(dispatched.AddDate(0, 0, -30)))
	})
	if err != nil {
		return 0, 0, fmt.Errorf("generate customers: %w", err)
	}
	var lo int64
	if err := db.WithContext(ctx).Raw("SELECT COALESCE(MIN(id), 1) FROM members").Scan(&lo).Error; err != nil {
		return 0, 0, err
	}
	var treated, held []int64
	for i := range customers {
		if id := lo + int64(i); effect.HeldOut(task.ID, id, holdout) {
			held = append(held, id)
		} else {
			treated = append(treated, id)
		}
	}
	err = exec("INSERT INTO task_items (task_id, member_id, guide_user_id, status, store_code, created_at) VALUES ", len(treated), func(i int) string {
		return fmt.Sprintf("(%d,%d,'g%03d','open','s%03d',%s)", task.ID, treated[i], (treated[i]-lo)%100, (treated[i]-lo)%100, ts(dispatched))
	})
	if err == nil {
		err = exec("INSERT INTO task_holdouts (task_id, member_id, guide_user_id, store_code, created_at) VALUES ", len(held), func(i int) string {
			return fmt.Sprintf("(%d,%d,'g%03d','s%03d',%s)", task.ID, held[i], (held[i]-lo)%100, (held[i]-lo)%100, ts(dispatched))
		})
	}
	if err == nil {
		err = exec("INSERT INTO orders (order_no, member_id, store_code, amount_fen, paid_at, status, created_at, updated_at) VALUES ", orders, func(i int) string {
			m := lo + rng.Int64N(int64(customers))
			paid := ts(in())
			return fmt.Sprintf("('EB%09d',%d,'s%03d',%d,%s,'paid',%s,%s)", i, m, (m-lo)%100, 1000+rng.IntN(50000), paid, paid, paid)
		})
	}
	if err == nil {
		err = exec("INSERT INTO check_ins (member_id, day, streak, points, created_at) VALUES ", customers/3, func(i int) string {
			at := in()
			return fmt.Sprintf("(%d,'%s',1,5,%s)", lo+int64(3*i), at.Format(time.DateOnly), ts(at))
		})
	}
	if err != nil {
		return 0, 0, fmt.Errorf("generate effect data: %w", err)
	}
	return task.ID, int64(len(held)), nil
}
