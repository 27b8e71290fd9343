package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/tasks"
)

// recomputeSegments queues a segment recompute (202). Requests within the
// same minute share one run.
func (s *Server) recomputeSegments(c *gin.Context) {
	if s.enq == nil {
		writeError(c, model.Errorf(model.EUNAVAILABLE, "the task queue is not available"))
		return
	}
	key := "hq-" + s.now().UTC().Format("20060102T1504")
	if err := tasks.EnqueueRecomputeSegments(c.Request.Context(), s.enq, key); err != nil {
		// Nothing was saved: refuse with 503 (retry later), never a 5xx
		// that left half of a request behind.
		logger(c).Warn("segment recompute not queued", "err", err)
		writeError(c, model.Errorf(model.EUNAVAILABLE, "the task queue is unavailable; nothing was queued, try again later"))
		return
	}
	respond(c, http.StatusAccepted, gin.H{"queued": true, "task_id": "segments:" + key})
}

// previewSegment counts the members a segments.TargetFilter matches, in all
// and per store, before HQ dispatches a task or coupon push to them.
func (s *Server) previewSegment(c *gin.Context) {
	var f segments.TargetFilter
	if !bindJSON(c, &f) {
		return
	}
	n, stores, err := s.segments.CountTargetsByStore(c.Request.Context(), f)
	if err != nil {
		writeError(c, err)
		return
	}
	if stores == nil {
		stores = []segments.StoreCount{}
	}
	respond(c, http.StatusOK, gin.H{"count": n, "by_store": stores})
}
