package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	gomysql "github.com/go-sql-driver/mysql"

	"github.com/siyu/siyu/config"
)

// benchmark is one `siyu bench <name>`.
type benchmark struct {
	desc string
	run  func(ctx context.Context, b *benchEnv, args []string) error
}

// benchmarks lists every benchmark; each lives in its own bench_<name>.go.
func benchmarks() map[string]benchmark {
	return map[string]benchmark{
		"checkin":  {"N members follow and check in over signed, encrypted HTTP callbacks, next to the same transactions called directly", benchCheckIn},
		"redeem":   {"contended redemptions of one reward (HQ API and direct) next to the bare guarded stock update; checks stock and ledger", benchRedeem},
		"dispatch": {"one HQ task fanned out to guides × customers items through the queue and worker, next to a bare batched insert of the same rows; checks count and duplicates", benchDispatch},
		"segments": {"generate members and orders, time a full segment recompute (twice) next to the bare RFM aggregation query", benchSegments},
		"effect":   {"one HQ task with a holdout over customers and orders: the effect report next to the bare SQL of the same aggregation; checks group sizes", benchEffect},
		"hq-reads": {"the console's reads (member list pages, a member's drawer, each 概览 metric for 30 and 90 days) at p50/p99 next to the bare SQL of the same queries", benchHQReads},
		"orders":   {"import orders through POST /api/hq/orders in batches, next to a bare batched insert of the same rows; checks counts and ledger", benchOrders},
	}
}

func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	all := benchmarks()
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	var list strings.Builder
	for _, n := range names {
		fmt.Fprintf(&list, "  %-10s %s\n", n, all[n].desc)
	}
	help := func() {
		fmt.Fprintf(stderr, "Usage: siyu bench <name> [flags]\n\nEach benchmark prints its figures next to a baseline measured in the same run,\non a fresh database on the server of SIYU_MYSQL_DSN (or embedded SQLite) and\nSIYU_REDIS_URL (or embedded Redis); the bench database is dropped afterwards.\n\nBenchmarks:\n%s", list.String())
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		help()
		if len(args) == 0 {
			return usageError{"bench: name a benchmark"}
		}
		return nil
	}
	bm, ok := all[args[0]]
	if !ok {
		help()
		return usageError{fmt.Sprintf("bench: unknown benchmark %q", args[0])}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	cfg.LogLevel = "warn"
	b := &benchEnv{cfg: cfg, out: stdout, stderr: stderr, log: newLogger(cfg, stderr)}
	return bm.run(ctx, b, args[1:])
}

// benchEnv is what a benchmark gets: the configuration and where to print.
type benchEnv struct {
	cfg    config.Config
	out    io.Writer
	stderr io.Writer
	log    *slog.Logger
}

// storage names the storage a run uses, for the printed header.
func (b *benchEnv) storage() string {
	db, q := "MySQL", "Redis"
	if b.cfg.MySQLDSN == "" {
		db = "embedded SQLite"
	}
	if b.cfg.RedisURL == "" {
		q = "embedded Redis"
	}
	return db + " + " + q
}

// parsedApp is the preamble every bench shares: it parses the bench's
// flags, answers usage when invalid() finds them out of range, and opens a
// fresh app (see freshApp) that cleanup drops.
func (b *benchEnv) parsedApp(ctx context.Context, fs *flag.FlagSet, args []string, invalid func() bool, usage string) (a *app, cleanup func(), err error) {
	if err := parseFlags(fs, args); err != nil {
		return nil, nil, err
	}
	if invalid() {
		return nil, nil, usageError{usage}
	}
	return b.freshApp(ctx)
}

// freshApp opens a Siyu on a new, empty database: a database named
// siyu_bench_<time> on the MySQL server of SIYU_MYSQL_DSN, or a SQLite
// file in a temp dir; and Redis with a unique key prefix. cleanup drops it.
func (b *benchEnv) freshApp(ctx context.Context) (a *app, cleanup func(), err error) {
	cfg := b.cfg
	var drop func()
	if cfg.MySQLDSN != "" {
		mc, err := gomysql.ParseDSN(cfg.MySQLDSN)
		if err != nil {
			return nil, nil, err
		}
		mc.DBName = fmt.Sprintf("siyu_bench_%d", time.Now().UnixNano())
		cfg.MySQLDSN = mc.FormatDSN()
		name := mc.DBName
		mc.DBName = ""
		admin := mc.FormatDSN()
		drop = func() {
			db, err := sql.Open("mysql", admin)
			if err == nil {
				_, err = db.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+name+"`")
				err = errors.Join(err, db.Close())
			}
			if err != nil {
				b.log.Warn("dropping the bench database", "db", name, "err", err)
			}
		}
	} else {
		dir, err := os.MkdirTemp("", "siyu-bench-")
		if err != nil {
			return nil, nil, err
		}
		cfg.DataDir = dir
		drop = func() {
			if err := os.RemoveAll(dir); err != nil {
				b.log.Warn("removing the bench data directory", "dir", dir, "err", err)
			}
		}
	}
	cfg.RedisPrefix = fmt.Sprintf("siyubench%d", time.Now().UnixNano())
	a, err = openApp(ctx, cfg, b.log)
	if err != nil {
		drop()
		return nil, nil, err
	}
	if cfg.MySQLDSN != "" {
		var pool int64
		if err := a.db.WithContext(ctx).Raw("SELECT @@innodb_buffer_pool_size").Scan(&pool).Error; err == nil {
			fmt.Fprintf(b.out, "MySQL/MariaDB innodb_buffer_pool_size: %d MB\n", pool>>20)
		}
	}
	return a, func() {
		a.redis.Client.Del(context.Background(), cfg.RedisPrefix)
		a.close()
		drop()
	}, nil
}

// latencies collects request durations from many goroutines.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

// percentile returns the p-th percentile (0–100).
func (l *latencies) percentile(p float64) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.d) == 0 {
		return 0
	}
	s := slices.Clone(l.d)
	slices.Sort(s)
	i := int(float64(len(s)-1) * p / 100)
	return s[i]
}

// parallel runs fn(i) for i in [0, n) on `workers` goroutines, timing each
// call into lat, and returns the wall time and the first error.
func parallel(ctx context.Context, n, workers int, lat *latencies, fn func(ctx context.Context, i int) error) (time.Duration, error) {
	var (
		wg       sync.WaitGroup
		next     = make(chan int)
		errOnce  sync.Once
		firstErr error
	)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				t0 := time.Now()
				if err := fn(ctx, i); err != nil {
					errOnce.Do(func() { firstErr = err })
					continue
				}
				if lat != nil {
					lat.add(time.Since(t0))
				}
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return time.Since(start), firstErr
}

// row is one line of a results table.
type row struct {
	name     string
	n        int
	wall     time.Duration
	p50, p99 time.Duration
}

func (r row) rate() float64 { return float64(r.n) / r.wall.Seconds() }

// printRows prints results side by side, each with its ratio to the last
// row (the baseline).
func printRows(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "path\tops\twall\tops/s\tp50\tp99\tvs baseline\t")
	base := rows[len(rows)-1]
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.0f\t%s\t%s\t%.0f%%\t\n", r.name, r.n, r.wall.Round(time.Millisecond),
			r.rate(), ms(r.p50), ms(r.p99), 100*r.rate()/base.rate())
	}
	_ = tw.Flush() // the writer is the terminal; see the fmt.Fprint excludes in .ci
}

func ms(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000)
}

// serveLoopback serves a's HTTP surface on a free loopback port, as `siyu
// serve` would, and returns its base URL, a client sized for conc
// concurrent requests, and the function that stops it.
func serveLoopback(a *app, conc int, timeout time.Duration) (base string, client *http.Client, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, err
	}
	srv := &http.Server{Handler: a.handler()}
	go func() {
		// Serve returns ErrServerClosed once stop runs; anything else ends the
		// benchmark's requests, which then report the failure themselves.
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.Error("bench server stopped", "err", err)
		}
	}()
	client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: conc * 2}, Timeout: timeout}
	stop = func() {
		if err := srv.Close(); err != nil {
			a.log.Warn("stopping the bench server", "err", err)
		}
	}
	return "http://" + ln.Addr().String(), client, stop, nil
}
