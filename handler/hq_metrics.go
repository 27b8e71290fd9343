package handler

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/tagging"
)

// metric answers GET /api/hq/metrics/<name>?from=YYYY-MM-DD&to=YYYY-MM-DD
// (business days in SIYU_TIMEZONE; default the last 30 days, at most 366)
// with the chart of one tagging metric.
func (s *Server) metric(fn func(*tagging.Service) func(context.Context, tagging.DayRange) (tagging.Chart, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		r, err := tagging.NewDayRange(c.Query("from"), c.Query("to"), s.loyalty.Location(), s.now())
		if err != nil {
			writeError(c, err)
			return
		}
		chart, err := fn(s.tags)(c.Request.Context(), r)
		if err != nil {
			writeError(c, err)
			return
		}
		c.JSON(http.StatusOK, scopeChart(c, chart))
	}
}

// metricRoutes are the HQ metrics endpoints, by name.
var metricRoutes = map[string]func(*tagging.Service) func(context.Context, tagging.DayRange) (tagging.Chart, error){
	"members": func(t *tagging.Service) func(context.Context, tagging.DayRange) (tagging.Chart, error) {
		return t.MemberMetrics
	},
	"retention": func(t *tagging.Service) func(context.Context, tagging.DayRange) (tagging.Chart, error) {
		return t.RetentionMetrics
	},
	"lifecycle": func(t *tagging.Service) func(context.Context, tagging.DayRange) (tagging.Chart, error) {
		return t.LifecycleMetrics
	},
	"rfm": func(t *tagging.Service) func(context.Context, tagging.DayRange) (tagging.Chart, error) {
		return t.RFMMetrics
	},
	"checkins": func(t *tagging.Service) func(context.Context, tagging.DayRange) (tagging.Chart, error) {
		return t.CheckInMetrics
	},
	"points": func(t *tagging.Service) func(context.Context, tagging.DayRange) (tagging.Chart, error) {
		return t.PointsMetrics
	},
	"coupons": func(t *tagging.Service) func(context.Context, tagging.DayRange) (tagging.Chart, error) {
		return t.CouponMetrics
	},
	"tasks": func(t *tagging.Service) func(context.Context, tagging.DayRange) (tagging.Chart, error) {
		return t.TaskMetrics
	},
}
