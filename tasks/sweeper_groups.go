package tasks

import (
	"context"
	"strconv"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/model"
)

// sweepGroupsAfter runs the customer-group sweeps after the sweeps before
// it (n jobs queued again so far, err their error): group-send polls,
// group detail reads and sync runs whose job Redis lost.
func (s *Sweeper) sweepGroupsAfter(ctx context.Context, n int, err error) (int, error) {
	for _, sweep := range []func(context.Context) (int, error){s.sweepGroupSendPolls, s.sweepGroupDetails, s.sweepGroupSyncs} {
		if err != nil {
			return n, err
		}
		var k int
		k, err = sweep(ctx)
		n += k
	}
	return n, err
}

// sweepGroupSendPolls queues again the current poll round of a guide's
// group send (to customers, or to the groups of a group_message task)
// when it is gone, while the task is live, before its deadline, with
// items still open. A send recorded whose first poll was never recorded
// gets round 1. A repeated round marks nothing twice.
func (s *Sweeper) sweepGroupSendPolls(ctx context.Context) (int, error) {
	now := s.now().UTC()
	var rows []model.GuideTask
	err := s.db.WithContext(ctx).Model(&model.GuideTask{}).
		Joins("JOIN hq_tasks ON hq_tasks.id = guide_tasks.task_id").
		Where("guide_tasks.msg_id <> '' AND guide_tasks.created_at < ? AND hq_tasks.state IN ? AND hq_tasks.deadline > ?",
			now.Add(-s.grace), []string{model.TaskDispatching, model.TaskActive}, now).
		Where("EXISTS (SELECT 1 FROM task_items i WHERE i.task_id = guide_tasks.task_id AND i.guide_user_id = guide_tasks.guide_user_id AND i.status = ?)", model.ItemOpen).
		Order("guide_tasks.id").Limit(2000).Select("guide_tasks.task_id, guide_tasks.guide_user_id, guide_tasks.poll_round").Find(&rows).Error
	if err != nil {
		return 0, err
	}
	n := 0
	for _, gt := range rows {
		round := max(gt.PollRound, 1)
		if _, ok, err := s.present(QueueLow, PollMassSendTaskID(gt.TaskID, gt.GuideUserID, round)); err != nil || ok {
			if err != nil {
				return n, err
			}
			continue
		}
		t, opts := NewPollMassSendTask(gt.TaskID, gt.GuideUserID, round, 0)
		if err := s.q.Enqueue(ctx, t, QueueLow, opts...); err != nil {
			return n, err
		}
		n++
		s.requeued("group_send_poll", "task", gt.TaskID, "guide", gt.GuideUserID, "round", round)
	}
	return n, nil
}

// sweepGroupDetails queues again the read of a group's details that is
// still wanted when its job is in neither queue (events queue reads on
// the default queue, sync runs on the low one). The new job's key is
// recorded, so the next sweep looks for it.
func (s *Sweeper) sweepGroupDetails(ctx context.Context) (int, error) {
	var rows []model.Group
	err := s.db.WithContext(ctx).Select("id, corp_id, chat_id, details_wanted_at, details_job").
		Where("details_wanted_at IS NOT NULL AND details_wanted_at < ? AND dismissed_at IS NULL", s.now().Add(-s.grace).UTC()).
		Order("id").Limit(1000).Find(&rows).Error
	if err != nil {
		return 0, err
	}
	n := 0
	for _, g := range rows {
		queued := false
		for _, priority := range []string{QueueDefault, QueueLow} {
			info, ok, err := s.present(priority, GroupDetailsTaskID(g.ChatID, g.DetailsJob))
			if err != nil {
				return n, err
			}
			// A finished read that left the group wanted was overtaken by
			// a later want (an event during the read): read again.
			queued = queued || (ok && info.State != asynq.TaskStateCompleted)
		}
		if queued {
			continue
		}
		key := "sweep:" + strconv.FormatInt(s.now().UnixNano(), 10)
		t, err := NewGroupDetailsTask(g.CorpID, g.ChatID, key)
		if err != nil {
			return n, err
		}
		res := s.db.WithContext(ctx).Model(&model.Group{}).Where("id = ? AND details_job = ?", g.ID, g.DetailsJob).Update("details_job", key)
		if res.Error != nil || res.RowsAffected == 0 { // 0: an overlapping sweep or a new want took it
			if res.Error != nil {
				return n, res.Error
			}
			continue
		}
		if err := s.q.Enqueue(ctx, t, QueueLow); err != nil {
			return n, err
		}
		n++
		s.requeued("group_details", "chat_id", g.ChatID)
	}
	return n, nil
}

// sweepGroupSyncs queues again the page a sync run is at when its job is
// gone; the page lists, records and queues its reads again (same TaskIDs)
// and moves the run on.
func (s *Sweeper) sweepGroupSyncs(ctx context.Context) (int, error) {
	var runs []model.GroupSyncRun
	err := s.db.WithContext(ctx).Where("finished_at IS NULL AND updated_at < ?", s.now().Add(-s.grace).UTC()).
		Order("id").Limit(100).Find(&runs).Error
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range runs {
		p := SyncGroupsPayload{CorpID: r.CorpID, Run: r.Run, Owners: r.Owners, Cursor: r.Cursor}
		t, err := NewSyncGroupsTask(p)
		if err != nil {
			return n, err
		}
		if _, ok, err := s.present(QueueLow, SyncGroupsTaskID(p)); err != nil || ok {
			if err != nil {
				return n, err
			}
			continue
		}
		if err := s.q.Enqueue(ctx, t, QueueLow); err != nil {
			return n, err
		}
		n++
		s.requeued("group_sync", "run", r.Run, "pages", r.Pages)
	}
	return n, nil
}
