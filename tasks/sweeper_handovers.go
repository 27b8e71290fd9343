package tasks

import (
	"context"

	"github.com/siyu/siyu/handover"
	"github.com/siyu/siyu/model"
)

// sweepHandovers queues again the poll of a handover still waiting on
// WeCom whose current round's job (handover:poll:<id>:<round>) is gone;
// the poll of a stale or repeated round does nothing, so this converges.
func (s *Sweeper) sweepHandovers(ctx context.Context) (int, error) {
	var rows []model.Handover
	err := s.db.WithContext(ctx).Select("id, poll_round").
		Where("state = ? AND updated_at < ?", model.HandoverWaiting, s.now().Add(-s.grace).UTC()).
		Order("id").Limit(1000).Find(&rows).Error
	if err != nil {
		return 0, err
	}
	n := 0
	for _, h := range rows {
		if _, ok, err := s.present(QueueDefault, handover.PollTaskID(h.ID, h.PollRound)); err != nil || ok {
			if err != nil {
				return n, err
			}
			continue
		}
		t, opts := handover.NewPollTask(h.ID, h.PollRound, 0)
		if err := s.q.Enqueue(ctx, t, QueueDefault, opts...); err != nil {
			return n, err
		}
		n++
		s.requeued("handover_poll", "handover", h.ID, "round", h.PollRound)
	}
	return n, nil
}
