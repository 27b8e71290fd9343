package metrics

import (
	"context"
	"sort"
	"time"

	"github.com/siyu/siyu/effect"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
)

// MaxWinbackWindowDays bounds how long after a task's dispatch a return is
// credited to it (as the effect report's window).
const MaxWinbackWindowDays = 90

// lapsedStates are the lifecycle states a member lapses into and is won
// back from, from the least to the most lapsed.
var lapsedStates = []string{segments.LifecycleSilent, segments.LifecycleSleeping, segments.LifecycleChurned}

// lifecycleRank orders the states from the most to the least active; 新客
// is the start.
var lifecycleRank = map[string]int{segments.LifecycleNew: 0, segments.LifecycleActive: 1,
	segments.LifecycleSilent: 2, segments.LifecycleSleeping: 3, segments.LifecycleChurned: 4}

// WinbackState is one lapsed state: the members who moved into it (from a
// more active state) in the range, how many of them came back to 活跃
// since, how many of them an HQ task targeted after they lapsed and how
// many of those came back.
type WinbackState struct {
	State            string  `json:"state"`
	Lapsed           int64   `json:"lapsed"`
	CameBack         int64   `json:"came_back"`
	Rate             float64 `json:"rate"`
	Targeted         int64   `json:"targeted"`
	TargetedCameBack int64   `json:"targeted_came_back"`
	TargetedRate     float64 `json:"targeted_rate"`
}

// WinbackPeriod counts the moves back to 活跃 in one day or week, by the
// state left, and those that followed an HQ task item within the window.
type WinbackPeriod struct {
	Period    string           `json:"period"`
	Total     int64            `json:"total"`
	ByState   map[string]int64 `json:"by_state"`
	AfterTask int64            `json:"after_task"`
}

// WinbackStore is the win-back of one store's members.
type WinbackStore struct {
	StoreCode string         `json:"store_code"`
	Returned  int64          `json:"returned"`
	States    []WinbackState `json:"states"`
}

// WinbackGroup is one group of a task's lapsed targets.
type WinbackGroup struct {
	Members  int64   `json:"members"`
	CameBack int64   `json:"came_back"`
	Rate     float64 `json:"rate"`
}

// WinbackTask is an HQ task dispatched in the range: of its targeted
// customers who were lapsed at dispatch, how many came back within the
// window, treated against held out.
type WinbackTask struct {
	TaskID         int64           `json:"task_id"`
	Title          string          `json:"title"`
	Kind           string          `json:"kind"`
	DispatchedAt   time.Time       `json:"dispatched_at"`
	HoldoutPercent int             `json:"holdout_percent"`
	Causal         bool            `json:"causal"`
	TooSmall       bool            `json:"too_small"`
	Treated        WinbackGroup    `json:"treated"`
	Control        WinbackGroup    `json:"control"`
	Uplift         effect.Interval `json:"uplift"`
}

// Winback is the win-back view of a range (GET /api/hq/metrics/winback).
type Winback struct {
	From       string          `json:"from"`
	To         string          `json:"to"`
	By         string          `json:"by"`
	StoreCode  string          `json:"store_code"`
	WindowDays int             `json:"window_days"`
	States     []WinbackState  `json:"states"`
	Returns    []WinbackPeriod `json:"returns"`
	Stores     []WinbackStore  `json:"stores"`
	Tasks      []WinbackTask   `json:"tasks"`
}

// WinbackReturn is one member's move back to 活跃, with the HQ task whose
// item they got last within the window before it (TaskID 0 when none).
type WinbackReturn struct {
	MemberID  int64     `json:"member_id"`
	StoreCode string    `json:"store_code"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	At        time.Time `json:"at"`
	Day       string    `json:"day"`
	TaskID    int64     `json:"task_id"`
	TaskTitle string    `json:"task_title"`
}

// lcRow is one lifecycle change as the win-back view reads it.
type lcRow struct {
	MemberID  int64
	StoreCode string
	FromState string
	ToState   string
	Day       string
	ChangedAt time.Time
}

func (c lcRow) isReturn() bool {
	return c.ToState == segments.LifecycleActive && lifecycleRank[c.FromState] >= lifecycleRank[segments.LifecycleSilent]
}

func (c lcRow) isLapse() bool {
	return lifecycleRank[c.ToState] >= lifecycleRank[segments.LifecycleSilent] && lifecycleRank[c.ToState] > lifecycleRank[c.FromState]
}

// itemRow is an HQ task item given to a member.
type itemRow struct {
	MemberID     int64
	TaskID       int64
	Title        string
	DispatchedAt time.Time
}

// winbackData is the range's lifecycle changes and task items, per member.
type winbackData struct {
	changes map[int64][]lcRow   // by member, in time order
	items   map[int64][]itemRow // by member, in dispatch order
	members []int64             // sorted
}

// loadWinback reads the lapses and returns recorded since the range's first
// day (returns up to now count as coming back) and the HQ task items those
// members got from tasks dispatched from window days before the range on.
func (s *Service) loadWinback(ctx context.Context, r DayRange, window time.Duration) (winbackData, error) {
	d := winbackData{changes: map[int64][]lcRow{}, items: map[int64][]itemRow{}}
	db := s.db.WithContext(ctx)
	q := db.Table("lifecycle_changes").Select("member_id, store_code, from_state, to_state, day, changed_at").
		Where("day >= ? AND (to_state IN ? OR (to_state = ? AND from_state IN ?))", r.From, lapsedStates, segments.LifecycleActive, lapsedStates)
	if r.Store != "" {
		q = q.Where("store_code = ?", r.Store)
	}
	var rows []lcRow
	if err := q.Order("member_id, changed_at, id").Scan(&rows).Error; err != nil {
		return d, err
	}
	for _, c := range rows {
		if c.isReturn() || c.isLapse() {
			if _, ok := d.changes[c.MemberID]; !ok {
				d.members = append(d.members, c.MemberID)
			}
			d.changes[c.MemberID] = append(d.changes[c.MemberID], c)
		}
	}
	var items []itemRow
	err := db.Raw(`SELECT i.member_id, t.id AS task_id, t.title, t.dispatched_at FROM hq_tasks t
		JOIN task_items i ON i.task_id = t.id
		JOIN (SELECT DISTINCT member_id FROM lifecycle_changes WHERE day >= ?) c ON c.member_id = i.member_id
		WHERE t.dispatched_at IS NOT NULL AND t.dispatched_at >= ?
		ORDER BY i.member_id, t.dispatched_at, t.id`, r.From, r.Start().Add(-window).UTC()).Scan(&items).Error
	if err != nil {
		return d, err
	}
	for _, it := range items {
		d.items[it.MemberID] = append(d.items[it.MemberID], it)
	}
	return d, nil
}

func checkWindowDays(days int) error {
	if days < 1 || days > MaxWinbackWindowDays {
		return model.Errorf(model.EINVALID, "window_days %d: want 1..%d", days, MaxWinbackWindowDays)
	}
	return nil
}

// endOfTime stands for "up to now" when a member has not come back.
var endOfTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)

// lastItemWithin is the latest item dispatched in [lo, hi], if any.
func lastItemWithin(items []itemRow, lo, hi time.Time) (itemRow, bool) {
	var found itemRow
	ok := false
	for _, it := range items {
		if !it.DispatchedAt.Before(lo) && !it.DispatchedAt.After(hi) {
			found, ok = it, true
		}
	}
	return found, ok
}

// WinbackMetrics answers the win-back view of r (r.Store limits it to one
// store's members): per lapsed state, per period of by ("day" or "week"),
// per store and per HQ task dispatched in the range, with returns credited
// to a task when its item came within windowDays before them. Errors:
// EINVALID for a bad by or windowDays, and the database's.
func (s *Service) WinbackMetrics(ctx context.Context, r DayRange, by string, windowDays int) (Winback, error) {
	if by == "" {
		by = "week"
	}
	if by != "day" && by != "week" {
		return Winback{}, model.Errorf(model.EINVALID, "by %q: want day or week", by)
	}
	if err := checkWindowDays(windowDays); err != nil {
		return Winback{}, err
	}
	window := time.Duration(windowDays) * 24 * time.Hour
	out := Winback{From: r.From, To: r.To, By: by, StoreCode: r.Store, WindowDays: windowDays}
	d, err := s.loadWinback(ctx, r, window)
	if err != nil {
		return out, err
	}
	overall, perStore, returned := map[string]*WinbackState{}, map[string]map[string]*WinbackState{}, map[string]int64{}
	periods, order := winbackPeriods(r, by)
	for _, id := range d.members {
		for _, st := range lapsedStates {
			countLapse(d.changes[id], d.items[id], st, r, overall, perStore)
		}
		for _, c := range d.changes[id] {
			if !c.isReturn() || c.Day < r.From || c.Day > r.To {
				continue
			}
			p := periods[periodKey(c.Day, by)]
			p.Total++
			p.ByState[c.FromState]++
			if _, ok := lastItemWithin(d.items[id], c.ChangedAt.Add(-window), c.ChangedAt); ok {
				p.AfterTask++
			}
			returned[c.StoreCode]++
			if perStore[c.StoreCode] == nil {
				perStore[c.StoreCode] = map[string]*WinbackState{}
			}
		}
	}
	out.States = stateList(overall)
	for _, k := range order {
		out.Returns = append(out.Returns, *periods[k])
	}
	out.Stores = []WinbackStore{}
	for code, states := range perStore {
		out.Stores = append(out.Stores, WinbackStore{StoreCode: code, Returned: returned[code], States: stateList(states)})
	}
	sort.Slice(out.Stores, func(i, j int) bool { return out.Stores[i].StoreCode < out.Stores[j].StoreCode })
	out.Tasks, err = s.winbackTasks(ctx, r, window)
	return out, err
}

// countLapse counts one member's first lapse into state within r, if any,
// overall and for the store it lapsed in: whether they came back to 活跃
// after it (up to now), and whether an HQ task item reached them after the
// lapse and before they came back.
func countLapse(changes []lcRow, items []itemRow, state string, r DayRange, overall map[string]*WinbackState, perStore map[string]map[string]*WinbackState) {
	for i, c := range changes {
		if c.ToState != state || !c.isLapse() || c.Day < r.From || c.Day > r.To {
			continue
		}
		var back *lcRow
		for j := i + 1; j < len(changes); j++ {
			if changes[j].isReturn() {
				back = &changes[j]
				break
			}
		}
		until := endOfTime
		if back != nil {
			until = back.ChangedAt
		}
		_, targeted := lastItemWithin(items, c.ChangedAt, until)
		if perStore[c.StoreCode] == nil {
			perStore[c.StoreCode] = map[string]*WinbackState{}
		}
		for _, m := range []map[string]*WinbackState{overall, perStore[c.StoreCode]} {
			ws := m[state]
			if ws == nil {
				ws = &WinbackState{State: state}
				m[state] = ws
			}
			ws.Lapsed++
			if back != nil {
				ws.CameBack++
			}
			if targeted {
				ws.Targeted++
				if back != nil {
					ws.TargetedCameBack++
				}
			}
		}
		return
	}
}

// stateList lists every lapsed state, in order, with its rates.
func stateList(m map[string]*WinbackState) []WinbackState {
	out := make([]WinbackState, 0, len(lapsedStates))
	for _, st := range lapsedStates {
		ws := WinbackState{State: st}
		if v := m[st]; v != nil {
			ws = *v
		}
		ws.Rate = ratio64(ws.CameBack, ws.Lapsed)
		ws.TargetedRate = ratio64(ws.TargetedCameBack, ws.Targeted)
		out = append(out, ws)
	}
	return out
}

// periodKey is the day itself, or the Monday of its week.
func periodKey(day, by string) string {
	if by == "day" {
		return day
	}
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	back := (int(t.Weekday()) + 6) % 7 // days since Monday
	return t.AddDate(0, 0, -back).Format(time.DateOnly)
}

// winbackPeriods makes an empty entry for every period of r, in order.
func winbackPeriods(r DayRange, by string) (map[string]*WinbackPeriod, []string) {
	m := map[string]*WinbackPeriod{}
	var order []string
	for _, day := range r.Days() {
		k := periodKey(day, by)
		if m[k] == nil {
			m[k] = &WinbackPeriod{Period: k, ByState: map[string]int64{}}
			for _, st := range lapsedStates {
				m[k].ByState[st] = 0
			}
			order = append(order, k)
		}
	}
	return m, order
}
