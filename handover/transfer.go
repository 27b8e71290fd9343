package handover

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/wx"
)

// TypePoll is the job that reads WeCom's transfer results of a handover,
// one per round (TaskID handover:poll:<id>:<round>), so the sweeper can
// find a lost one.
const TypePoll = "handover:poll"

// PollPayload is TypePoll's payload.
type PollPayload struct {
	HandoverID int64 `json:"handover_id"`
	Round      int   `json:"round"`
}

// PollTaskID is the TaskID of a handover's poll round.
func PollTaskID(id int64, round int) string { return fmt.Sprintf("handover:poll:%d:%d", id, round) }

// NewPollTask returns the poll job of a round and its options, to run
// after delay.
func NewPollTask(id int64, round int, delay time.Duration) (*asynq.Task, []asynq.Option) {
	b, _ := json.Marshal(PollPayload{HandoverID: id, Round: round})
	return asynq.NewTask(TypePoll, b), []asynq.Option{asynq.TaskID(PollTaskID(id, round)), asynq.ProcessIn(delay),
		asynq.MaxRetry(20), asynq.Timeout(2 * time.Minute), asynq.Retention(time.Hour)}
}

// Register puts the handover's consumer and poll job on mux; db dedupes
// the consumer by event id.
func (s *Service) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(outbox.TaskType(outbox.KindHandoverStarted), outbox.Once(s.db, s.onStarted))
	mux.HandleFunc(TypePoll, s.handlePoll)
}

func (s *Service) onStarted(ctx context.Context, payload []byte) error {
	var p outbox.HandoverStarted
	if err := outbox.Decode(payload, &p); err != nil {
		return err
	}
	return s.Transfer(ctx, p.HandoverID)
}

func (s *Service) handlePoll(ctx context.Context, t *asynq.Task) error {
	var p PollPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("handover poll: %v: %w", err, asynq.SkipRetry)
	}
	return s.Poll(ctx, p.HandoverID, p.Round)
}

// Transfer asks WeCom to transfer the handover's pending customers, at
// most wx.MaxTransferCustomers a call, and records each one's answer:
// accepted customers wait for the takeover, refused ones fail with the
// reason. Then it hands over the pending groups (decided at once) and
// queues the first poll. A re-run sends only what is still
// pending (WeCom answers 40129 for one already in transfer, which counts as
// waiting). Errors: ErrHandoverNotFound, wx's (retried by the queue), the
// database's.
func (s *Service) Transfer(ctx context.Context, id int64) error {
	h, err := s.load(ctx, id)
	if err != nil || h.State == model.HandoverDone {
		return err
	}
	for {
		var items []model.HandoverItem
		err := s.db.WithContext(ctx).Where("handover_id = ? AND status = ?", id, model.ItemPending).
			Order("to_user_id, id").Limit(wx.MaxTransferCustomers).Find(&items).Error
		if err != nil {
			return err
		}
		if len(items) == 0 {
			break
		}
		if err := s.sendBatch(ctx, h, sameTaker(items)); err != nil {
			return err
		}
	}
	if err := s.transferGroups(ctx, h); err != nil {
		return err
	}
	return s.advance(ctx, id, 0)
}

// sameTaker is the leading items that go to the first item's new guide.
func sameTaker(items []model.HandoverItem) []model.HandoverItem {
	for i, it := range items {
		if it.ToUserID != items[0].ToUserID {
			return items[:i]
		}
	}
	return items
}

// sendBatch makes one transfer call and records its answers.
func (s *Service) sendBatch(ctx context.Context, h model.Handover, items []model.HandoverItem) error {
	exts := make([]string, len(items))
	for i, it := range items {
		exts[i] = it.ExternalUserID
	}
	codes, err := s.wc.TransferCustomers(ctx, h.FromUserID, items[0].ToUserID, exts, h.Message, h.Kind == model.HandoverResigned)
	if err != nil {
		return fmt.Errorf("handover %d: transfer: %w", h.ID, err)
	}
	return s.st.Tx(ctx, func(tx *gorm.DB) error {
		for _, it := range items {
			code, ok := codes[it.ExternalUserID]
			switch {
			case !ok:
				err = s.fail(tx, it, -1, "企业微信未返回该客户的结果")
			case code == 0 || code == 40129:
				err = tx.Model(&it).Where("status = ?", model.ItemPending).Update("status", model.ItemWaiting).Error
			default:
				err = s.fail(tx, it, code, refusal(code))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// refusal says in Chinese why WeCom refused a customer.
func refusal(code int) string {
	switch code {
	case 40128:
		return "该客户90天内已被在职继承2次，企业微信不再允许"
	case 40096:
		return "不是原导购的客户（可能已删除）"
	case 40098:
		return "接替导购尚未实名认证"
	case 40100:
		return "接替导购的客户数已达上限"
	}
	return fmt.Sprintf("企业微信拒绝转接（错误码 %d）", code)
}

// fail marks a pending or waiting item failed with the reason; nothing of
// the member moves.
func (s *Service) fail(tx *gorm.DB, it model.HandoverItem, code int, reason string) error {
	now := s.opt.Now().UTC()
	res := tx.Model(&model.HandoverItem{}).Where("id = ? AND status IN ?", it.ID, []string{model.ItemPending, model.ItemWaiting}).
		Updates(map[string]any{"status": model.ItemFailed, "err_code": code, "reason": reason, "done_at": now})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	return tx.Model(&model.Handover{}).Where("id = ?", it.HandoverID).Update("failed", gorm.Expr("failed + 1")).Error
}

// advance finishes the handover when nothing waits, else moves it to the
// next poll round (from round, so two runs of one round chain once) and
// queues that poll.
func (s *Service) advance(ctx context.Context, id int64, round int) error {
	var waiting int64
	db := s.db.WithContext(ctx)
	if err := db.Model(&model.HandoverItem{}).Where("handover_id = ? AND status IN ?", id,
		[]string{model.ItemPending, model.ItemWaiting}).Count(&waiting).Error; err != nil {
		return err
	}
	if waiting > 0 && round >= s.opt.MaxRounds {
		if err := s.expire(ctx, id); err != nil {
			return err
		}
		waiting = 0
	}
	if waiting == 0 {
		now := s.opt.Now().UTC()
		return db.Model(&model.Handover{}).Where("id = ? AND state <> ?", id, model.HandoverDone).
			Updates(map[string]any{"state": model.HandoverDone, "finished_at": now}).Error
	}
	err := db.Model(&model.Handover{}).Where("id = ? AND poll_round = ?", id, round).
		Updates(map[string]any{"state": model.HandoverWaiting, "poll_round": round + 1}).Error
	if err != nil {
		return err
	}
	t, opts := NewPollTask(id, round+1, s.opt.PollEvery)
	if err := s.q.Enqueue(ctx, t, "default", opts...); err != nil && !isConflict(err) {
		return fmt.Errorf("handover %d: queue poll: %w", id, err)
	}
	return nil
}

// expire fails what still waits after the last round: WeCom never
// confirmed it, so nothing moved.
func (s *Service) expire(ctx context.Context, id int64) error {
	return s.st.Tx(ctx, func(tx *gorm.DB) error {
		var items []model.HandoverItem
		if err := tx.Where("handover_id = ? AND status IN ?", id, []string{model.ItemPending, model.ItemWaiting}).Find(&items).Error; err != nil {
			return err
		}
		for _, it := range items {
			if err := s.fail(tx, it, 0, "企业微信超时未确认转接，客户仍归原导购"); err != nil {
				return err
			}
		}
		return nil
	})
}

func isConflict(err error) bool {
	return err != nil && (errorsIs(err, asynq.ErrTaskIDConflict) || errorsIs(err, asynq.ErrDuplicateTask))
}

func (s *Service) load(ctx context.Context, id int64) (model.Handover, error) {
	var h model.Handover
	err := s.db.WithContext(ctx).Take(&h, id).Error
	if found, ferr := foundErr(err); ferr != nil {
		return h, ferr
	} else if !found {
		return h, model.ErrHandoverNotFound
	}
	return h, nil
}
