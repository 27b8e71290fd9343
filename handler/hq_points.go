package handler

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/intake"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
)

// adjustRequest is the body of POST /api/hq/members/{id}/points.
type adjustRequest struct {
	Delta     int64  `json:"delta"`
	Reason    string `json:"reason"`
	RequestID string `json:"request_id"`
}

// earnedResponse is what an earning or adjustment did.
type earnedResponse struct {
	Duplicate bool  `json:"duplicate"` // the request was applied before; nothing changed now
	Points    int64 `json:"points"`
	Growth    int64 `json:"growth"`
	Capped    bool  `json:"capped,omitempty"`
	Balance   int64 `json:"balance"`
	EntryID   int64 `json:"entry_id"`
	LevelUp   any   `json:"level_up,omitempty"`
}

func earnedJSON(e loyalty.Earned) earnedResponse {
	r := earnedResponse{Duplicate: !e.Applied, Points: e.Points, Growth: e.Growth, Capped: e.Capped, Balance: e.Balance, EntryID: e.EntryID}
	if e.LevelUp != nil {
		r.LevelUp = e.LevelUp.Change
	}
	return r
}

// writeEarned answers 201 for a new entry, 200 for a repeat.
func (s *Server) writeEarned(c *gin.Context, e loyalty.Earned) {
	respondSaved(c, e.Applied, earnedJSON(e))
}

// adjustPoints credits or debits a member by HQ, once per request id.
func (s *Server) adjustPoints(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	var req adjustRequest
	if !bindJSON(c, &req) {
		return
	}
	e, err := s.loyalty.AdjustPoints(c.Request.Context(), loyalty.Adjustment{MemberID: id, Delta: req.Delta, Reason: req.Reason, RequestID: req.RequestID})
	if err != nil {
		writeError(c, err)
		return
	}
	s.writeEarned(c, e)
}

// memberPoints is the member's balance and the points expiring soon.
func (s *Server) memberPoints(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	ctx := c.Request.Context()
	bal, err := s.loyalty.Balance(ctx, id)
	if err != nil {
		writeError(c, err)
		return
	}
	soon, err := s.loyalty.ExpiringSoon(ctx, id)
	if err != nil {
		writeError(c, err)
		return
	}
	exp := gin.H{"points": soon.Points, "within_days": s.loyalty.RemindDays()}
	if soon.First != nil {
		exp["first_expires_at"], exp["first_valid_through"] = soon.First, s.loyalty.ValidThrough(*soon.First)
	}
	respond(c, http.StatusOK, gin.H{"member_id": id, "points": bal, "expiring": exp})
}

// memberLevel is the member's level, what the next one needs, and the
// level history.
func (s *Server) memberLevel(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	info, err := s.loyalty.MemberLevel(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return
	}
	hist, err := s.loyalty.LevelHistory(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return
	}
	out := gin.H{"member_id": id, "level": info.Level, "growth": info.Growth, "window_growth": info.KeepGrowth,
		"window_months": info.ReviewMonths, "history": hist}
	if info.Next != nil {
		out["next_level"], out["to_next"] = info.Next, info.ToNext
	}
	respond(c, http.StatusOK, out)
}

// setBirthday records the member's birthday (MM-DD or YYYY-MM-DD).
func (s *Server) setBirthday(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	var req struct {
		Birthday string `json:"birthday"`
	}
	if !bindJSON(c, &req) {
		return
	}
	if err := s.loyalty.SetBirthday(c.Request.Context(), id, req.Birthday); err != nil {
		writeError(c, err)
		return
	}
	s.getMember(c)
}

// memberInvite gives the member's personal invite scene, for a QR code.
func (s *Server) memberInvite(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	if _, err := s.loyalty.Balance(c.Request.Context(), id); err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, gin.H{"member_id": id, "scene": loyalty.InviteScene(id)})
}

// eventRequest is the body of POST /api/hq/events.
type eventRequest struct {
	EventID    string     `json:"event_id"`
	Type       string     `json:"type"`
	OccurredAt *time.Time `json:"occurred_at,omitempty"`
	members.MemberRef
}

// postEvent credits an interaction event (share, review, survey) once per
// event id: 201 credited, 200 a repeat; it also counts as behaviour for
// the activity score. Behaviour-only types (read, click, search, add_cart,
// order, interaction, feedback) are recorded for the score alone.
func (s *Server) postEvent(c *gin.Context) {
	var req eventRequest
	if !bindJSON(c, &req) {
		return
	}
	ev := intake.Event{EventID: req.EventID, Type: req.Type, MemberRef: req.MemberRef}
	if req.OccurredAt != nil {
		ev.OccurredAt = *req.OccurredAt
	}
	res, err := s.intake.RecordEvent(c.Request.Context(), ev)
	switch {
	case err != nil:
		writeError(c, err)
	case res.BehaviorOnly:
		respondSaved(c, res.Recorded, gin.H{"event_id": req.EventID, "type": req.Type, "member_id": res.MemberID, "recorded": res.Recorded})
	default:
		respondSaved(c, res.Earned.Applied, earnedJSON(res.Earned))
	}
}
