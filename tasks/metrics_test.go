package tasks_test

import (
	"context"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/tasks/taskstest"
)

func TestQueueCollector(t *testing.T) {
	r, prefix := taskstest.NewRedis(t)
	q := tasks.Queues{Prefix: prefix}
	enq := tasks.NewEnqueuer(r.ConnOpt, q)
	t.Cleanup(func() {
		if err := enq.Close(); err != nil {
			t.Error(err)
		}
	})
	ctx := context.Background()
	for i, id := range []string{"a", "b", "a"} { // "a" twice: one task
		if err := enq.Enqueue(ctx, asynq.NewTask("test:noop", nil), tasks.QueueDefault, asynq.TaskID(id)); err != nil {
			t.Fatalf("enqueue %d: %v", i, err)
		}
	}
	c := tasks.NewQueueCollector(r.ConnOpt, q)
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	want := `
# HELP siyu_queue_up 1 when the queue's Redis answered the scrape.
# TYPE siyu_queue_up gauge
siyu_queue_up 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "siyu_queue_up"); err != nil {
		t.Error(err)
	}
	got := testutil.ToFloat64(collectorGauge(t, reg, `siyu_queue_tasks`, map[string]string{"queue": "default", "state": "pending"}))
	if got != 2 {
		t.Errorf("pending tasks = %v, want 2 (a duplicate TaskID enqueues once)", got)
	}
}

// collectorGauge finds one series in the registry as a Gauge for ToFloat64.
func collectorGauge(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) prometheus.Gauge {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue next
				}
			}
			g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "x"})
			g.Set(m.GetGauge().GetValue())
			return g
		}
	}
	t.Fatalf("no series %s%v", name, labels)
	return nil
}

func TestQueueWeights(t *testing.T) {
	q := tasks.Queues{Prefix: "p", Critical: 10}
	w := q.Weights()
	if w["p:critical"] != 10 || w["p:default"] != 3 || w["p:low"] != 1 {
		t.Errorf("Weights() = %v, want critical 10 and the defaults 3 and 1", w)
	}
}
