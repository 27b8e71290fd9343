package handler

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the Prometheus series Siyu exports on /metrics.
type Metrics struct {
	Registry        *prometheus.Registry
	Callbacks       *prometheus.CounterVec   // platform, kind, outcome
	CallbackSeconds *prometheus.HistogramVec // platform
	CheckIns        *prometheus.CounterVec   // result: credited, already
	PointsCredited  prometheus.Counter
	Limited         *prometheus.CounterVec // kind: what an abuse limit refused
}

// NewMetrics registers Siyu's series (and the Go runtime's) on a new
// registry, so tests and several servers in one process do not collide.
func NewMetrics() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		Callbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "siyu_callbacks_total", Help: "Platform callbacks by platform, kind and outcome.",
		}, []string{"platform", "kind", "outcome"}),
		CallbackSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "siyu_callback_duration_seconds", Help: "Time to answer a platform callback.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"platform"}),
		CheckIns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "siyu_checkins_total", Help: "Check-ins by result (credited, already).",
		}, []string{"result"}),
		PointsCredited: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "siyu_points_credited_total", Help: "Points credited through the chat (check-ins, scene bonuses).",
		}),
		Limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "siyu_limited_total", Help: "Requests refused by an abuse limit, by kind (login, command, follow, unionid).",
		}, []string{"kind"}),
	}
	r.MustRegister(m.Callbacks, m.CallbackSeconds, m.CheckIns, m.PointsCredited, m.Limited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
