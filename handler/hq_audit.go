package handler

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/operators"
)

// ctxAudited marks a request whose service already wrote its audit row in
// the change's own transaction (operators and keys).
const ctxAudited = "siyu.audited"

// auditHQ records every HQ API write after its handler ran: the caller,
// the method and route as the action, the path parameters as the target,
// the request body with secret fields removed, before/after snapshots for
// the updates in auditSnapshots, and the status. Writes refused by the
// role policy are recorded too (they run after this middleware).
func (s *Server) auditHQ(c *gin.Context) {
	if !isWrite(c.Request.Method) {
		c.Next()
		return
	}
	route := hqRoute(c)
	change := map[string]any{}
	if req := auditBody(c); req != nil {
		change["request"] = req
	}
	snap := auditSnapshots[c.Request.Method+" "+route]
	if snap != nil {
		if before, err := snap(s, c); err == nil {
			change["before"] = before
		}
	}
	// Services whose transaction helper takes it write the entry inside the
	// change's transaction (result 200 until the answer is known).
	p := &pendingAudit{ctx: context.WithoutCancel(c.Request.Context()), ops: s.ops, actor: actor(c),
		entry: operators.Entry{Action: c.Request.Method + " " + c.FullPath(), Target: auditTarget(c, route), Change: change, Result: http.StatusOK}}
	c.Request = c.Request.WithContext(model.WithTxAudit(c.Request.Context(), p))
	c.Next()
	p.seal()
	if c.GetBool(ctxAudited) {
		return
	}
	status := c.Writer.Status()
	if snap != nil && status < 300 {
		if after, err := snap(s, c); err == nil {
			change["after"] = after
		}
	}
	if p.id != 0 && p.committedAs(status) && snap == nil {
		return // the entry committed with this result and this change
	}
	if p.id != 0 {
		if found, err := s.ops.FinishEntry(p.ctx, p.id, status, change); found || err != nil {
			if err != nil {
				logger(c).Error("audit entry not finished", "err", err, "id", p.id)
			}
			return
		}
	}
	p.entry.Result = status
	if err := s.ops.Record(p.ctx, nil, p.actor, p.entry); err != nil {
		logger(c).Error("audit entry not written", "err", err, "path", c.FullPath())
	}
}

// pendingAudit is a request's audit entry, written by the first
// transaction of the request that commits (see model.TxAuditor).
type pendingAudit struct {
	mu sync.Mutex // one transaction at a time writes or checks the entry
	// sealed is set when the request's handler has returned: a transaction
	// that runs later on a context derived from the request (a follow-up
	// started in a goroutine) writes no second entry.
	sealed bool
	ctx    context.Context
	ops    *operators.Service
	actor  operators.Actor
	entry  operators.Entry
	id     int64 // the entry written in a transaction; it may have rolled back
	// commitStatus, when set (auditCommitStatus), is the status the handler
	// answers exactly when the transactions it ran committed; the entry is
	// written with it, so no second write is needed after the handler.
	commitStatus int
}

// auditCommitStatus declares, before a handler calls its service, that it
// answers status only when every transaction the service ran committed
// (the last one that wrote the audit entry included). The entry is then
// written with that result inside the transaction, and the middleware
// skips its update after the handler when the answer is that status: one
// statement less per write on the hot HQ write paths (redeem, orders).
func auditCommitStatus(c *gin.Context, status int) {
	p, ok := model.TxAuditFrom(c.Request.Context()).(*pendingAudit)
	if !ok {
		return
	}
	p.mu.Lock()
	p.commitStatus, p.entry.Result = status, status
	p.mu.Unlock()
}

// committedAs reports whether status is the declared commit status.
func (p *pendingAudit) committedAs(status int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.commitStatus != 0 && p.commitStatus == status
}

// AuditTx writes the entry in tx unless an earlier transaction of the
// request already committed it.
func (p *pendingAudit) AuditTx(tx *gorm.DB) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sealed {
		return nil
	}
	if p.id != 0 {
		if ok, err := operators.EntryExists(tx, p.id); err != nil || ok {
			return err
		}
	}
	id, err := p.ops.RecordID(p.ctx, tx, p.actor, p.entry)
	p.id = id
	return err
}

// seal ends the window in which transactions write the entry.
func (p *pendingAudit) seal() {
	p.mu.Lock()
	p.sealed = true
	p.mu.Unlock()
}

// maxAuditBody is the largest request body kept whole in an entry; a
// bigger one (an import) is recorded by type, size and hash.
const maxAuditBody = 16 << 10

// auditBody returns the request body for the audit log (JSON as JSON; other
// bodies by type and size only) and leaves the body readable.
func auditBody(c *gin.Context) any {
	if c.Request.Body == nil || c.Request.Body == http.NoBody {
		return nil
	}
	body, err := io.ReadAll(c.Request.Body)
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil || len(body) == 0 {
		return nil
	}
	if json.Valid(body) && len(body) <= maxAuditBody {
		return json.RawMessage(body)
	}
	sum := sha256.Sum256(body)
	return map[string]any{"content_type": c.ContentType(), "bytes": len(body), "sha256": hex.EncodeToString(sum[:])}
}

// auditTarget names what a write acts on: the route's first segment and
// its path parameters, e.g. "rewards:7" or "levels:金卡".
func auditTarget(c *gin.Context, route string) string {
	seg := strings.Trim(route, "/")
	if i := strings.IndexByte(seg, '/'); i >= 0 {
		seg = seg[:i]
	}
	vals := make([]string, 0, len(c.Params))
	for _, p := range c.Params {
		vals = append(vals, p.Value)
	}
	if len(vals) == 0 {
		return seg
	}
	return seg + ":" + strings.Join(vals, ",")
}

// auditSnapshots read the state an update changes, before and after it,
// for the updates whose history matters.
var auditSnapshots = map[string]func(*Server, *gin.Context) (any, error){
	"POST /members/:id/points": func(s *Server, c *gin.Context) (any, error) {
		id, err := pathID(c, "id")
		if err != nil {
			return nil, err
		}
		m, err := s.members.GetMember(c.Request.Context(), id)
		return gin.H{"points": m.Points, "growth": m.Growth, "level": m.Level}, err
	},
	"PUT /rewards/:id":        snapshotReward,
	"POST /rewards/:id/stock": snapshotReward,
	"PUT /coupon-templates/:id": func(s *Server, c *gin.Context) (any, error) {
		id, err := pathID(c, "id")
		if err != nil {
			return nil, err
		}
		return s.loyalty.CouponTemplate(c.Request.Context(), id)
	},
	"PUT /earning-rules/:channel": func(s *Server, c *gin.Context) (any, error) {
		rs, err := s.loyalty.EarningRules(c.Request.Context())
		for _, r := range rs {
			if r.Channel == c.Param("channel") {
				return r, err
			}
		}
		return nil, err
	},
	"PUT /levels/:name":    snapshotLevel,
	"DELETE /levels/:name": snapshotLevel,
}

func snapshotReward(s *Server, c *gin.Context) (any, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return nil, err
	}
	return s.loyalty.Reward(c.Request.Context(), id)
}

func snapshotLevel(s *Server, c *gin.Context) (any, error) {
	ls, err := s.loyalty.Levels(c.Request.Context())
	for _, l := range ls {
		if l.Name == c.Param("name") {
			return l, err
		}
	}
	return nil, err
}

// listAudit serves GET /api/hq/audit?operator=&action=&target=&from=&to=&limit=&offset=
// (from and to: RFC 3339 or YYYY-MM-DD in the business time zone).
func (s *Server) listAudit(c *gin.Context) {
	f := operators.AuditFilter{Operator: c.Query("operator"), Action: c.Query("action"), Target: c.Query("target")}
	var err error
	if f.Limit, f.Offset, err = pageParams(c); err != nil {
		writeError(c, err)
		return
	}
	if f.From, err = s.auditTime(c, "from"); err == nil {
		f.To, err = s.auditTime(c, "to")
	}
	if err != nil {
		writeError(c, err)
		return
	}
	out, err := s.ops.ListAudit(c.Request.Context(), f)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"entries": out})
}

func (s *Server) auditTime(c *gin.Context, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, s.loyalty.Location())
	if err != nil {
		return t, model.Errorf(model.EINVALID, "%s %q: want RFC 3339 or YYYY-MM-DD", name, v)
	}
	if name == "to" {
		t = t.AddDate(0, 0, 1) // a day is inclusive
	}
	return t, nil
}
