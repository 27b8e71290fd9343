package tasks

import (
	"slices"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
)

// QueueCollector exports the size of each of Siyu's queues by state, and
// the age of the oldest pending task, read from Redis at scrape time.
type QueueCollector struct {
	inspector *asynq.Inspector
	queues    Queues
	tasks     *prometheus.Desc
	latency   *prometheus.Desc
	up        *prometheus.Desc
}

// NewQueueCollector returns a collector over conn for queues.
func NewQueueCollector(conn asynq.RedisConnOpt, queues Queues) *QueueCollector {
	return &QueueCollector{
		inspector: asynq.NewInspector(conn),
		queues:    queues,
		tasks:     prometheus.NewDesc("siyu_queue_tasks", "Tasks in a queue by state.", []string{"queue", "state"}, nil),
		latency:   prometheus.NewDesc("siyu_queue_latency_seconds", "Age of the oldest pending task in a queue.", []string{"queue"}, nil),
		up:        prometheus.NewDesc("siyu_queue_up", "1 when the queue's Redis answered the scrape.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *QueueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.tasks
	ch <- c.latency
	ch <- c.up
}

// Collect implements prometheus.Collector. A queue that has never held a
// task does not exist in Redis yet and reports nothing.
func (c *QueueCollector) Collect(ch chan<- prometheus.Metric) {
	existing, err := c.inspector.Queues()
	if err != nil {
		ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, 0)
		return
	}
	up := 1.0
	for _, p := range []string{QueueCritical, QueueDefault, QueueLow} {
		name := c.queues.Name(p)
		if !slices.Contains(existing, name) {
			continue
		}
		info, err := c.inspector.GetQueueInfo(name)
		if err != nil {
			up = 0
			continue
		}
		for state, n := range map[string]int{
			"pending": info.Pending, "active": info.Active, "scheduled": info.Scheduled,
			"retry": info.Retry, "archived": info.Archived, "completed": info.Completed,
		} {
			ch <- prometheus.MustNewConstMetric(c.tasks, prometheus.GaugeValue, float64(n), p, state)
		}
		ch <- prometheus.MustNewConstMetric(c.latency, prometheus.GaugeValue, info.Latency.Seconds(), p)
	}
	ch <- prometheus.MustNewConstMetric(c.up, prometheus.GaugeValue, up)
}

// Close releases the inspector's connection.
func (c *QueueCollector) Close() error { return c.inspector.Close() }
