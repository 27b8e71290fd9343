package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tagging"
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
	c.JSON(http.StatusAccepted, gin.H{"queued": true, "task_id": "segments:" + key})
}

// previewSegment counts the members a tagging.TargetFilter matches, in all
// and per store, before HQ dispatches a task or coupon push to them.
func (s *Server) previewSegment(c *gin.Context) {
	var f tagging.TargetFilter
	if err := decodeJSON(c, &f); err != nil {
		writeError(c, err)
		return
	}
	n, stores, err := s.tags.CountTargetsByStore(c.Request.Context(), f)
	if err != nil {
		writeError(c, err)
		return
	}
	if stores == nil {
		stores = []tagging.StoreCount{}
	}
	c.JSON(http.StatusOK, gin.H{"count": n, "by_store": stores})
}

// behaviorFor maps an interaction channel posted to /api/hq/events to the
// behaviour it also is for the activity score.
var behaviorFor = map[string]string{model.ChannelShare: "share", model.ChannelReview: "feedback", model.ChannelSurvey: "feedback"}

// postBehavior records a behaviour-only event (read, click, search,
// add_cart, order, interaction, feedback) for the activity score: 201
// recorded, 200 a repeat.
func (s *Server) postBehavior(c *gin.Context, req eventRequest) {
	ctx := c.Request.Context()
	member, err := s.tags.ResolveMember(ctx, req.MemberRef)
	if err != nil {
		writeError(c, err)
		return
	}
	var at time.Time
	if req.OccurredAt != nil {
		at = *req.OccurredAt
	}
	created, err := s.tags.RecordBehavior(ctx, tagging.Behavior{EventID: req.EventID, Kind: req.Type, MemberID: member, OccurredAt: at})
	if err != nil {
		writeError(c, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, gin.H{"event_id": req.EventID, "type": req.Type, "member_id": member, "recorded": created})
}
