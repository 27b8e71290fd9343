package handler

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/metrics"
	"github.com/siyu/siyu/model"
)

// winbackParams reads the range (store manager: their store), the
// attribution window (window_days, default 14) of the win-back endpoints.
func (s *Server) winbackParams(c *gin.Context) (metrics.DayRange, int, error) {
	r, err := metrics.NewDayRange(c.Query("from"), c.Query("to"), s.loyalty.Location(), s.now())
	if err != nil {
		return r, 0, err
	}
	r.Store = chartStore(c)
	days := 14
	if v := c.Query("window_days"); v != "" {
		if days, err = strconv.Atoi(v); err != nil {
			return r, 0, model.Errorf(model.EINVALID, "window_days %q: want a number of days", v)
		}
	}
	return r, days, nil
}

// winback serves GET /api/hq/metrics/winback?from=&to=&store_code=&by=day|week&window_days=14:
// lapses, returns and the HQ tasks' part in them as JSON, or the returns
// one per row as CSV (?format=csv or Accept: text/csv).
func (s *Server) winback(c *gin.Context) {
	r, days, err := s.winbackParams(c)
	if err != nil {
		writeError(c, err)
		return
	}
	if c.Query("format") == "csv" || strings.Contains(c.GetHeader("Accept"), "text/csv") {
		rets, _, err := s.dash.WinbackReturns(c.Request.Context(), r, days, 0, 0)
		if err != nil {
			writeError(c, err)
			return
		}
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", "attachment; filename=winback-"+r.From+"-"+r.To+".csv")
		c.Status(http.StatusOK)
		if err := metrics.WriteWinbackCSV(c.Writer, rets); err != nil {
			logger(c).Warn("write winback csv", "err", err)
		}
		return
	}
	out, err := s.dash.WinbackMetrics(c.Request.Context(), r, c.Query("by"), days)
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, out)
}

// winbackMembers serves GET /api/hq/metrics/winback/members?from=&to=&store_code=&window_days=&limit=50&offset=:
// who came back in the range, when, from which state, after which HQ task.
func (s *Server) winbackMembers(c *gin.Context) {
	r, days, err := s.winbackParams(c)
	if err != nil {
		writeError(c, err)
		return
	}
	limit, offset, err := pageParams(c)
	if err != nil {
		writeError(c, err)
		return
	}
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rets, total, err := s.dash.WinbackReturns(c.Request.Context(), r, days, limit, max(offset, 0))
	if err != nil {
		writeError(c, err)
		return
	}
	if rets == nil {
		rets = []metrics.WinbackReturn{}
	}
	respond(c, http.StatusOK, gin.H{"total": total, "members": rets})
}
