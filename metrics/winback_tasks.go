package metrics

import (
	"context"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/siyu/siyu/csvexport"
	"github.com/siyu/siyu/effect"
	"github.com/siyu/siyu/segments"
)

// winbackTaskSQL counts, per group, a task's targeted customers (items:
// treated; holdouts: control) of one store or all ("") who were lapsed at
// dispatch, and those who came back to 活跃 within the window after it.
// The state at dispatch is the last change's new state before it, else
// the first later change's old state, else today's.
const winbackTaskSQL = `SELECT g.grp AS grp, COUNT(*) AS members, SUM(g.back) AS came_back FROM (
	SELECT x.grp,
		COALESCE((SELECT lc.to_state FROM lifecycle_changes lc WHERE lc.member_id = x.member_id AND lc.changed_at <= ?
				ORDER BY lc.changed_at DESC, lc.id DESC LIMIT 1),
			(SELECT lc.from_state FROM lifecycle_changes lc WHERE lc.member_id = x.member_id AND lc.changed_at > ?
				ORDER BY lc.changed_at, lc.id LIMIT 1),
			m.lifecycle) AS state_then,
		CASE WHEN EXISTS (SELECT 1 FROM lifecycle_changes lc WHERE lc.member_id = x.member_id AND lc.changed_at > ?
			AND lc.changed_at <= ? AND lc.to_state = ? AND lc.from_state IN ?) THEN 1 ELSE 0 END AS back
	FROM (SELECT 'treated' AS grp, i.member_id, i.store_code FROM task_items i WHERE i.task_id = ?
		UNION ALL SELECT 'control' AS grp, h.member_id, h.store_code FROM task_holdouts h WHERE h.task_id = ?) x
	JOIN members m ON m.id = x.member_id
	WHERE (? = '' OR x.store_code = ?)
) g WHERE g.state_then IN ? GROUP BY g.grp`

// winbackTasks compares, for every HQ task dispatched in r, the lapsed
// customers it reached with the lapsed ones it held out. Tasks that reached
// none of r.Store's customers are left out.
func (s *Service) winbackTasks(ctx context.Context, r DayRange, window time.Duration) ([]WinbackTask, error) {
	db := s.db.WithContext(ctx)
	var tasks []struct {
		TaskID         int64
		Title, Kind    string
		DispatchedAt   time.Time
		HoldoutPercent int
	}
	err := db.Table("hq_tasks").Select("id AS task_id, title, kind, dispatched_at, holdout_percent").
		Where("dispatched_at >= ? AND dispatched_at < ?", r.Start().UTC(), r.End().UTC()).Order("dispatched_at, id").Scan(&tasks).Error
	if err != nil {
		return nil, err
	}
	out := []WinbackTask{}
	for _, tk := range tasks {
		t := WinbackTask{TaskID: tk.TaskID, Title: tk.Title, Kind: tk.Kind, DispatchedAt: tk.DispatchedAt, HoldoutPercent: tk.HoldoutPercent}
		at := t.DispatchedAt.UTC()
		var rows []struct {
			Grp      string
			Members  int64
			CameBack int64
		}
		err := db.Raw(winbackTaskSQL, at, at, at, at.Add(window), segments.LifecycleActive, lapsedStates,
			t.TaskID, t.TaskID, r.Store, r.Store, lapsedStates).Scan(&rows).Error
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			continue
		}
		for _, row := range rows {
			g := WinbackGroup{Members: row.Members, CameBack: row.CameBack, Rate: ratio64(row.CameBack, row.Members)}
			if row.Grp == "control" {
				t.Control = g
			} else {
				t.Treated = g
			}
		}
		t.Causal = t.HoldoutPercent > 0
		t.Uplift = effect.RateDiff(t.Treated.CameBack, t.Treated.Members, t.Control.CameBack, t.Control.Members)
		t.TooSmall = t.Uplift.TooSmall
		out = append(out, t)
	}
	return out, nil
}

// WinbackReturns lists the moves back to 活跃 in r (r.Store: that store's
// members), oldest first, each with the HQ task whose item the member got
// last within windowDays before it; limit ≤ 0 lists all. It also returns
// the total. Errors: EINVALID for a bad windowDays, and the database's.
func (s *Service) WinbackReturns(ctx context.Context, r DayRange, windowDays, limit, offset int) ([]WinbackReturn, int64, error) {
	if err := checkWindowDays(windowDays); err != nil {
		return nil, 0, err
	}
	window := time.Duration(windowDays) * 24 * time.Hour
	d, err := s.loadWinback(ctx, r, window)
	if err != nil {
		return nil, 0, err
	}
	var all []WinbackReturn
	for _, id := range d.members {
		for _, c := range d.changes[id] {
			if !c.isReturn() || c.Day < r.From || c.Day > r.To {
				continue
			}
			ret := WinbackReturn{MemberID: id, StoreCode: c.StoreCode, From: c.FromState, To: c.ToState, At: c.ChangedAt, Day: c.Day}
			if it, ok := lastItemWithin(d.items[id], c.ChangedAt.Add(-window), c.ChangedAt); ok {
				ret.TaskID, ret.TaskTitle = it.TaskID, it.Title
			}
			all = append(all, ret)
		}
	}
	sort.SliceStable(all, func(i, j int) bool { // members come in id order; make it time order
		return all[i].At.Before(all[j].At)
	})
	total := int64(len(all))
	if offset > len(all) {
		offset = len(all)
	}
	all = all[offset:]
	if limit > 0 && limit < len(all) {
		all = all[:limit]
	}
	return all, total, nil
}

// WriteWinbackCSV writes the returns as CSV with a UTF-8 byte-order mark
// (for Excel), one row per return.
func WriteWinbackCSV(w io.Writer, returns []WinbackReturn) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csvexport.NewWriter(w)
	// csv.Writer's errors are sticky: cw.Error() at the end reports the first.
	_ = cw.Write([]string{"member_id", "store_code", "from", "to", "at", "day", "task_id", "task_title"})
	for _, r := range returns {
		_ = cw.Write([]string{strconv.FormatInt(r.MemberID, 10), r.StoreCode, r.From, r.To, r.At.UTC().Format(time.RFC3339),
			r.Day, strconv.FormatInt(r.TaskID, 10), r.TaskTitle})
	}
	cw.Flush()
	return cw.Error()
}
