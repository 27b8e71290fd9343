package handler

import (
	"time"

	"github.com/gin-gonic/gin"
)

// dayRange reads from= and to= (YYYY-MM-DD, inclusive business days) with a
// default of the last `days` days ending today. Errors: EINVALID for a bad
// date or from after to, or a range over 366 days.
func dayRange(c *gin.Context, now time.Time, loc *time.Location, days int) (from, to string, err error) {
	today := now.In(loc)
	to, from = today.Format(time.DateOnly), today.AddDate(0, 0, -(days-1)).Format(time.DateOnly)
	if v := c.Query("to"); v != "" {
		to = v
	}
	if v := c.Query("from"); v != "" {
		from = v
	}
	f, err1 := time.ParseInLocation(time.DateOnly, from, loc)
	t, err2 := time.ParseInLocation(time.DateOnly, to, loc)
	switch {
	case err1 != nil:
		return "", "", invalid("from %q: want YYYY-MM-DD", from)
	case err2 != nil:
		return "", "", invalid("to %q: want YYYY-MM-DD", to)
	case f.After(t):
		return "", "", invalid("from %s is after to %s", from, to)
	case t.Sub(f) > 366*24*time.Hour:
		return "", "", invalid("the range %s..%s is over 366 days", from, to)
	}
	return from, to, nil
}
