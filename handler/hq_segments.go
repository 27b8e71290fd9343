package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/tasks"
)

// recomputeSegments saves a segment run and queues it (202 with the run).
// Body (optional): {"kind": "full"|"incremental"}, default full. The run is
// saved even while Redis is down (queued false): the sweeper queues it when
// Redis is back.
func (s *Server) recomputeSegments(c *gin.Context) {
	body := struct {
		Kind string `json:"kind"`
	}{Kind: model.SegmentRunFull}
	if c.Request.ContentLength > 0 {
		if err := decodeJSON(c, &body); err != nil {
			writeError(c, err)
			return
		}
	}
	if body.Kind == "" {
		body.Kind = model.SegmentRunFull
	}
	who := actor(c).Username
	if who == "" {
		who = "hq"
	}
	run, queued, err := tasks.RequestSegmentRun(c.Request.Context(), s.segments, s.enq, body.Kind, who)
	if err != nil {
		writeError(c, err)
		return
	}
	if !queued {
		logger(c).Warn("segment run saved, not queued yet: the sweeper queues it", "run", run.ID)
	}
	respond(c, http.StatusAccepted, gin.H{"run_id": run.ID, "state": run.State, "kind": run.Kind, "queued": queued,
		"task_id": tasks.SegmentRunTaskID(run.ID)})
}

// listSegmentRuns answers the latest segment runs, newest first
// (?limit=1..200, default 50).
func (s *Server) listSegmentRuns(c *gin.Context) {
	limit, err := queryInt(c, "limit", 50)
	if err != nil {
		writeError(c, err)
		return
	}
	runs, err := s.segments.ListRuns(c.Request.Context(), limit)
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, gin.H{"runs": runs})
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
