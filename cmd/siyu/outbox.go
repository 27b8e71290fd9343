package main

import (
	"context"
	"sync"

	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/tasks"
)

// openOutbox puts the relay's and the sweeper's metrics on /metrics (the
// relay lag is read from the database, so every instance reports it).
func (a *app) openOutbox() {
	a.outboxMetrics = outbox.NewMetrics(a.db)
	if err := a.outboxMetrics.Register(a.metrics.Registry); err != nil {
		a.log.Warn("outbox metrics not registered", "err", err)
	}
	a.sweeper = tasks.NewSweeper(a.db, a.redis.ConnOpt, a.enq, a.queues, tasks.SweeperOptions{
		HQ: a.hqTasks, Metrics: a.outboxMetrics, Logger: a.log})
}

// startOutbox runs the outbox relay and the sweeper's period clock next to
// the worker; the returned func stops them and waits.
func (a *app) startOutbox(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	relay := tasks.NewRelay(a.db, a.enq, outbox.RelayOptions{Metrics: a.outboxMetrics, Logger: a.log})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); relay.Run(ctx) }()
	go func() { defer wg.Done(); a.sweeper.Run(ctx) }()
	a.log.Info("outbox relay and sweeper running")
	return func() { cancel(); wg.Wait() }
}
