package handover

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// confirm moves a customer WeCom handed over: the old relation ends (by
// transfer, not churn), the new guide's begins, the member's bound guide
// and (unless kept) store follow, open HQ-task items go to the new guide,
// and the timeline says so. Points, tags, coupons and history are not
// touched. A confirmed item is confirmed once.
func (s *Service) confirm(tx *gorm.DB, h model.Handover, it model.HandoverItem) error {
	now := s.opt.Now().UTC()
	res := tx.Model(&model.HandoverItem{}).Where("id = ? AND status = ?", it.ID, model.ItemWaiting).
		Updates(map[string]any{"status": model.ItemSucceeded, "done_at": now})
	if res.Error != nil || res.RowsAffected == 0 {
		return res.Error
	}
	m, err := store.LockMember(tx, it.MemberID)
	if err != nil {
		return err
	}
	var to model.Guide
	if err := tx.Where("user_id = ?", it.ToUserID).Take(&to).Error; err != nil {
		return store.NotFound(err, model.ErrGuideNotFound)
	}
	if err := moveRelation(tx, it, now); err != nil {
		return err
	}
	upd := map[string]any{}
	if m.GuideUserID == it.FromUserID || m.GuideUserID == "" {
		upd["guide_user_id"] = to.UserID
	}
	if h.MoveStore && to.StoreCode != "" && to.StoreCode != m.StoreCode {
		upd["store_code"] = to.StoreCode
	}
	if len(upd) > 0 {
		if err := tx.Model(&model.Member{}).Where("id = ?", m.ID).Updates(upd).Error; err != nil {
			return err
		}
	}
	moved, err := moveOpenItems(tx, m.ID, it.FromUserID, to)
	if err != nil {
		return err
	}
	ev := model.MemberEvent{MemberID: m.ID, Kind: model.EventHandover, CreatedAt: now,
		Detail: fmt.Sprintf("导购交接：%s → %s（交接单 %d，待办 %d 项随之转移）", it.FromUserID, to.UserID, h.ID, moved)}
	if err := tx.Create(&ev).Error; err != nil {
		return err
	}
	if err := tx.Model(&model.HandoverItem{}).Where("id = ?", it.ID).Update("open_items_moved", moved).Error; err != nil {
		return err
	}
	return tx.Model(&model.Handover{}).Where("id = ?", h.ID).Update("succeeded", gorm.Expr("succeeded + 1")).Error
}

// moveRelation ends the old guide's active relation (by transfer) and
// starts the new guide's, unless it is active already.
func moveRelation(tx *gorm.DB, it model.HandoverItem, now time.Time) error {
	var old model.GuideRelation
	err := store.ForUpdate(tx).Where("guide_user_id = ? AND external_user_id = ? AND active_key IS NOT NULL", it.FromUserID, it.ExternalUserID).
		Take(&old).Error
	found, err := store.Found(err)
	if err != nil {
		return err
	}
	corp := ""
	if found {
		corp = old.CorpID
		if err := tx.Model(&old).Updates(map[string]any{"ended_at": now, "ended_by": model.EndedByTransfer, "active_key": nil}).Error; err != nil {
			return err
		}
	}
	key := activeKey(corp, it.ToUserID, it.ExternalUserID)
	var n int64
	if err := tx.Model(&model.GuideRelation{}).Where("active_key = ?", key).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	rel := model.GuideRelation{MemberID: it.MemberID, CorpID: corp, GuideUserID: it.ToUserID, ExternalUserID: it.ExternalUserID,
		State: "handover", AddedAt: &now, ActiveKey: &key, EventKey: fmt.Sprintf("handover:%d", it.ID)}
	return tx.Create(&rel).Error
}

// moveOpenItems gives the member's open HQ-task items of the old guide to
// the new one (with a guide task row for each task) and returns how many.
func moveOpenItems(tx *gorm.DB, memberID int64, from string, to model.Guide) (int, error) {
	var items []model.TaskItem
	if err := tx.Where("member_id = ? AND guide_user_id = ? AND status = ?", memberID, from, model.ItemOpen).Find(&items).Error; err != nil {
		return 0, err
	}
	for _, ti := range items {
		gt := model.GuideTask{TaskID: ti.TaskID, GuideUserID: to.UserID, StoreCode: to.StoreCode}
		if err := tx.Where("task_id = ? AND guide_user_id = ?", ti.TaskID, to.UserID).FirstOrCreate(&gt).Error; err != nil {
			return 0, err
		}
		if err := tx.Model(&model.TaskItem{}).Where("id = ?", ti.ID).
			Updates(map[string]any{"guide_user_id": to.UserID, "store_code": to.StoreCode}).Error; err != nil {
			return 0, err
		}
	}
	return len(items), nil
}

// activeKey is the members package's key of an active relation: corp,
// guide and customer, hashed when longer than the column.
func activeKey(corpID, guide, external string) string {
	k := corpID + "|" + guide + "|" + external
	if len(k) <= 191 {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return "h:" + hex.EncodeToString(sum[:])
}
