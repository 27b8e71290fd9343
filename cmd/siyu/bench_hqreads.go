package main

import (
	"context"
	"fmt"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/metrics"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
)

// hqRead is one console read timed next to the bare SQL of its queries.
type hqRead struct {
	name    string
	console func(ctx context.Context) error
	bare    func(ctx context.Context) error
}

// benchHQReads generates members and orders (not timed), segments them,
// then times the console's reads — the member list's first page and a
// deep filtered page, a member's drawer, and each 概览 metric over 30 and
// 90 days — through the services the HQ API calls, each next to the bare
// SQL of the same queries, in the same run.
func benchHQReads(ctx context.Context, b *benchEnv, args []string) error {
	fs := newFlags("bench hq-reads", "bench hq-reads [--members N] [--orders M] [--runs R]",
		"Times the console's reads (p50/p99) next to the bare SQL of the same queries.", b.stderr)
	nMembers := fs.Int("members", 100000, "members to generate")
	nOrders := fs.Int("orders", 500000, "orders to generate")
	runs := fs.Int("runs", 30, "timed runs of each read")
	a, cleanup, err := b.parsedApp(ctx, fs, args, func() bool {
		return *nMembers < 1 || *nOrders < 0 || *runs < 2
	}, "bench hq-reads: --members ≥ 1, --orders ≥ 0, --runs ≥ 2")
	if err != nil {
		return err
	}
	defer cleanup()
	fmt.Fprintf(b.out, "siyu bench hq-reads: %d members, %d orders, %d runs each, %s\n", *nMembers, *nOrders, *runs, b.storage())
	t0 := time.Now()
	if err := genSegmentData(ctx, a.db, *nMembers, *nOrders); err != nil {
		return err
	}
	if _, err := a.segs.RecomputeSegments(ctx, segments.SegmentRules{Location: a.cfg.Location, BatchSize: 50000}, nil); err != nil {
		return err
	}
	fmt.Fprintf(b.out, "generated and segmented in %s (not timed below)\n\n", time.Since(t0).Round(time.Millisecond))

	var member int64
	if err := a.db.WithContext(ctx).Raw("SELECT member_id FROM orders GROUP BY member_id ORDER BY COUNT(*) DESC LIMIT 1").Scan(&member).Error; err != nil {
		return err
	}
	reads := hqReadList(a, member)
	tw := tabwriter.NewWriter(b.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "read\tconsole p50\tp99\tbare SQL p50\tp99\tp99 ratio\t")
	for _, r := range reads {
		c50, c99, err := timeRuns(ctx, *runs, r.console)
		if err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		b50, b99, err := timeRuns(ctx, *runs, r.bare)
		if err != nil {
			return fmt.Errorf("%s (bare): %w", r.name, err)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%.2f×\t\n", r.name, msText(c50), msText(c99), msText(b50), msText(b99), float64(c99)/float64(max(b99, time.Microsecond)))
	}
	return tw.Flush()
}

func msText(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// timeRuns runs fn once to warm up, then n times, and gives p50 and p99.
func timeRuns(ctx context.Context, n int, fn func(context.Context) error) (p50, p99 time.Duration, err error) {
	if err := fn(ctx); err != nil {
		return 0, 0, err
	}
	took := make([]time.Duration, n)
	for i := range took {
		start := time.Now()
		if err := fn(ctx); err != nil {
			return 0, 0, err
		}
		took[i] = time.Since(start)
	}
	slices.Sort(took)
	return took[n/2], took[min(n-1, n*99/100)], nil
}

// hqReadList is every timed read: what the console's call runs, and the
// bare SQL of the same rows.
func hqReadList(a *app, member int64) []hqRead {
	raw := func(q string, args ...any) func(context.Context) error {
		return func(ctx context.Context) error {
			var out []map[string]any
			return a.db.WithContext(ctx).Raw(q, args...).Scan(&out).Error
		}
	}
	list := func(f members.MemberFilter, t segments.TargetFilter) func(context.Context) error {
		return func(ctx context.Context) error {
			page, err := a.members.SearchMembers(ctx, f, t)
			if err == nil {
				err = a.loyalty.DecorateMembers(ctx, page.Members)
			}
			return err
		}
	}
	yes := true
	deep := segments.TargetFilter{Lifecycles: []string{segments.Lifecycles[1], segments.Lifecycles[2]}, Subscribed: &yes}
	reads := []hqRead{
		{"member list, first page", list(members.MemberFilter{Limit: 20}, segments.TargetFilter{}), func(ctx context.Context) error {
			if err := raw("SELECT COUNT(*) FROM members WHERE merged_into IS NULL")(ctx); err != nil {
				return err
			}
			return raw("SELECT * FROM members WHERE merged_into IS NULL ORDER BY id DESC LIMIT 20")(ctx)
		}},
		{"member list, filtered page 100", list(members.MemberFilter{Limit: 20, Offset: 1980}, deep), func(ctx context.Context) error {
			where := "merged_into IS NULL AND lifecycle IN (?) AND subscribed = ?"
			if err := raw("SELECT COUNT(*) FROM members WHERE "+where, deep.Lifecycles, true)(ctx); err != nil {
				return err
			}
			return raw("SELECT * FROM members WHERE "+where+" ORDER BY id DESC LIMIT 20 OFFSET 1980", deep.Lifecycles, true)(ctx)
		}},
		{"member drawer", func(ctx context.Context) error { return drawer(ctx, a, member) }, func(ctx context.Context) error {
			for _, q := range []string{"SELECT * FROM members WHERE id = ?", "SELECT * FROM identities WHERE member_id = ?",
				"SELECT * FROM member_tags WHERE member_id = ?", "SELECT * FROM points_entries WHERE member_id = ? ORDER BY id DESC LIMIT 50",
				"SELECT * FROM orders WHERE member_id = ? ORDER BY id DESC LIMIT 50", "SELECT * FROM coupons WHERE member_id = ?",
				"SELECT * FROM redemptions WHERE member_id = ? ORDER BY id DESC LIMIT 50", "SELECT * FROM guide_relations WHERE member_id = ?",
				"SELECT * FROM member_events WHERE member_id = ? ORDER BY created_at DESC LIMIT 100"} {
				if err := raw(q, member)(ctx); err != nil {
					return err
				}
			}
			return nil
		}},
	}
	for _, days := range []int{30, 90} {
		for _, m := range []struct {
			name, table, col string
			fn               func(*metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error)
		}{
			{"members", "members", "created_at", func(s *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
				return s.MemberMetrics
			}},
			{"retention", "members", "created_at", func(s *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
				return s.RetentionMetrics
			}},
			{"lifecycle", "segment_snapshots", "created_at", func(s *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
				return s.LifecycleMetrics
			}},
			{"rfm", "segment_snapshots", "created_at", func(s *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
				return s.RFMMetrics
			}},
			{"checkins", "check_ins", "created_at", func(s *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
				return s.CheckInMetrics
			}},
			{"points", "points_entries", "created_at", func(s *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
				return s.PointsMetrics
			}},
			{"coupons", "coupons", "created_at", func(s *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
				return s.CouponMetrics
			}},
			{"tasks", "task_items", "created_at", func(s *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
				return s.TaskMetrics
			}},
		} {
			from := time.Now().AddDate(0, 0, -days+1)
			reads = append(reads, hqRead{
				name: fmt.Sprintf("概览 %s, %d days", m.name, days),
				console: func(ctx context.Context) error {
					r, err := metrics.NewDayRange(from.In(a.cfg.Location).Format(time.DateOnly), "", a.cfg.Location, time.Now())
					if err == nil {
						_, err = m.fn(a.dash)(ctx, r)
					}
					return err
				},
				// The floor: one pass over the range's rows, counted per UTC day.
				bare: raw("SELECT DATE("+m.col+") AS d, COUNT(*) FROM "+m.table+" WHERE "+m.col+" >= ? GROUP BY d", from.UTC()),
			})
		}
	}
	return append(reads, hqRead{"概览 KPI summary, 30 days", func(ctx context.Context) error {
		r, err := metrics.NewDayRange("", "", a.cfg.Location, time.Now())
		if err == nil {
			_, err = a.dash.Summary(ctx, r, "")
		}
		return err
	}, raw("SELECT COUNT(*) FROM members WHERE merged_into IS NULL")})
}

// drawer is what the console's member drawer asks for, in the order it asks.
func drawer(ctx context.Context, a *app, id int64) error {
	m, err := a.members.GetMember(ctx, id)
	if err != nil {
		return err
	}
	if err := a.loyalty.DecorateMembers(ctx, []model.MemberView{m}); err != nil {
		return err
	}
	if _, err := a.loyalty.Ledger(ctx, id, 50); err != nil {
		return err
	}
	if _, err := a.loyalty.MemberOrders(ctx, id, 50); err != nil {
		return err
	}
	if _, err := a.loyalty.MemberRedemptions(ctx, id, 50); err != nil {
		return err
	}
	_, err = a.members.Events(ctx, id, 100)
	return err
}
