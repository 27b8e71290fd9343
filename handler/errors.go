package handler

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
)

// statusOf maps an error code to its HTTP status; the one place that does.
var statusOf = map[string]int{
	model.EINVALID:      http.StatusBadRequest,
	model.ENOTFOUND:     http.StatusNotFound,
	model.ECONFLICT:     http.StatusConflict,
	model.EUNAUTHORIZED: http.StatusUnauthorized,
	model.EFORBIDDEN:    http.StatusForbidden,
	model.EUNAVAILABLE:  http.StatusServiceUnavailable,
	model.EINTERNAL:     http.StatusInternalServerError,
	model.EUPSTREAM:     http.StatusBadGateway,
	"too_large":         http.StatusRequestEntityTooLarge,
	model.ETOOMANY:      http.StatusTooManyRequests,
}

// writeError answers err as {"error": {"code", "message"}} with the matching
// status. Internal errors are logged with the request id; the client sees a
// generic message.
func writeError(c *gin.Context, err error) {
	code := model.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusBadRequest
	}
	msg := model.ErrorMessage(err)
	if code == model.EINTERNAL {
		logger(c).Error("internal error", "err", err, "path", c.FullPath())
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		status, code, msg = http.StatusRequestEntityTooLarge, "too_large", "request body over 1 MiB"
	}
	c.AbortWithStatusJSON(status, gin.H{"error": gin.H{"code": code, "message": msg}})
}

// serviceWired is the guard of routes whose service is optional: when it is
// not wired it answers 503 with msg and reports false, so the handler stops
// before it would use the missing service.
func serviceWired(c *gin.Context, wired bool, msg string) bool {
	if !wired {
		writeError(c, model.Errorf(model.EUNAVAILABLE, "%s", msg))
	}
	return wired
}

// invalid is shorthand for an EINVALID error.
func invalid(format string, args ...any) error { return model.Errorf(model.EINVALID, format, args...) }

// logger returns the request's logger (with its request id).
func logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(ctxLogger); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}
