package tasks_test

import (
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/tasks"
)

// relay moves the recorded outbox events to the queue once, as the relay
// beside the worker does.
func (e *loyaltyEnv) relay() {
	e.t.Helper()
	if _, err := tasks.NewRelay(e.db, e.deps.Queue, outbox.RelayOptions{}).RelayOnce(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}
