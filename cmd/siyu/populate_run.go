package main

import (
	"context"
	"fmt"
	"time"

	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/model"
)

// run plays the days: arrivals, activity, HQ tasks, then the night's
// segment recompute so the lifecycle and RFM charts have a history.
func (p *populator) run(ctx context.Context, first time.Time, days, n int) error {
	plan := p.taskPlan(days)
	perDay := arrivals(first, days, n)
	i := 0
	for d := 0; d < days; d++ {
		for k := 0; k < perDay[d]; k++ {
			i++
			if err := p.arrive(ctx, first, d, i); err != nil {
				return fmt.Errorf("day %d: arrival: %w", d, err)
			}
		}
		if err := p.dayActivity(ctx, first, d); err != nil {
			return fmt.Errorf("day %d: %w", d, err)
		}
		if err := p.dayTasks(ctx, first, d, plan); err != nil {
			return fmt.Errorf("day %d: tasks: %w", d, err)
		}
		if d < days-1 || time.Now().In(p.loc).Hour() >= 3 { // today's run happens at 03:00
			p.clock.Set(p.at(first, d, 23, 30))
			if _, err := p.a.segs.RecomputeSegments(ctx, p.rules, nil); err != nil {
				return fmt.Errorf("day %d: segments: %w", d, err)
			}
		}
		if d%15 == 14 {
			fmt.Fprintf(p.out, "day %d/%d: %d members\n", d+1, days, len(p.members))
		}
	}
	p.clock.Set(time.Now())
	return nil
}

// taskSpec is one HQ task of the plan.
type taskSpec struct {
	day, closeAfter int // closeAfter < 0: still running
	in              hqtasks.TaskInput
	doneP           float64
	feedback        []string
}

// taskPlan: two finished tasks and one running, days before today.
func (p *populator) taskPlan(days int) []taskSpec {
	tmpl := p.tmplIDs[0]
	return []taskSpec{
		{day: days - 32, closeAfter: 10, doneP: 0.2, in: hqtasks.TaskInput{Title: "沉睡会员电话回访", Kind: model.TaskKindFollowUp,
			Instructions: "电话问候近 30 天没来的客户，邀请到店体验新品", Filter: filterOf("沉默", "睡眠")},
			feedback: []string{"有几位客户电话打不通，能否改成企微消息？", "客户反馈希望周末有专场活动"}},
		// With a 20 % holdout, so its 效果 tab has a control group to compare with.
		{day: days - 18, closeAfter: 9, doneP: 0.3, in: hqtasks.TaskInput{Title: "老客满减券推送", Kind: model.TaskKindCoupon,
			CouponTemplateID: &tmpl, Instructions: "把满200减30券发给活跃老客，提醒两周内到店", Filter: filterOf("活跃"), HoldoutPercent: 20},
			feedback: []string{"券已全部发出，客户问能否和会员折扣同享"}},
		{day: days - 3, closeAfter: -1, doneP: 0.22, in: hqtasks.TaskInput{Title: "春季新品邀约", Kind: model.TaskKindMessage,
			Instructions: "用话术邀请客户周六到店试用新品", Content: "{{称呼}}您好，春季新品已到店，周六会员日到店可领试用装～"},
			feedback: []string{"新品试用装库存不够，能补货吗？", "话术很好用，客户回复率高"}},
	}
}

// dayTasks creates, works and closes the plan's tasks on day d.
func (p *populator) dayTasks(ctx context.Context, first time.Time, d int, plan []taskSpec) error {
	for i, s := range plan {
		if s.day == d && d >= 0 {
			p.clock.Set(p.at(first, d, 10, 0))
			s.in.Deadline = p.at(first, d, 23, 59).AddDate(0, 0, max(s.closeAfter, 7))
			s.in.Dispatch = true
			t, err := p.a.hqTasks.CreateTask(ctx, s.in)
			if err != nil {
				return err
			}
			if err := p.waitDispatched(ctx, t.ID); err != nil {
				return err
			}
			p.tasks = append(p.tasks, simTask{id: t.ID, created: d, closeOn: -1, doneP: s.doneP, feedback: s.feedback})
			if s.closeAfter >= 0 {
				p.tasks[len(p.tasks)-1].closeOn = d + s.closeAfter
			}
			_ = i
		}
	}
	for k := range p.tasks {
		t := &p.tasks[k]
		if t.closeOn >= 0 && d > t.closeOn {
			continue
		}
		if d > t.created {
			if err := p.workItems(ctx, first, d, t); err != nil {
				return err
			}
		}
		if d == t.created+1 || d == t.created+2 {
			if err := p.feedback(ctx, first, d, t); err != nil {
				return err
			}
		}
		if d == t.closeOn {
			p.clock.Set(p.at(first, d, 21, 0))
			if _, err := p.a.hqTasks.Close(ctx, t.id); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *populator) waitDispatched(ctx context.Context, id int64) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		t, err := p.a.hqTasks.GetTask(ctx, id)
		if err != nil {
			return err
		}
		if t.State == model.TaskActive {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("task %d still dispatching after 30 s", id)
}

// workItems has the guides finish or skip some of their open items.
func (p *populator) workItems(ctx context.Context, first time.Time, d int, t *simTask) error {
	var items []model.TaskItem
	if err := p.a.db.WithContext(ctx).Where("task_id = ? AND status = ?", t.id, model.ItemOpen).Order("id").Find(&items).Error; err != nil {
		return err
	}
	if d == t.created+1 {
		p.n.items += len(items)
	}
	notes := []string{"客户说周末到店", "已发消息，客户已读", "客户暂时不需要", "电话沟通，意向较高", ""}
	for _, it := range items {
		r := p.rnd.Float64()
		if r >= t.doneP {
			continue
		}
		status := model.ItemDone
		if r < t.doneP*0.15 {
			status = model.ItemSkipped
		}
		p.clock.Set(p.at(first, d, 10+p.rnd.Intn(10), p.rnd.Intn(60)))
		if _, err := p.a.hqTasks.CompleteItem(ctx, it.GuideUserID, it.ID, status, notes[p.rnd.Intn(len(notes))]); err != nil {
			return err
		}
		if err := p.comeInForCoupon(ctx, d, it, status); err != nil {
			return err
		}
	}
	return nil
}

// comeInForCoupon: most customers whose guide followed up a pushed coupon
// come in within days, use it and buy — the effect a holdout then measures.
func (p *populator) comeInForCoupon(ctx context.Context, d int, it model.TaskItem, status string) error {
	if status != model.ItemDone || it.CouponID == nil || p.rnd.Float64() >= 0.7 {
		return nil
	}
	var c model.Coupon
	if err := p.a.db.WithContext(ctx).Where("id = ?", *it.CouponID).Take(&c).Error; err != nil {
		return err
	}
	p.coupons = append(p.coupons, pendingCoupon{code: c.Code, store: it.StoreCode, day: d + 1 + p.rnd.Intn(5), member: it.MemberID, withOrder: true})
	return nil
}

// feedback posts one of the task's guide remarks and has HQ answer the first.
func (p *populator) feedback(ctx context.Context, first time.Time, d int, t *simTask) error {
	k := d - t.created - 1
	if k >= len(t.feedback) {
		return nil
	}
	// Feedback comes from guides the task reached (the API refuses others).
	var given []model.GuideTask
	if err := p.a.db.WithContext(ctx).Where("task_id = ?", t.id).Order("id").Find(&given).Error; err != nil {
		return err
	}
	if len(given) == 0 {
		return nil
	}
	gt := given[(int(t.id)+k)%len(given)]
	var g model.Guide
	if err := p.a.db.WithContext(ctx).Where("user_id = ?", gt.GuideUserID).Take(&g).Error; err != nil {
		return err
	}
	p.clock.Set(p.at(first, d, 16, p.rnd.Intn(60)))
	id := t.id
	f, err := p.a.hqTasks.SendFeedback(ctx, g, &id, t.feedback[k])
	if err != nil {
		return err
	}
	if k == 0 && t.closeOn >= 0 {
		p.clock.Set(p.at(first, d, 18, 0))
		_, err = p.a.hqTasks.ReplyFeedback(ctx, f.ID, "收到，已安排，下周起按你的建议调整。", "总部运营")
	}
	return err
}

func filterOf(lifecycles ...string) (f tagFilter) {
	f.Lifecycles = lifecycles
	return f
}
