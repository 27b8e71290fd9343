package operators

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// Actor is who makes a change and from where, for the audit log.
type Actor struct {
	OperatorID int64
	Username   string
	Role       string
	Address    string
	UserAgent  string
}

// Entry is one audit record to write.
type Entry struct {
	Action string
	Target string
	Change any // marshalled to JSON after secret fields are removed
	Result int // HTTP status
}

// Record writes e for a in tx (or the service's database when tx is nil), so
// a change and its record commit together. Errors: the database's.
func (s *Service) Record(ctx context.Context, tx *gorm.DB, a Actor, e Entry) error {
	_, err := s.RecordID(ctx, tx, a, e)
	return err
}

// RecordID is Record that also returns the new entry's id. Errors: the
// database's.
func (s *Service) RecordID(ctx context.Context, tx *gorm.DB, a Actor, e Entry) (int64, error) {
	if tx == nil {
		tx = s.db
	}
	row := model.AuditEntry{OperatorID: a.OperatorID, Operator: a.Username, Role: a.Role, Action: e.Action,
		Target: clip(e.Target, 191), Result: e.Result, Address: clip(a.Address, 64), UserAgent: clip(a.UserAgent, 255),
		CreatedAt: s.now().UTC()}
	if e.Change != nil {
		b, err := json.Marshal(Redact(e.Change))
		if err != nil {
			return 0, err
		}
		row.Change = string(b)
	}
	err := tx.WithContext(ctx).Create(&row).Error
	return row.ID, err
}

// FinishEntry sets the result and change of entry id, written earlier in
// its change's transaction; found is false when no such entry committed.
// Errors: the database's.
func (s *Service) FinishEntry(ctx context.Context, id int64, result int, change any) (found bool, err error) {
	b, err := json.Marshal(Redact(change))
	if err != nil {
		return false, err
	}
	db := s.db.WithContext(ctx)
	res := db.Model(&model.AuditEntry{}).Where("id = ?", id).
		Updates(map[string]any{"result": result, "change_json": string(b)})
	if res.Error != nil || res.RowsAffected > 0 {
		return res.RowsAffected > 0, res.Error
	}
	// MySQL counts changed rows, not matched ones: an entry whose result
	// and change were already right (a 200 with no after snapshot) reports
	// none, so look for it.
	return EntryExists(db, id)
}

// EntryExists reports whether entry id is visible in tx. Errors: the
// database's.
func EntryExists(tx *gorm.DB, id int64) (bool, error) {
	var n int64
	err := tx.Model(&model.AuditEntry{}).Where("id = ?", id).Count(&n).Error
	return n > 0, err
}

// AuditFilter selects audit entries; empty fields match everything.
type AuditFilter struct {
	Operator string // username
	Action   string // prefix, e.g. "PUT /api/hq/rewards"
	Target   string
	From, To time.Time // zero: open
	Limit    int       // default 50, at most 500
	Offset   int
}

// ListAudit returns entries, newest first. Errors: the database's.
func (s *Service) ListAudit(ctx context.Context, f AuditFilter) ([]model.AuditEntry, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	q := s.db.WithContext(ctx).Order("id DESC").Limit(f.Limit).Offset(max(f.Offset, 0))
	if f.Operator != "" {
		q = q.Where("operator = ?", f.Operator)
	}
	if f.Action != "" {
		q = q.Where("action LIKE ? ESCAPE '!'", likePrefix(f.Action))
	}
	if f.Target != "" {
		q = q.Where("target = ?", f.Target)
	}
	if !f.From.IsZero() {
		q = q.Where("created_at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("created_at < ?", f.To.UTC())
	}
	out := []model.AuditEntry{}
	return out, q.Find(&out).Error
}

func likePrefix(s string) string {
	r := strings.NewReplacer(`!`, `!!`, `%`, `!%`, `_`, `!_`)
	return r.Replace(s) + "%"
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// secretWords mark a JSON field whose value must never reach the audit log.
var secretWords = []string{"password", "secret", "token", "api_key", "apikey", "aes_key", "credential"}

// Redact returns v as generic JSON with every field whose name contains a
// secret word replaced by "[redacted]". A value that does not marshal is
// returned as its type name only.
func Redact(v any) any {
	var generic any
	switch x := v.(type) {
	case json.RawMessage:
		if json.Unmarshal(x, &generic) != nil {
			return "[not JSON]"
		}
	default:
		b, err := json.Marshal(v)
		if err != nil || json.Unmarshal(b, &generic) != nil {
			return "[unencodable]"
		}
	}
	return redact(generic)
}

func redact(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if isSecret(k) {
				x[k] = "[redacted]"
			} else {
				x[k] = redact(val)
			}
		}
	case []any:
		for i := range x {
			x[i] = redact(x[i])
		}
	}
	return v
}

func isSecret(field string) bool {
	f := strings.ToLower(field)
	if f == "key" {
		return true
	}
	for _, w := range secretWords {
		if strings.Contains(f, w) {
			return true
		}
	}
	return false
}
