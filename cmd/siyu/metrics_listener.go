package main

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/siyu/siyu/handler"
)

// serveMetrics serves /metrics without auth on addr, an internal listener
// (SIYU_METRICS_ADDR) that only the monitoring network should reach. A
// serving error is sent on errs.
func serveMetrics(addr string, m *handler.Metrics, errs chan<- error) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("SIYU_METRICS_ADDR %q: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
			select {
			case errs <- fmt.Errorf("SIYU_METRICS_ADDR: %w", err):
			default: // the main listener already failed
			}
		}
	}()
	return srv, nil
}
