package handover

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/wx"
)

// Poll reads WeCom's results for the handover's waiting customers (round
// names the poll; a stale round does nothing): confirmed ones move to the
// new guide, refused ones fail with the reason, the rest wait for the
// next round. Errors: ErrHandoverNotFound, wx's, the database's.
func (s *Service) Poll(ctx context.Context, id int64, round int) error {
	h, err := s.load(ctx, id)
	if err != nil || h.State == model.HandoverDone || h.PollRound != round {
		return err
	}
	var takers []string
	if err := s.db.WithContext(ctx).Model(&model.HandoverItem{}).Where("handover_id = ? AND status = ?", id, model.ItemWaiting).
		Distinct().Order("to_user_id").Pluck("to_user_id", &takers).Error; err != nil {
		return err
	}
	for _, to := range takers {
		res, err := s.wc.TransferResults(ctx, h.FromUserID, to, h.Kind == model.HandoverResigned)
		if err != nil {
			return fmt.Errorf("handover %d: transfer results: %w", id, err)
		}
		if err := s.apply(ctx, h, to, res); err != nil {
			return err
		}
	}
	return s.advance(ctx, id, round)
}

// apply records one new guide's results.
func (s *Service) apply(ctx context.Context, h model.Handover, to string, res map[string]int) error {
	var items []model.HandoverItem
	if err := s.db.WithContext(ctx).Where("handover_id = ? AND to_user_id = ? AND status = ?", h.ID, to, model.ItemWaiting).
		Order("id").Find(&items).Error; err != nil {
		return err
	}
	for _, it := range items {
		st, ok := res[it.ExternalUserID]
		var err error
		switch {
		case !ok || st == wx.TransferWaiting:
			continue
		case st == wx.TransferDone:
			err = s.st.Tx(ctx, func(tx *gorm.DB) error { return s.confirm(tx, h, it) })
		default:
			err = s.st.Tx(ctx, func(tx *gorm.DB) error { return s.fail(tx, it, st, transferStatus(st)) })
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// transferStatus says in Chinese why a transfer did not complete.
func transferStatus(st int) string {
	switch st {
	case wx.TransferRefused:
		return "客户拒绝了转接"
	case wx.TransferTakerFull:
		return "接替导购的客户数已达上限"
	case wx.TransferNoRecord:
		return "企业微信无该客户的接替记录"
	}
	return fmt.Sprintf("企业微信转接未完成（状态 %d）", st)
}

// TransferFailed records WeCom's transfer_fail event for a customer whose
// transfer to takeover is waiting: the item fails with the reason
// (customer_refused, customer_limit_exceed) and nothing moves. An event
// for no waiting item is ignored. Errors: the database's.
func (s *Service) TransferFailed(ctx context.Context, takeover, externalUserID, reason string) error {
	return s.st.Tx(ctx, func(tx *gorm.DB) error {
		var items []model.HandoverItem
		if err := tx.Where("to_user_id = ? AND external_user_id = ? AND status = ?", takeover, externalUserID, model.ItemWaiting).
			Find(&items).Error; err != nil {
			return err
		}
		why := "企业微信通知转接失败：" + reason
		switch reason {
		case "customer_refused":
			why = transferStatus(wx.TransferRefused)
		case "customer_limit_exceed":
			why = transferStatus(wx.TransferTakerFull)
		}
		for _, it := range items {
			if err := s.fail(tx, it, 0, why); err != nil {
				return err
			}
		}
		return nil
	})
}
