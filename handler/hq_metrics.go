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
	"groups": func(t *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
		return t.GroupMetrics
	},
	"tasks": func(t *metrics.Service) func(context.Context, metrics.DayRange) (metrics.Chart, error) {
		return t.TaskMetrics
	},
}

// cohortFilter reads scene, store_code and channel from the query; a
// store manager's store_code was forced to their store by scopeStore.
func cohortFilter(c *gin.Context) metrics.CohortFilter {
	return metrics.CohortFilter{Scene: c.Query("scene"), StoreCode: c.Query("store_code"), Channel: c.Query("channel")}
}

// funnel answers GET /api/hq/metrics/funnel?from=&to=&scene=&store_code=&channel=
// with the AARRR funnel of the members who joined in the range.
func (s *Server) funnel(c *gin.Context) {
	r, err := metrics.NewDayRange(c.Query("from"), c.Query("to"), s.loyalty.Location(), s.now())
	if err != nil {
		writeError(c, err)
		return
	}
	f, err := s.dash.FunnelMetrics(c.Request.Context(), r, cohortFilter(c))
	reply(c, http.StatusOK, f, err)
}

// cohorts answers GET /api/hq/metrics/cohorts?from=&to=&by=week|month&channel=&scene=&store_code=
// with the retention triangle of the joining cohorts.
func (s *Server) cohorts(c *gin.Context) {
	r, err := metrics.NewDayRange(c.Query("from"), c.Query("to"), s.loyalty.Location(), s.now())
	if err != nil {
		writeError(c, err)
		return
	}
	out, err := s.dash.CohortMetrics(c.Request.Context(), r, c.Query("by"), cohortFilter(c))
	reply(c, http.StatusOK, out, err)
}

// couponTemplateStats answers GET /api/hq/metrics/coupon-templates?from=&to=
// with each template's coupons issued in the range by channel of issue:
// issued, used, use rate and the revenue of the orders that used them.
func (s *Server) couponTemplateStats(c *gin.Context) {
	r, err := metrics.NewDayRange(c.Query("from"), c.Query("to"), s.loyalty.Location(), s.now())
	if err != nil {
		writeError(c, err)
		return
	}
	stats, err := s.dash.CouponTemplateStats(c.Request.Context(), r)
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, gin.H{"from": r.From, "to": r.To, "templates": stats})
}
