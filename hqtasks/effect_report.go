package hqtasks

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/siyu/siyu/csvexport"
	"github.com/siyu/siyu/effect"
	"github.com/siyu/siyu/model"
)

// MaxEffectWindowDays bounds an effect report's window.
const MaxEffectWindowDays = 90

// Effect is the measured effect of an HQ task: what the treated and the
// held-out (control) customers did in the window_days after dispatch, the
// uplift of each measure (treated − control) with its 95 % interval,
// overall and per store. A task without a holdout gets BeforeAfter
// instead: its targeted members in the window before and after dispatch,
// which is not causal.
type Effect struct {
	TaskID         int64                      `json:"task_id"`
	Kind           string                     `json:"kind"`
	WindowDays     int                        `json:"window_days"`
	HoldoutPercent int                        `json:"holdout_percent"`
	DispatchedAt   time.Time                  `json:"dispatched_at"`
	WindowEnd      time.Time                  `json:"window_end"`
	Complete       bool                       `json:"complete"` // the window has passed
	Causal         bool                       `json:"causal"`
	TooSmall       bool                       `json:"too_small"`
	Summary        string                     `json:"summary"`
	Treated        EffectGroup                `json:"treated"`
	Control        EffectGroup                `json:"control"`
	Uplift         map[string]effect.Interval `json:"uplift"`
	Stores         []StoreEffect              `json:"stores"`
	BeforeAfter    *BeforeAfter               `json:"before_after,omitempty"`
}

// StoreEffect is the effect within one store (by the store the customer
// was targeted through).
type StoreEffect struct {
	StoreCode string                     `json:"store_code"`
	Treated   EffectGroup                `json:"treated"`
	Control   EffectGroup                `json:"control"`
	Uplift    map[string]effect.Interval `json:"uplift"`
	TooSmall  bool                       `json:"too_small"`
}

// BeforeAfter compares a task's targeted members in the window before
// dispatch with the window after: a trend, not an effect.
type BeforeAfter struct {
	Note   string             `json:"note"`
	Before EffectGroup        `json:"before"`
	After  EffectGroup        `json:"after"`
	Change map[string]float64 `json:"change"` // after − before, per rate
}

// Report texts.
const (
	noteBeforeAfter = "该任务没有对照组：以下是目标客户派发前后各 %d 天的对比，只反映趋势，不能说明是任务带来的效果。"
	noteNotYet      = "统计窗口尚未结束（截至 %s），数字还会变化。"
)

// TaskEffect measures task id over windowDays (1–90) from the end of its
// dispatch, cut at now; a non-empty store limits every figure to the
// customers targeted through that store (a store manager's view). Errors: EINVALID for a bad window, ErrTaskNotFound,
// ErrTaskState for a task not dispatched yet, the database's.
func (s *Service) TaskEffect(ctx context.Context, id int64, windowDays int, store string) (Effect, error) {
	if windowDays < 1 || windowDays > MaxEffectWindowDays {
		return Effect{}, model.Errorf(model.EINVALID, "window_days %d: want 1..%d", windowDays, MaxEffectWindowDays)
	}
	t, err := s.task(ctx, id)
	if err != nil {
		return Effect{}, err
	}
	if t.DispatchedAt == nil {
		return Effect{}, model.Detail(model.ErrTaskState, "任务 %d 尚未派发完成，还没有效果可看", id)
	}
	start := t.DispatchedAt.UTC()
	end, now := start.AddDate(0, 0, windowDays), s.now().UTC()
	out := Effect{TaskID: id, Kind: t.Kind, WindowDays: windowDays, HoldoutPercent: t.HoldoutPercent,
		DispatchedAt: start, WindowEnd: end, Complete: !now.Before(end), Causal: t.HoldoutPercent > 0, Stores: []StoreEffect{}}
	upTo := end
	if now.Before(end) {
		upTo = now
	}
	rows, err := s.effectRows(ctx, id, start, upTo, store)
	if err != nil {
		return out, err
	}
	out.fold(rows, t.Kind)
	if !out.Causal {
		if out.BeforeAfter, err = s.beforeAfter(ctx, id, start, windowDays, store, out.Treated); err != nil {
			return out, err
		}
	}
	out.Summary = out.summary(now.In(s.loc))
	return out, nil
}

// fold sums the query's rows into the totals and the stores, and compares.
func (e *Effect) fold(rows []effectRow, kind string) {
	index := map[string]int{}
	for _, r := range rows {
		i, ok := index[r.StoreCode]
		if !ok {
			i = len(e.Stores)
			index[r.StoreCode] = i
			e.Stores = append(e.Stores, StoreEffect{StoreCode: r.StoreCode})
		}
		g, sg := &e.Treated, &e.Stores[i].Treated
		if r.Grp == grpControl {
			g, sg = &e.Control, &e.Stores[i].Control
		}
		g.add(r)
		sg.add(r)
	}
	e.Treated.finish()
	e.Control.finish()
	e.Uplift = uplift(e.Treated, e.Control, kind)
	e.TooSmall = e.Uplift["order_rate"].TooSmall && e.Uplift["revenue_per_member_fen"].TooSmall
	for i := range e.Stores {
		st := &e.Stores[i]
		st.Treated.finish()
		st.Control.finish()
		st.Uplift = uplift(st.Treated, st.Control, kind)
		st.TooSmall = st.Uplift["order_rate"].TooSmall && st.Uplift["revenue_per_member_fen"].TooSmall
	}
}

// beforeAfter measures the treated members over the window before start.
func (s *Service) beforeAfter(ctx context.Context, id int64, start time.Time, days int, store string, after EffectGroup) (*BeforeAfter, error) {
	rows, err := s.effectRows(ctx, id, start.AddDate(0, 0, -days), start, store)
	if err != nil {
		return nil, err
	}
	ba := &BeforeAfter{Note: fmt.Sprintf(noteBeforeAfter, days), After: after, Change: map[string]float64{}}
	for _, r := range rows {
		if r.Grp == grpTreated {
			ba.Before.add(r)
		}
	}
	ba.Before.finish()
	for k, v := range after.Rates {
		ba.Change[k] = v - ba.Before.Rates[k]
	}
	return ba, nil
}

// summary says in one or two sentences what the report shows.
func (e *Effect) summary(now time.Time) string {
	var s string
	switch {
	case !e.Causal:
		s = fmt.Sprintf(noteBeforeAfter, e.WindowDays)
	case e.TooSmall:
		s = fmt.Sprintf("实验组 %d 人、对照组 %d 人：%s，请扩大人群或延长窗口。", e.Treated.Members, e.Control.Members, effect.NoteTooSmall)
	default:
		o, r := e.Uplift["order_rate"], e.Uplift["revenue_per_member_fen"]
		s = fmt.Sprintf("实验组 %d 人、对照组 %d 人。下单率 %.1f%% 对 %.1f%%，差 %+.1f 个百分点（95%% 置信区间 %+.1f ~ %+.1f），%s。人均消费差 %+.2f 元（95%% 置信区间 %+.2f ~ %+.2f），%s。",
			e.Treated.Members, e.Control.Members, e.Treated.Rates["order_rate"]*100, e.Control.Rates["order_rate"]*100,
			o.Diff*100, o.Low*100, o.High*100, o.Note, r.Diff/100, r.Low/100, r.High/100, r.Note)
	}
	if !e.Complete {
		s += fmt.Sprintf(noteNotYet, now.Format("2006-01-02 15:04"))
	}
	return s
}

// WriteCSV writes the report as CSV (with a UTF-8 byte-order mark for
// Excel): one row per scope and group with the counts and rates, then one
// row per scope and measure with the uplift and its interval.
func (e Effect) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csvexport.NewWriter(w)
	// csv.Writer's errors are sticky: cw.Error() at the end reports the first.
	_ = cw.Write([]string{"范围", "组", "人数", "下单人数", "订单数", "销售额(分)", "签到人数", "兑换人数", "用券人数", "取关人数", "删导购人数", "下单率", "人均消费(分)"})
	group := func(scope, name string, g EffectGroup) {
		_ = cw.Write([]string{scope, name, itoa(g.Members), itoa(g.Ordered), itoa(g.Orders), itoa(g.RevenueFen), itoa(g.CheckedIn),
			itoa(g.Redeemed), itoa(g.UsedCoupon), itoa(g.Unfollowed), itoa(g.DeletedGuide),
			fmt.Sprintf("%.4f", g.Rates["order_rate"]), fmt.Sprintf("%.2f", g.Rates["revenue_per_member_fen"])})
	}
	scopes := append([]StoreEffect{{StoreCode: "全部", Treated: e.Treated, Control: e.Control, Uplift: e.Uplift}}, e.Stores...)
	for _, st := range scopes {
		group(st.StoreCode, "实验组", st.Treated)
		group(st.StoreCode, "对照组", st.Control)
	}
	if e.BeforeAfter != nil {
		group("全部", "派发前", e.BeforeAfter.Before)
	}
	_ = cw.Write([]string{"范围", "指标", "提升", "95%下限", "95%上限", "结论"})
	for _, st := range scopes {
		for _, m := range append(rateMeasureNames(), "revenue_per_member_fen") {
			if iv, ok := st.Uplift[m]; ok {
				_ = cw.Write([]string{st.StoreCode, m, ftoa(iv.Diff), ftoa(iv.Low), ftoa(iv.High), iv.Note})
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

func rateMeasureNames() []string {
	out := make([]string, len(rateMeasures))
	for i, m := range rateMeasures {
		out[i] = m.name
	}
	return out
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
