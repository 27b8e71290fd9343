package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/siyu/siyu/config"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "serve [--worker=false]",
		"Runs the HTTP server (callbacks, HQ API, sidebar, health, metrics). By default it also\nruns the queue worker and the scheduler in-process.", stderr)
	withWorker := fs.Bool("worker", true, "also run the queue worker and scheduler in this process")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stdout)
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()

	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("SIYU_HTTP_ADDR %q: %w", cfg.HTTPAddr, err)
	}
	defer a.startGate(ctx)()
	srv := &http.Server{Handler: a.handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	if *withWorker {
		w, err := a.worker()
		if err != nil {
			return err
		}
		if err := w.Start(); err != nil {
			return err
		}
		defer w.Shutdown() // after HTTP has drained (defers run last-in first-out)
		defer a.startOutbox(ctx)()
		log.Info("queue worker and scheduler running in-process")
	}
	if cfg.HQToken == "" {
		log.Info("no SIYU_HQ_TOKEN: the HQ API takes operators' sessions and keys only (siyu operator add)")
	}
	if cfg.WeChat.Token == "" {
		log.Warn("Official Account callbacks disabled: set SIYU_WECHAT_TOKEN")
	}
	if cfg.WeCom.Token == "" || cfg.WeCom.AESKey == "" {
		log.Warn("WeCom callbacks disabled: set SIYU_WECOM_CORPID, SIYU_WECOM_TOKEN and SIYU_WECOM_AES_KEY")
	}
	if cfg.WeCom.ContactSecret == "" && cfg.WeCom.AgentSecret == "" {
		log.Warn("WeCom API disabled (welcome messages, tag mirroring, contact-way codes): set SIYU_WECOM_CONTACT_SECRET")
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())
	if cfg.MetricsAddr != "" {
		msrv, err := serveMetrics(cfg.MetricsAddr, a.metrics, serveErr)
		if err != nil {
			return err
		}
		defer func() {
			if err := msrv.Close(); err != nil {
				log.Warn("metrics listener close", "err", err)
			}
		}()
		log.Info("metrics listening without auth", "addr", cfg.MetricsAddr)
	}

	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining HTTP, then stopping the worker")
	shCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func runWorker(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("worker", "worker", "Runs the queue worker and the scheduler only, for workers on other machines.\nNeeds SIYU_REDIS_URL and SIYU_MYSQL_DSN shared with the servers.", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stdout)
	if cfg.RedisURL == "" {
		log.Warn("worker on the embedded Redis sees only its own queue; set SIYU_REDIS_URL to share the servers' queue")
	}
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.close()
	w, err := a.worker()
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return err
	}
	log.Info("queue worker and scheduler running")
	defer a.startOutbox(ctx)()
	defer a.startGate(ctx)()
	<-ctx.Done()
	log.Info("shutting down: finishing in-flight tasks")
	w.Shutdown()
	return nil
}

func runMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (err error) {
	fs := newFlags("migrate", "migrate", "Brings the database schema up to date and exits.", stderr)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	db, err := model.Open(ctx, model.DBOptions{MySQLDSN: cfg.MySQLDSN, DataDir: cfg.DataDir})
	if err != nil {
		return err
	}
	if sqlDB, dbErr := db.DB(); dbErr == nil {
		defer func() { err = errors.Join(err, sqlDB.Close()) }()
	}
	if err := model.Migrate(ctx, db); err != nil {
		return err
	}
	if err := loyalty.New(store.New(db), loyaltyOptions(cfg, nil)).Seed(ctx); err != nil {
		return fmt.Errorf("seed levels and earning rules: %w", err)
	}
	fmt.Fprintf(stdout, "schema up to date (%s); levels and earning rules seeded where empty\n", db.Dialector.Name())
	return nil
}
