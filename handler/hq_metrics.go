package handler

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/metrics"
)

// metric answers GET /api/hq/metrics/<name>?from=YYYY-MM-DD&to=YYYY-MM-DD
// (business days in SIYU_TIMEZONE; default the last 30 days, at most 366)
// and store_code= (a store manager always gets their own store) with the
// chart of one metric.
func (s *Server) metric(fn func(*metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		r, err := metrics.NewDayRange(c.Query("from"), c.Query("to"), s.loyalty.Location(), s.now())
		if err != nil {
			writeError(c, err)
			return
		}
		r.Store = chartStore(c)
		chart, err := fn(s.dash)(c.Request.Context(), r)
		if err != nil {
			writeError(c, err)
			return
		}
		respond(c, http.StatusOK, chart)
	}
}

// metricRoutes are the HQ metrics endpoints, by name.
var metricRoutes = map[string]func(*metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error){
	"members": func(t *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
		return t.MemberMetrics
	},
	"retention": func(t *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
		return t.RetentionMetrics
	},
	"lifecycle": func(t *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
		return t.LifecycleMetrics
	},
	"rfm": func(t *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
		return t.RFMMetrics
	},
	"checkins": func(t *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
		return t.CheckInMetrics
	},
	"points": func(t *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
		return t.PointsMetrics
	},
	"coupons": func(t *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
		return t.CouponMetrics
	},
	"tasks": func(t *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
		return t.TaskMetrics
	},
}
