package handler

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
)

// IdempotencyHeader names the key an HQ client sends with a POST so that
// retrying it (after a timeout, a 5xx, a lost answer) does the work once.
const IdempotencyHeader = "Idempotency-Key"

// idempotencyWait is how long a concurrent duplicate waits for the first
// request before it gets 409.
const idempotencyWait = 10 * time.Second

// idempotency honours Idempotency-Key on every POST it wraps. The first
// request with a key claims it with a row under a unique index (the
// database, so it survives a Redis outage and is shared by instances),
// runs, and stores its status and body. Within IdempotencyTTL the same
// key with the same body gets that response replayed without running
// again; with another body, 422. A duplicate arriving while the first
// still runs waits for it (up to 10 s) and replays its response, else gets
// 409. A first request that ends in a 5xx releases the key, so a retry
// runs afresh.
func (s *Server) idempotency() gin.HandlerFunc {
	return func(c *gin.Context) {
		key := c.GetHeader(IdempotencyHeader)
		if c.Request.Method != http.MethodPost || key == "" {
			c.Next()
			return
		}
		if len(key) > 255 {
			writeError(c, invalid("%s: at most 255 characters", IdempotencyHeader))
			return
		}
		body, err := io.ReadAll(c.Request.Body)
		if err != nil {
			writeError(c, err)
			return
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
		rec := model.IdempotencyRecord{Key: hashOf(c.Request.URL.Path, key), BodyHash: hashOf(string(body)), CreatedAt: s.now().UTC()}
		ctx := c.Request.Context()
		first, err := s.claimKey(ctx, &rec)
		if err != nil {
			writeError(c, err)
			return
		}
		if !first {
			s.replayKey(c, rec)
			return
		}
		w := &recordingWriter{ResponseWriter: c.Writer}
		c.Writer = w
		c.Next()
		s.finishKey(context.WithoutCancel(ctx), rec, w)
	}
}

func hashOf(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p)) // a hash.Hash never returns an error
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// claimKey inserts the record; false means the key is taken, and rec is
// then the stored one. An expired record is deleted and claimed anew.
func (s *Server) claimKey(ctx context.Context, rec *model.IdempotencyRecord) (bool, error) {
	for range 3 {
		err := s.db.WithContext(ctx).Create(rec).Error
		if err == nil {
			return true, nil
		}
		if !model.IsDuplicate(err) {
			return false, err
		}
		var got model.IdempotencyRecord
		err = s.db.WithContext(ctx).Where("idem_key = ?", rec.Key).Take(&got).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			rec.ID = 0
			continue // released by a failed first request: claim it
		} else if err != nil {
			return false, err
		}
		if got.CreatedAt.Before(s.now().Add(-tasks.IdempotencyTTL)) {
			s.db.WithContext(ctx).Where("id = ?", got.ID).Delete(&model.IdempotencyRecord{})
			rec.ID = 0
			continue
		}
		if got.BodyHash != rec.BodyHash {
			rec.BodyHash = "" // mismatch
		}
		rec.ID = got.ID
		return false, nil
	}
	return false, model.Errorf(model.ECONFLICT, "%s: in use, try again", IdempotencyHeader)
}

// replayKey answers a duplicate: 422 for another body, the first response
// once it exists, 409 while the first request still runs after the wait.
func (s *Server) replayKey(c *gin.Context, rec model.IdempotencyRecord) {
	if rec.BodyHash == "" {
		c.AbortWithStatusJSON(http.StatusUnprocessableEntity, gin.H{"error": gin.H{"code": "idempotency_key_reused",
			"message": IdempotencyHeader + " was already used with a different request body; use a new key for a new request"}})
		return
	}
	deadline := time.Now().Add(idempotencyWait)
	for {
		var got model.IdempotencyRecord
		err := s.db.WithContext(c.Request.Context()).Take(&got, rec.ID).Error
		switch {
		case errors.Is(err, gorm.ErrRecordNotFound):
			// The first request failed with a 5xx and let go of the key.
			writeError(c, model.Errorf(model.ECONFLICT, "the first request with this %s failed; send it again", IdempotencyHeader))
			return
		case err != nil:
			writeError(c, err)
			return
		case got.Status != 0:
			c.Header("Idempotent-Replayed", "true")
			c.Data(got.Status, "application/json; charset=utf-8", []byte(got.Response))
			c.Abort()
			return
		}
		if time.Now().After(deadline) {
			writeError(c, model.Errorf(model.ECONFLICT, "a request with this %s is still running; retry later for its response", IdempotencyHeader))
			return
		}
		select {
		case <-c.Request.Context().Done():
			c.Abort()
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// finishKey stores the response of the first request, or releases the key
// when it failed on our side (5xx): nothing is replayed from a failure.
func (s *Server) finishKey(ctx context.Context, rec model.IdempotencyRecord, w *recordingWriter) {
	status := w.Status()
	db := s.db.WithContext(ctx)
	var err error
	if status >= 500 || status == 0 {
		err = db.Where("id = ?", rec.ID).Delete(&model.IdempotencyRecord{}).Error
	} else {
		now := s.now().UTC()
		err = db.Model(&model.IdempotencyRecord{}).Where("id = ?", rec.ID).
			Updates(map[string]any{"status": status, "response": w.buf.String(), "done_at": now}).Error
	}
	if err != nil {
		s.log.Error("idempotency record not finished", "err", err)
	}
}

// recordingWriter keeps a copy of the response body.
type recordingWriter struct {
	gin.ResponseWriter
	buf bytes.Buffer
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	w.buf.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *recordingWriter) WriteString(s string) (int, error) {
	w.buf.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}
