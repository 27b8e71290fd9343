package outbox

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// Metrics are the relay's and the sweeper's Prometheus metrics. A nil
// *Metrics counts nothing.
type Metrics struct {
	Sent     *prometheus.CounterVec // siyu_outbox_sent_total{kind}
	Failures prometheus.Counter     // siyu_outbox_relay_failures_total
	Requeued *prometheus.CounterVec // siyu_sweeper_requeued_total{job}
	lag      prometheus.GaugeFunc
}

// NewMetrics returns the metrics, with the relay lag (age of the oldest
// unsent row, 0 when none) read from db at each scrape.
func NewMetrics(db *gorm.DB) *Metrics {
	return &Metrics{
		Sent: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "siyu_outbox_sent_total",
			Help: "Outbox events the relay put on the queue, by kind."}, []string{"kind"}),
		Failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "siyu_outbox_relay_failures_total",
			Help: "Outbox enqueues that failed (Redis down); the rows are retried."}),
		Requeued: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "siyu_sweeper_requeued_total",
			Help: "Jobs the sweeper found missing from the queue and queued again, by job."}, []string{"job"}),
		lag: prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "siyu_outbox_relay_lag_seconds",
			Help: "Age of the oldest outbox event not yet relayed to the queue."}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			lag, err := Lag(ctx, db)
			if err != nil {
				return -1
			}
			return lag.Seconds()
		}),
	}
}

// Register adds the metrics to reg. Errors: a name registered twice.
func (m *Metrics) Register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.Sent, m.Failures, m.Requeued, m.lag} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Lag returns the age of the oldest unsent event (0 when all are sent).
// Errors: the database's.
func Lag(ctx context.Context, db *gorm.DB) (time.Duration, error) {
	var ev model.OutboxEvent
	err := db.WithContext(ctx).Select("id, created_at").Where("sent_at IS NULL").Order("id").Limit(1).Find(&ev).Error
	if err != nil || ev.ID == 0 {
		return 0, err
	}
	return max(time.Since(ev.CreatedAt), 0), nil
}

func (m *Metrics) sent(kind string) {
	if m != nil {
		m.Sent.WithLabelValues(kind).Inc()
	}
}

func (m *Metrics) failed() {
	if m != nil {
		m.Failures.Inc()
	}
}

// Requeue counts a job the sweeper queued again.
func (m *Metrics) Requeue(job string) {
	if m != nil {
		m.Requeued.WithLabelValues(job).Inc()
	}
}
