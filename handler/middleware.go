package handler

import (
	"crypto/rand"
	"crypto/subtle"
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

// limitBody caps request bodies at 1 MiB; reading past it fails with
// *http.MaxBytesError, which writeError turns into 413.
func limitBody() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > maxBodyBytes {
			writeError(c, &http.MaxBytesError{Limit: maxBodyBytes})
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes)
		c.Next()
	}
}

// Roles of HQ API callers.
const RoleHQAdmin = "hq_admin"

// requireHQ admits requests bearing the HQ token (role hq_admin), as
// `Authorization: Bearer <token>` or, for browsers opening the queue
// dashboard, HTTP Basic auth with the token as the password. Without a token
// configured the HQ API is disabled (503 says how to enable it).
func requireHQ(token string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if token == "" {
			writeError(c, model.Errorf(model.EUNAVAILABLE, "the HQ API is disabled: set SIYU_HQ_TOKEN"))
			return
		}
		got, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok {
			_, got, ok = c.Request.BasicAuth()
		}
		if !ok || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) != 1 {
			c.Header("WWW-Authenticate", `Bearer realm="siyu-hq"`)
			if strings.HasPrefix(c.Request.URL.Path, "/admin/") {
				c.Header("WWW-Authenticate", `Basic realm="siyu-hq"`)
			}
			writeError(c, model.Errorf(model.EUNAUTHORIZED, "missing or invalid bearer token"))
			return
		}
		c.Set(ctxRole, RoleHQAdmin)
		c.Next()
	}
}
