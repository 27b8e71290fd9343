package segments

import (
	"strconv"
	"strings"
)

// memberScope is the members one batch computes: an id range [lo, hi) for
// a full run, or a sorted list of ids for an incremental one.
type memberScope struct {
	lo, hi int64
	ids    []int64
}

// cond is the SQL condition on col (a member id column) for the scope.
// Ids are written into the SQL as integers: a batch of thousands would
// pass MySQL's limit of placeholders over the several derived tables.
func (sc memberScope) cond(col string) (string, []any) {
	if sc.ids == nil {
		return col + " >= ? AND " + col + " < ?", []any{sc.lo, sc.hi}
	}
	var b strings.Builder
	b.WriteString(col)
	b.WriteString(" IN (")
	for i, id := range sc.ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	b.WriteString(")")
	return b.String(), nil
}

// bounds is an id range holding the scope (ids are sorted).
func (sc memberScope) bounds() (lo, hi int64) {
	if sc.ids == nil {
		return sc.lo, sc.hi
	}
	return sc.ids[0], sc.ids[len(sc.ids)-1] + 1
}
