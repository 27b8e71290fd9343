package main

import (
	"context"
	"fmt"
	"io"
	"math/rand"
	"sync"
	"time"

	"github.com/siyu/siyu/config"
	"github.com/siyu/siyu/guides"
	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/tagging"
)

const populateDesc = `Fills a fresh database with a believable brand, day by day over the last D days,
through the same services live traffic uses (with their clock moved): stores and
guides, channel scenes, members following the Official Account or adding a guide on
WeCom through them, check-ins with streaks, orders and refunds, redemptions, level
changes, unfollows, the daily segment recompute, a few finished HQ tasks and one
running, with guides' feedback. It refuses a database that already has members.
It uses the server's storage settings (SIYU_MYSQL_DSN or the embedded default).`

// simClock is the moved clock the services read while populating.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *simClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// runPopulate serves `siyu simulate populate [--members N] [--days D]`.
func runPopulate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("simulate populate", "simulate populate [--members N] [--days D] [--seed S]", populateDesc, stderr)
	n := fs.Int("members", 2000, "members to bring in")
	days := fs.Int("days", 90, "days of history, ending today")
	seed := fs.Int64("seed", 1, "random seed (the same seed gives the same brand)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 1 || *days < 7 || *days > 366 {
		return usageError{"simulate populate: --members must be ≥ 1 and --days within 7..366"}
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, io.Discard)
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	var existing int64
	if err := a.db.WithContext(ctx).Model(&model.Member{}).Count(&existing).Error; err != nil {
		return err
	}
	if existing > 0 {
		return usageError{fmt.Sprintf("simulate populate: the database already has %d members; populate needs a fresh one (another SIYU_DATA_DIR or database)", existing)}
	}
	start := time.Now()
	loc := cfg.Location
	today := time.Now().In(loc)
	first := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc).AddDate(0, 0, -(*days - 1))
	clock := &simClock{t: first.Add(9 * time.Hour)}
	// The app's services, rebuilt on the moved clock so every row is dated
	// on its simulated day; the worker below runs them too.
	a.now = clock.Now
	a.db.Config.NowFunc = clock.Now // created_at and updated_at the services leave to GORM
	a.tags = tagging.New(a.st, clock.Now)
	a.members = members.New(a.st, a.tags, clock.Now)
	a.guides = guides.New(a.st, clock.Now)
	a.segs = segments.New(a.st, clock.Now)
	a.loyalty = loyalty.New(a.st, loyaltyOptions(cfg, clock.Now))
	a.hqTasks = hqtasks.New(a.st, hqtasks.Options{Loyalty: a.loyalty, Queue: a.enq, Now: clock.Now,
		Location: loc, PublicURL: cfg.PublicURL})
	w, err := a.worker()
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Shutdown()

	p := &populator{a: a, clock: clock, rnd: rand.New(rand.NewSource(*seed)), loc: loc, out: stdout,
		appID: orDefault(cfg.WeChat.AppID, "wx_simulated"), corpID: orDefault(cfg.WeCom.CorpID, "ww_simulated"),
		rules: segmentRules(cfg)}
	if err := p.brand(ctx); err != nil {
		return fmt.Errorf("populate: brand: %w", err)
	}
	if err := p.run(ctx, first, *days, *n); err != nil {
		return fmt.Errorf("populate: %w", err)
	}
	if err := p.scripts(ctx, first, *days); err != nil {
		return fmt.Errorf("populate: scripts: %w", err)
	}
	fmt.Fprintf(stdout, "populated %d members over %d days in %s: %s\n", len(p.members), *days,
		time.Since(start).Round(100*time.Millisecond), p.summary())
	return nil
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
