package handler

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
)

const (
	ctxLogger    = "siyu.logger"
	ctxRequestID = "siyu.request_id"
	ctxRole      = "siyu.role"
	maxBodyBytes = 1 << 20
)

// requestContext gives each request an id (from X-Request-Id or new), a
// logger carrying it, and an access log line.
func requestContext(base *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-Id")
		if id == "" || len(id) > 64 {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		c.Header("X-Request-Id", id)
		l := base.With("request_id", id)
		c.Set(ctxRequestID, id)
		c.Set(ctxLogger, l)
		start := time.Now()
		c.Next()
		level := slog.LevelDebug
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		} else if c.Writer.Status() >= 400 {
			level = slog.LevelInfo
		}
		l.Log(c.Request.Context(), level, "http", "method", c.Request.Method, "path", c.Request.URL.Path,
			"status", c.Writer.Status(), "ms", time.Since(start).Milliseconds())
	}
}

// recoverer turns a panic into a 500 with the generic error body.
func recoverer() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				logger(c).Error("panic", "panic", r)
				if !c.Writer.Written() {
					c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": gin.H{"code": model.EINTERNAL, "message": "internal error"}})
				}
			}
		}()
		c.Next()
	}
}

// limitBody caps request bodies at 1 MiB (material uploads at
// maxUploadBytes); reading past it fails with *http.MaxBytesError, which
// writeError turns into 413.
func limitBody() gin.HandlerFunc {
	return func(c *gin.Context) {
		limit := int64(maxBodyBytes)
		if strings.HasPrefix(c.Request.URL.Path, "/api/hq/materials") {
			limit = maxUploadBytes
		}
		if c.Request.ContentLength > limit {
			writeError(c, &http.MaxBytesError{Limit: limit})
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
}

// Roles of HQ API callers: the bootstrap SIYU_HQ_TOKEN acts as an admin
// (see authHQ; operators' roles are model.Op*).
const RoleHQAdmin = "hq_admin"
