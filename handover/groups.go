package handover

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/wx"
)

// A handover's customer groups: the ones the plan names (chat_ids, each
// owned by the departing guide) or, by default, every group they own.
// WeCom hands a group over at once, so each one is decided by the call's
// answer: moved (owner and store follow the new owner) or failed with the
// reason, leaving the group as it was.

// ownedGroup is one live group of the departing guide.
type ownedGroup struct {
	ChatID string
	Name   string
}

// previewGroups adds to pv the groups p moves and who takes each: the one
// new guide, or spread over ids by how many groups each already owns.
func (s *Service) previewGroups(tx *gorm.DB, from model.Guide, p *Plan, ids []string, pv *Preview) error {
	if p.NoGroups {
		return nil
	}
	var gs []ownedGroup
	q := tx.Model(&model.Group{}).Select("chat_id, name").Where("owner = ? AND dismissed_at IS NULL", from.UserID)
	if len(p.ChatIDs) > 0 {
		q = q.Where("chat_id IN ?", p.ChatIDs)
	}
	if err := q.Order("id").Scan(&gs).Error; err != nil {
		return err
	}
	if err := missingGroups(p.ChatIDs, gs, from.UserID); err != nil {
		return err
	}
	var loads []guideLoad
	err := tx.Model(&model.Group{}).Select("owner AS guide_user_id, COUNT(*) AS n").
		Where("owner IN ? AND dismissed_at IS NULL", ids).Group("owner").Scan(&loads).Error
	if err != nil {
		return err
	}
	t := newTakers(ids, loads)
	for _, g := range gs {
		to := t.next()
		pv.groupAssign[g.ChatID], pv.groupName[g.ChatID] = to, g.Name
		pv.GroupsPerGuide[to]++
	}
	pv.Groups = len(gs)
	return nil
}

// missingGroups refuses named chat_ids that are not live groups of owner.
func missingGroups(want []string, got []ownedGroup, owner string) error {
	have := map[string]bool{}
	for _, g := range got {
		have[g.ChatID] = true
	}
	for _, id := range want {
		if !have[id] {
			return model.Errorf(model.EINVALID, "chat_ids: 客户群 %s 不存在、已解散或群主不是 %s", id, owner)
		}
	}
	return nil
}

// createGroupItems writes one pending item per group of pv; groups already
// pending in another handover fail at once with the reason.
func createGroupItems(tx *gorm.DB, h *model.Handover, pv Preview, now time.Time) ([]model.HandoverGroup, error) {
	if len(pv.groupAssign) == 0 {
		return nil, nil
	}
	chats := keys(pv.groupAssign)
	var busy []model.HandoverGroup
	if err := tx.Select("handover_id, chat_id").Where("handover_id <> ? AND status = ? AND chat_id IN ?", h.ID,
		model.ItemPending, chats).Find(&busy).Error; err != nil {
		return nil, err
	}
	inOther := map[string]int64{}
	for _, b := range busy {
		inOther[b.ChatID] = b.HandoverID
	}
	items := make([]model.HandoverGroup, 0, len(chats))
	failed := 0
	for _, id := range chats {
		it := model.HandoverGroup{HandoverID: h.ID, ChatID: id, Name: pv.groupName[id], FromUserID: h.FromUserID,
			ToUserID: pv.groupAssign[id], Status: model.ItemPending}
		if other, ok := inOther[id]; ok {
			it.Status, it.Reason, it.DoneAt = model.ItemFailed, fmt.Sprintf("该群正在交接单 %d 中转接，请等它结束", other), &now
			failed++
		}
		items = append(items, it)
	}
	if err := tx.CreateInBatches(items, 200).Error; err != nil {
		return nil, err
	}
	h.GroupsFailed = failed
	return items, tx.Model(&model.Handover{}).Where("id = ?", h.ID).Update("groups_failed", failed).Error
}

// transferGroups hands the handover's pending groups over, at most
// wx.MaxTransferGroups per call and new owner, and records each answer.
// Only pending groups are sent, so a retried consumer sends none twice.
func (s *Service) transferGroups(ctx context.Context, h model.Handover) error {
	for {
		var items []model.HandoverGroup
		err := s.db.WithContext(ctx).Where("handover_id = ? AND status = ?", h.ID, model.ItemPending).
			Order("to_user_id, id").Limit(wx.MaxTransferGroups).Find(&items).Error
		if err != nil || len(items) == 0 {
			return err
		}
		n := 1
		for n < len(items) && items[n].ToUserID == items[0].ToUserID {
			n++
		}
		if err := s.sendGroups(ctx, h, items[:n]); err != nil {
			return err
		}
	}
}

// sendGroups makes one group-transfer call and records its answers.
func (s *Service) sendGroups(ctx context.Context, h model.Handover, items []model.HandoverGroup) error {
	chats := make([]string, len(items))
	for i, it := range items {
		chats[i] = it.ChatID
	}
	to := items[0].ToUserID
	failed, err := s.wc.TransferGroupChats(ctx, chats, to, h.Kind == model.HandoverResigned)
	if err != nil {
		return fmt.Errorf("handover %d: group transfer: %w", h.ID, err)
	}
	return s.st.Tx(ctx, func(tx *gorm.DB) error {
		var taker model.Guide
		if err := tx.Where("user_id = ?", to).Take(&taker).Error; err != nil {
			return store.NotFound(err, model.ErrGuideNotFound)
		}
		for _, it := range items {
			var err error
			// 90504: the new owner owns it already, e.g. a re-run after a
			// crash between WeCom's answer and this commit.
			if f, ok := failed[it.ChatID]; ok && f.ErrCode != wx.GroupOwnerUnchanged {
				err = s.failGroup(tx, it, f.ErrCode, groupRefusal(f.ErrCode))
			} else {
				err = s.moveGroup(tx, h, it, taker)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
}

// moveGroup records a group WeCom handed over: its owner becomes the new
// guide and, unless the handover keeps stores, its store the new guide's.
func (s *Service) moveGroup(tx *gorm.DB, h model.Handover, it model.HandoverGroup, to model.Guide) error {
	now := s.opt.Now().UTC()
	res := tx.Model(&model.HandoverGroup{}).Where("id = ? AND status = ?", it.ID, model.ItemPending).
		Updates(map[string]any{"status": model.ItemSucceeded, "done_at": now})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	upd := map[string]any{"owner": to.UserID}
	if h.MoveStore && to.StoreCode != "" {
		upd["store_code"] = to.StoreCode
	}
	if err := tx.Model(&model.Group{}).Where("chat_id = ?", it.ChatID).Updates(upd).Error; err != nil {
		return err
	}
	return tx.Model(&model.Handover{}).Where("id = ?", h.ID).Update("groups_succeeded", gorm.Expr("groups_succeeded + 1")).Error
}

// failGroup marks a pending group failed with the reason; the group keeps
// its owner and store.
func (s *Service) failGroup(tx *gorm.DB, it model.HandoverGroup, code int, reason string) error {
	res := tx.Model(&model.HandoverGroup{}).Where("id = ? AND status = ?", it.ID, model.ItemPending).
		Updates(map[string]any{"status": model.ItemFailed, "err_code": code, "reason": reason, "done_at": s.opt.Now().UTC()})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	return tx.Model(&model.Handover{}).Where("id = ?", it.HandoverID).Update("groups_failed", gorm.Expr("groups_failed + 1")).Error
}

// groupRefusal says in Chinese why WeCom did not hand a group over.
func groupRefusal(code int) string {
	switch code {
	case wx.GroupOwnerNotLeft:
		return "群主并未离职，离职继承不适用（请用在职继承）"
	case wx.GroupNotCustomerGroup:
		return "该群不是客户群（或已解散）"
	case wx.GroupOwnerLeft:
		return "群主已经离职，在职继承不适用"
	case wx.GroupTakerFull:
		return "新群主的客户群数已达上限"
	case wx.GroupInTransfer:
		return "该离职群正在继承处理中"
	case wx.GroupAlreadyInherited:
		return "该离职群已经被继承"
	}
	return fmt.Sprintf("企业微信拒绝转接该群（错误码 %d）", code)
}
