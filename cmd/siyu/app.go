package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/hibiken/asynqmon"
	"gorm.io/gorm"

	"github.com/siyu/siyu/bot"
	"github.com/siyu/siyu/config"
	"github.com/siyu/siyu/groups"
	"github.com/siyu/siyu/guides"
	"github.com/siyu/siyu/handler"
	"github.com/siyu/siyu/handover"
	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/materials"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/metrics"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/scripts"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/stockgate"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tagging"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/wx"
)

// app is one wired Siyu: storage, queue and services.
type app struct {
	cfg     config.Config
	log     *slog.Logger
	db      *gorm.DB
	redis   *tasks.Redis
	queues  tasks.Queues
	enq     *tasks.Enqueuer
	st      *store.Store
	tags    *tagging.Service
	members *members.Service
	guides  *guides.Service
	segs    *segments.Service
	dash    *metrics.Service
	loyalty *loyalty.Service
	gate    *stockgate.Gate
	bot     *bot.Bot
	wx      *wx.Client
	codes   *guides.Codes
	groups  *groups.Service
	metrics *handler.Metrics
	now     func() time.Time

	queueStats *tasks.QueueCollector
	// messenger sends Official Account messages for member notices; nil
	// until the wx client is wired here.
	messenger tasks.OAMessenger
	hqTasks   *hqtasks.Service

	outboxMetrics *outbox.Metrics
	sweeper       *tasks.Sweeper

	handover  *handover.Service
	materials *materials.Service
}

// newLogger builds the structured logger the config asks for.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openApp opens the database (migrating it) and Redis and builds the
// services. The caller must call close.
func openApp(ctx context.Context, cfg config.Config, log *slog.Logger) (*app, error) {
	wx.QuietLibraryLogs()
	a := &app{cfg: cfg, log: log, queues: tasks.Queues{Prefix: cfg.RedisPrefix,
		Critical: cfg.Worker.Critical, Default: cfg.Worker.Default, Low: cfg.Worker.Low}, now: time.Now}
	var err error
	a.db, err = model.Open(ctx, model.DBOptions{MySQLDSN: cfg.MySQLDSN, DataDir: cfg.DataDir})
	if err != nil {
		return nil, err
	}
	if err := model.Migrate(ctx, a.db); err != nil {
		a.close()
		return nil, err
	}
	a.redis, err = tasks.OpenRedis(cfg.RedisURL)
	if err != nil {
		a.close()
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := a.redis.Client.Ping(pingCtx).Err(); err != nil {
		a.close()
		return nil, fmt.Errorf("SIYU_REDIS_URL: Redis at %s does not answer: %w", a.redis.Addr, err)
	}
	a.logStorage()
	a.enq = tasks.NewEnqueuer(a.redis.ConnOpt, a.queues)
	a.st = store.New(a.db) // one per database: its SQLite write lock is shared by every service
	a.tags = tagging.New(a.st, a.now)
	a.members = members.New(a.st, a.tags, a.now)
	a.guides = guides.New(a.st, a.now)
	a.segs = segments.New(a.st, a.now)
	a.dash = metrics.New(a.st, a.now)
	a.gate = stockgate.New(a.redis.Client, a.db, cfg.RedisPrefix, log)
	lopts := loyaltyOptions(cfg, a.now)
	lopts.StockGate = a.gate
	a.loyalty = loyalty.New(a.st, lopts)
	if err := a.loyalty.Seed(ctx); err != nil {
		a.close()
		return nil, err
	}
	a.bot = bot.New(a.tags, a.members, a.loyalty, log)
	a.wx, err = wx.New(a.wxConfig())
	if err != nil {
		a.close()
		return nil, err
	}
	a.messenger = a.wx
	a.codes = guides.NewCodes(a.guides, a.tags, a.wx, a.wx)
	a.groups = groups.New(a.st, groups.Options{Members: a.members, Loyalty: a.loyalty, WeCom: a.wx, Now: a.now, Logger: log})
	a.metrics = handler.NewMetrics()
	a.hqTasks = hqtasks.New(a.st, hqtasks.Options{Loyalty: a.loyalty, Queue: a.enq, Now: a.now,
		Location: cfg.Location, PublicURL: cfg.PublicURL})
	a.handover = handover.New(a.st, a.wx, a.enq, handover.Options{Now: a.now, Logger: a.log})
	a.materials = materials.New(a.st, materials.Options{Redis: a.redis.Client, Prefix: cfg.RedisPrefix, Media: a.wx, Now: a.now, Logger: a.log})
	a.queueStats = tasks.NewQueueCollector(a.redis.ConnOpt, a.queues)
	a.metrics.Registry.MustRegister(a.queueStats)
	a.openOutbox()
	return a, nil
}

func (a *app) logStorage() {
	if a.cfg.MySQLDSN == "" {
		a.log.Info("storage: embedded SQLite (set SIYU_MYSQL_DSN for MySQL)", "dir", a.cfg.DataDir)
	} else {
		a.log.Info("storage: MySQL")
	}
	if a.redis.Embedded {
		a.log.Warn("queue: embedded in-process Redis; queued tasks and dedupe marks do not survive a restart (set SIYU_REDIS_URL for Redis)", "addr", a.redis.Addr)
	} else {
		a.log.Info("queue: Redis", "addr", a.redis.Addr)
	}
}

// handler builds the HTTP surface.
func (a *app) handler() http.Handler {
	return handler.New(handler.Deps{
		DB: a.db, Redis: a.redis.Client, Prefix: a.cfg.RedisPrefix, Bot: a.bot, Tagging: a.tags, Members: a.members, Guides: a.guides, Segments: a.segs, Dashboards: a.dash, Loyalty: a.loyalty,
		Metrics: a.metrics, Logger: a.log, MaxSkew: a.cfg.CallbackMaxSkew, HQToken: a.cfg.HQToken, Now: a.now,
		OA:             handler.OAConfig{AppID: a.cfg.WeChat.AppID, Secret: a.cfg.WeChat.Secret, Token: a.cfg.WeChat.Token, AESKey: a.cfg.WeChat.AESKey},
		WeCom:          handler.WeComConfig{CorpID: a.cfg.WeCom.CorpID, Token: a.cfg.WeCom.Token, AESKey: a.cfg.WeCom.AESKey},
		Enqueuer:       a.enq,
		Codes:          a.codes,
		QueueDashboard: asynqmon.New(asynqmon.Options{RootPath: "/admin/queues", RedisConnOpt: a.redis.ConnOpt}),
		Scripts:        scripts.New(a.st),
		SidebarWeCom:   a.sidebarWeCom(),
		WeComAgentID:   a.cfg.WeCom.AgentID,
		SessionSecret:  a.cfg.SessionSecret,
		Tasks:          a.hqTasks,
		Handover:       a.handover,
		Materials:      a.materials,
		Groups:         a.groups,
		Auth: handler.AuthConfig{PublicURL: a.cfg.PublicURL, MetricsToken: a.cfg.MetricsToken,
			AllowPlainOA: a.cfg.WeChat.AllowPlain, RunningConfig: a.cfg.Masked()},
		Member: a.memberCentre(),
	})
}

// wxConfig gives the outbound client the credentials that allow API calls:
// callbacks need only the token and AES key, API calls need the secrets.
func (a *app) wxConfig() wx.Config {
	cfg := a.cfg
	c := wx.Config{WeChatAPIBase: cfg.WeChat.APIBase, WeComAPIBase: cfg.WeCom.APIBase, Redis: a.redis.Client, KeyPrefix: cfg.RedisPrefix}
	if cfg.WeChat.AppID != "" && cfg.WeChat.Secret != "" {
		c.WeChatAppID, c.WeChatSecret = cfg.WeChat.AppID, cfg.WeChat.Secret
	} else {
		a.log.Warn("outbound Official Account calls disabled: set SIYU_WECHAT_APPID and SIYU_WECHAT_SECRET")
	}
	if wc := cfg.WeCom; wc.CorpID != "" && (wc.AgentSecret != "" || wc.ContactSecret != "") {
		c.WeComCorpID, c.WeComContactSecret = wc.CorpID, wc.ContactSecret
		if wc.AgentSecret != "" {
			c.WeComAgentID, c.WeComAgentSecret = wc.AgentID, wc.AgentSecret
		}
	} else {
		a.log.Warn("outbound WeCom calls and the sidebar disabled: set SIYU_WECOM_CORPID and SIYU_WECOM_AGENT_SECRET / SIYU_WECOM_CONTACT_SECRET")
	}
	return c
}

// sidebarWeCom is the WeCom client the sidebar signs guides in with, or
// nil when the corp is not configured.
func (a *app) sidebarWeCom() handler.SidebarWeCom {
	if a.wx == nil || a.cfg.WeCom.CorpID == "" || a.cfg.WeCom.AgentSecret == "" {
		return nil
	}
	return a.wx
}

// worker builds the queue worker with every task handler and schedule.
func (a *app) worker() (*tasks.Worker, error) {
	deps := tasks.Deps{
		Loyalty: a.loyalty, Tagging: a.tags, Members: a.members, Guides: a.guides, Segments: a.segs, WeCom: a.wx, OA: a.wx, Messenger: a.messenger, Queue: a.enq,
		Redis: a.redis.Client, Prefix: a.cfg.RedisPrefix, Logger: a.log, Now: a.now, Location: a.cfg.Location,
		HQ:           true,
		Groups:       a.groups,
		SegmentRules: segmentRules(a.cfg),
		DB:           a.db,
		Handover:     a.handover,
	}
	mux := tasks.NewMux(deps)
	hqtasks.Register(mux, a.hqTasks, deps)
	mux.HandleFunc(tasks.TypeSweep, a.sweeper.Handle)
	a.handover.Register(mux)
	w := tasks.NewWorker(a.redis.ConnOpt, mux, tasks.WorkerOptions{
		Queues: a.queues, Concurrency: a.cfg.Worker.Concurrency, Location: a.cfg.Location, Logger: a.log,
	})
	if err := tasks.RegisterSchedules(w.Scheduler(), a.queues, a.cfg.Loyalty.Review); err != nil {
		return nil, err
	}
	return w, nil
}

// loyaltyOptions turns the configuration into the loyalty engine's options:
// the built-in earning rules with the SIYU_EARN_* overrides, the levels of
// SIYU_LEVELS (or the built-in ones), and the expiry policy.
func loyaltyOptions(cfg config.Config, now func() time.Time) loyalty.Options {
	rules := loyalty.DefaultRules()
	for i, r := range rules {
		e, ok := cfg.Loyalty.Earn[r.Channel]
		if !ok {
			continue
		}
		if r.Channel == model.ChannelOrder {
			rules[i].PointsPerYuan, rules[i].GrowthPerYuan = e.Points, e.Growth
		} else {
			rules[i].Points, rules[i].Growth = int64(e.Points), int64(e.Growth)
		}
		rules[i].CapPoints, rules[i].CapPeriod = e.CapPoints, e.CapPeriod
	}
	var levels []model.Level
	for _, l := range cfg.Loyalty.Levels {
		levels = append(levels, model.Level{Name: l.Name, Threshold: l.Threshold, KeepThreshold: l.Keep, Multiplier: l.Multiplier})
	}
	return loyalty.Options{
		Location: cfg.Location, Now: now, CheckIn: loyalty.CheckInRules(cfg.CheckIn), Rules: rules, Levels: levels,
		Expiry:     loyalty.ExpiryPolicy{Kind: cfg.Loyalty.Expiry, Days: cfg.Loyalty.ExpiryDays},
		RemindDays: cfg.Loyalty.RemindDays, ReviewMonths: cfg.Loyalty.ReviewMonths,
	}
}

// close releases the queue, Redis and database connections. It runs on the
// way out, so a failure is logged rather than returned: nothing can be retried.
func (a *app) close() {
	var errs []error
	if a.queueStats != nil {
		errs = append(errs, a.queueStats.Close())
	}
	if a.sweeper != nil {
		errs = append(errs, a.sweeper.Close())
	}
	if a.enq != nil {
		errs = append(errs, a.enq.Close())
	}
	if a.redis != nil {
		errs = append(errs, a.redis.Close())
	}
	if a.db != nil {
		if sqlDB, err := a.db.DB(); err == nil {
			errs = append(errs, sqlDB.Close())
		}
	}
	if err := errors.Join(errs...); err != nil {
		a.log.Warn("closing connections", "err", err)
	}
}

// segmentRules turns SIYU_RFM_*, SIYU_LIFECYCLE_DAYS and SIYU_ACTIVITY_*
// into the recompute's rules; unset values keep tagging's defaults.
func segmentRules(cfg config.Config) segments.SegmentRules {
	s := cfg.Segments
	r := segments.SegmentRules{Location: cfg.Location, RFMWindowDays: s.RFMWindowDays, RecentDays: s.RecentDays,
		FrequentOrders: s.FrequentOrders, MonetaryFen: s.MonetaryFen, NewDays: s.NewDays, ActiveDays: s.ActiveDays,
		SilentDays: s.SilentDays, SleepingDays: s.SleepingDays, ActivityWindowDays: s.ActivityWindowDays, HalfLifeDays: s.HalfLifeDays}
	if s.Weights != nil {
		d := segments.DefaultSegmentRules().Weights
		r.Weights = segments.ActivityWeights{Light: d.Light, Medium: d.Medium, Core: d.Core}
		for k, v := range s.Weights {
			switch k {
			case "light":
				r.Weights.Light = v
			case "medium":
				r.Weights.Medium = v
			case "core":
				r.Weights.Core = v
			}
		}
	}
	return r
}

// gateReconcileEvery is how often each server and worker sets the stock
// gate of every active reward from the database, giving back units held by
// a process that died mid-redemption.
const gateReconcileEvery = 30 * time.Second

// startGate reconciles the stock gate now and then periodically until ctx
// ends; the returned func waits for it to stop.
func (a *app) startGate(ctx context.Context) func() {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); a.gate.Run(ctx, gateReconcileEvery) }()
	return func() { cancel(); <-done }
}
