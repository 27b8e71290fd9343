package hqtasks

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/siyu/siyu/csvexport"
	"github.com/siyu/siyu/model"
)

// ExecCounts are the execution figures of a store, a guide or the task.
type ExecCounts struct {
	Assigned int64   `json:"assigned"`
	Done     int64   `json:"done"`
	Skipped  int64   `json:"skipped"`
	Open     int64   `json:"open"`
	Overdue  int64   `json:"overdue"`
	Rate     float64 `json:"rate"` // (done + skipped) / assigned
}

func (c *ExecCounts) add(o ExecCounts) {
	c.Assigned, c.Done, c.Skipped, c.Open, c.Overdue = c.Assigned+o.Assigned, c.Done+o.Done, c.Skipped+o.Skipped, c.Open+o.Open, c.Overdue+o.Overdue
}

func (c *ExecCounts) rate() {
	if c.Assigned > 0 {
		c.Rate = float64(c.Done+c.Skipped) / float64(c.Assigned)
	}
}

// ItemNote is a guide's note on an item.
type ItemNote struct {
	ItemID   int64  `json:"item_id"`
	MemberID int64  `json:"member_id"`
	Status   string `json:"status"`
	Note     string `json:"note"`
}

// GuideReport is one guide's execution of a task.
type GuideReport struct {
	GuideUserID string `json:"guide_userid"`
	Name        string `json:"name"`
	ExecCounts
	Notified bool       `json:"notified"`
	Notes    []ItemNote `json:"notes"`
}

// StoreReport is one store's execution, with its guides.
type StoreReport struct {
	StoreCode string `json:"store_code"`
	ExecCounts
	Guides []GuideReport `json:"guides"`
}

// Report is a task's execution store by store and guide by guide.
type Report struct {
	Task   Task          `json:"task"`
	Total  ExecCounts    `json:"total"`
	Stores []StoreReport `json:"stores"`
}

// maxNotes caps the notes listed per guide.
const maxNotes = 50

// TaskReport returns the task's execution figures from its items: open
// items count as overdue once they were marked so or the deadline has
// passed. Errors: ErrTaskNotFound.
func (s *Service) TaskReport(ctx context.Context, id int64) (Report, error) {
	t, err := s.GetTask(ctx, id)
	if err != nil {
		return Report{}, err
	}
	past := !s.now().Before(t.Deadline)
	var rows []struct {
		StoreCode, GuideUserID, Name  string
		Assigned, Done, Skipped, Open int64
		Overdue                       int64
		Notified                      bool
	}
	db := s.db.WithContext(ctx)
	err = db.Table("task_items i").
		Select("i.store_code, i.guide_user_id, COALESCE(MAX(g.name), '') AS name, COUNT(*) AS assigned, "+
			"SUM(CASE WHEN i.status = ? THEN 1 ELSE 0 END) AS done, SUM(CASE WHEN i.status = ? THEN 1 ELSE 0 END) AS skipped, "+
			"SUM(CASE WHEN i.status = ? THEN 1 ELSE 0 END) AS open, "+
			"SUM(CASE WHEN i.status = ? AND (i.overdue = ? OR ? = ?) THEN 1 ELSE 0 END) AS overdue, "+
			"MAX(CASE WHEN gt.notified_at IS NULL THEN 0 ELSE 1 END) AS notified",
			model.ItemDone, model.ItemSkipped, model.ItemOpen, model.ItemOpen, true, past, true).
		Joins("LEFT JOIN guides g ON g.user_id = i.guide_user_id").
		Joins("LEFT JOIN guide_tasks gt ON gt.task_id = i.task_id AND gt.guide_user_id = i.guide_user_id").
		Where("i.task_id = ?", id).Group("i.store_code, i.guide_user_id").Order("i.store_code, i.guide_user_id").
		Scan(&rows).Error
	if err != nil {
		return Report{}, err
	}
	var notes []struct {
		ID, MemberID        int64
		GuideUserID, Status string
		Note                string
	}
	err = db.Model(&model.TaskItem{}).Select("id, member_id, guide_user_id, status, note").
		Where("task_id = ? AND note <> ''", id).Order("id").Limit(20000).Scan(&notes).Error
	if err != nil {
		return Report{}, err
	}
	byGuide := map[string][]ItemNote{}
	for _, n := range notes {
		if len(byGuide[n.GuideUserID]) < maxNotes {
			byGuide[n.GuideUserID] = append(byGuide[n.GuideUserID], ItemNote{ItemID: n.ID, MemberID: n.MemberID, Status: n.Status, Note: n.Note})
		}
	}
	rep := Report{Task: t, Stores: []StoreReport{}}
	for _, r := range rows {
		if len(rep.Stores) == 0 || rep.Stores[len(rep.Stores)-1].StoreCode != r.StoreCode {
			rep.Stores = append(rep.Stores, StoreReport{StoreCode: r.StoreCode, Guides: []GuideReport{}})
		}
		st := &rep.Stores[len(rep.Stores)-1]
		g := GuideReport{GuideUserID: r.GuideUserID, Name: r.Name, Notified: r.Notified, Notes: byGuide[r.GuideUserID],
			ExecCounts: ExecCounts{Assigned: r.Assigned, Done: r.Done, Skipped: r.Skipped, Open: r.Open, Overdue: r.Overdue}}
		if g.Notes == nil {
			g.Notes = []ItemNote{}
		}
		g.rate()
		st.add(g.ExecCounts)
		st.Guides = append(st.Guides, g)
	}
	for i := range rep.Stores {
		rep.Stores[i].rate()
		rep.Total.add(rep.Stores[i].ExecCounts)
	}
	rep.Total.rate()
	return rep, nil
}

// WriteCSV writes the report as CSV: a UTF-8 byte-order mark (so Excel
// reads the Chinese right), a header, then one row per store followed by
// one per guide of it, and a total row.
func (r Report) WriteCSV(w io.Writer) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csvexport.NewWriter(w)
	// csv.Writer's errors are sticky: cw.Error() at the end reports the first.
	_ = cw.Write([]string{"层级", "门店", "导购", "姓名", "分配", "完成", "跳过", "未完成", "逾期", "完成率", "备注"})
	row := func(level, store, guide, name string, c ExecCounts, notes []ItemNote) {
		var ns []string
		for _, n := range notes {
			ns = append(ns, n.Note)
		}
		_ = cw.Write([]string{level, store, guide, name, itoa(c.Assigned), itoa(c.Done), itoa(c.Skipped), itoa(c.Open),
			itoa(c.Overdue), fmt.Sprintf("%.1f%%", c.Rate*100), strings.Join(ns, " | ")})
	}
	for _, st := range r.Stores {
		row("门店", st.StoreCode, "", "", st.ExecCounts, nil)
		for _, g := range st.Guides {
			row("导购", st.StoreCode, g.GuideUserID, g.Name, g.ExecCounts, g.Notes)
		}
	}
	row("合计", "", "", "", r.Total, nil)
	cw.Flush()
	return cw.Error()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
