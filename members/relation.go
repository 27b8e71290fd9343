package members

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// maxKey is the longest unique key MySQL indexes in utf8mb4.
const maxKey = 191

// activeKey identifies the active relation of a guide and a customer.
func activeKey(corpID, guide, external string) string {
	return shortKey(corpID + "|" + guide + "|" + external)
}

// eventKey identifies the event that created a relation row: an add ("a")
// or a delete whose add was never seen ("d"), at a time.
func eventKey(corpID, guide, external, kind string, at time.Time) string {
	return shortKey(fmt.Sprintf("%s|%s|%s|%s%d", corpID, guide, external, kind, at.Unix()))
}

func shortKey(k string) string {
	if len(k) <= maxKey {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return "h:" + hex.EncodeToString(sum[:])
}

// relationRows returns the pair's relation history, locked, oldest first.
func relationRows(tx *gorm.DB, corpID, guide, external string) ([]model.GuideRelation, error) {
	var rows []model.GuideRelation
	err := store.ForUpdate(tx.Where("corp_id = ? AND guide_user_id = ? AND external_user_id = ?", corpID, guide, external)).
		Order("id").Find(&rows).Error
	return rows, err
}

// openRelation starts the relation of an add event, unless the history
// already has it (a replay) or knows something newer (a stale add). A
// newer add while a relation still looks active means its delete was never
// delivered: the relation is restarted at the new time. An add whose delete
// arrived first fills in that ended row.
func openRelation(tx *gorm.DB, memberID int64, a WeComArrival) (model.GuideRelation, bool, error) {
	rows, err := relationRows(tx, a.CorpID, a.GuideUserID, a.ExternalUserID)
	if err != nil {
		return model.GuideRelation{}, false, err
	}
	for _, r := range rows {
		if r.Active() {
			if r.AddedAt != nil && !r.AddedAt.Before(a.At) {
				return r, false, nil
			}
			r.AddedAt, r.State, r.MemberID = &a.At, a.State, memberID
			err := tx.Model(&r).Updates(map[string]any{"added_at": a.At, "state": a.State, "member_id": memberID}).Error
			return r, err == nil, err
		}
	}
	for _, r := range rows {
		if r.AddedAt == nil && r.EndedAt != nil && !r.EndedAt.Before(a.At) {
			// The delete came first: this is the add it ended. Complete the
			// history; the arrival itself still counts (scene, attribution).
			r.AddedAt, r.State = &a.At, a.State
			err := tx.Model(&r).Updates(map[string]any{"added_at": a.At, "state": a.State}).Error
			return r, err == nil, err
		}
		if (r.AddedAt != nil && !r.AddedAt.Before(a.At)) || (r.EndedAt != nil && !r.EndedAt.Before(a.At)) {
			return r, false, nil
		}
	}
	key := activeKey(a.CorpID, a.GuideUserID, a.ExternalUserID)
	r := model.GuideRelation{
		MemberID: memberID, CorpID: a.CorpID, GuideUserID: a.GuideUserID, ExternalUserID: a.ExternalUserID,
		State: a.State, AddedAt: &a.At, ActiveKey: &key,
		EventKey: eventKey(a.CorpID, a.GuideUserID, a.ExternalUserID, "a", a.At),
	}
	if err := tx.Create(&r).Error; err != nil {
		return r, false, err // a duplicate is a concurrent replay: the transaction runs again
	}
	return r, true, nil
}

// WeComDeparture is a deletion between a guide and a customer: By is
// model.EndedByGuide (del_external_contact), EndedByCustomer
// (del_follow_user) or EndedByTransfer.
type WeComDeparture struct {
	CorpID, GuideUserID, ExternalUserID string
	At                                  time.Time
	By                                  string
}

// WeComDepartureResult is what EndWeComRelation did.
type WeComDepartureResult struct {
	Member   model.Member
	Relation model.GuideRelation
	// Ended is true when this event ended the relation, in this call or an
	// earlier run of the same event; false for a stale delete (the pair was
	// added again after it).
	Ended bool
	// Changed is true when this call wrote the end (and the churn event).
	Changed bool
}

// EndWeComRelation ends the active relation of the pair, recording who
// ended it and when, and records a churn event on the member (not for a
// transfer). A delete with no relation on record (its add came before Siyu,
// or has not arrived yet) is kept as an ended row, so a late add of the same
// relation is recognised as stale. Replays change nothing. Errors:
// EINVALID for an unknown By, and the database's.
func (s *Service) EndWeComRelation(ctx context.Context, d WeComDeparture) (WeComDepartureResult, error) {
	var res WeComDepartureResult
	switch d.By {
	case model.EndedByGuide, model.EndedByCustomer, model.EndedByTransfer:
	default:
		return res, model.Errorf(model.EINVALID, "ended by %q: want guide, customer or transfer", d.By)
	}
	d.At = eventTime(d.At, s.now)
	err := s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		res = WeComDepartureResult{}
		m, _, err := findOrCreateLocked(tx, model.PlatformWeCom, d.CorpID, d.ExternalUserID)
		if err != nil {
			return err
		}
		res.Member = m
		rel, ended, changed, err := closeRelation(tx, m.ID, d)
		res.Relation, res.Ended, res.Changed = rel, ended, changed
		if err != nil || !changed {
			return err
		}
		if m.GuideUserID == d.GuideUserID {
			if err := rebindGuide(tx, m.ID); err != nil {
				return err
			}
		}
		if d.By == model.EndedByTransfer {
			return nil
		}
		detail := fmt.Sprintf("企业微信: 导购 %s 删除了客户", d.GuideUserID)
		if d.By == model.EndedByCustomer {
			detail = fmt.Sprintf("企业微信: 客户删除了导购 %s", d.GuideUserID)
		}
		return tx.Create(&model.MemberEvent{MemberID: m.ID, Kind: model.EventWeComChurn, Detail: detail, CreatedAt: d.At}).Error
	})
	return res, err
}

// rebindGuide binds the member to the guide of their earliest remaining
// active relation, or to none, after the bound guide's relation ended: a
// guide no longer in touch must not keep getting the member's tasks and
// sidebar access through the binding.
func rebindGuide(tx *gorm.DB, memberID int64) error {
	var next []string
	if err := tx.Model(&model.GuideRelation{}).Where("member_id = ? AND active_key IS NOT NULL", memberID).
		Order("id").Limit(1).Pluck("guide_user_id", &next).Error; err != nil {
		return err
	}
	guide := ""
	if len(next) > 0 {
		guide = next[0]
	}
	return tx.Model(&model.Member{}).Where("id = ?", memberID).Update("guide_user_id", guide).Error
}

// closeRelation ends the pair's active relation at d.At, or records the
// delete as an ended row when none is active.
func closeRelation(tx *gorm.DB, memberID int64, d WeComDeparture) (rel model.GuideRelation, ended, changed bool, err error) {
	rows, err := relationRows(tx, d.CorpID, d.GuideUserID, d.ExternalUserID)
	if err != nil {
		return rel, false, false, err
	}
	for _, r := range rows {
		if r.Active() {
			if r.AddedAt != nil && r.AddedAt.After(d.At) {
				return r, false, false, nil // added again after this delete
			}
			r.EndedAt, r.EndedBy, r.ActiveKey = &d.At, d.By, nil
			err := tx.Model(&model.GuideRelation{}).Where("id = ?", r.ID).
				Updates(map[string]any{"ended_at": d.At, "ended_by": d.By, "active_key": nil}).Error
			return r, true, err == nil, err
		}
	}
	for _, r := range rows {
		if r.EndedAt != nil && r.EndedAt.Equal(d.At) && r.EndedBy == d.By {
			return r, true, false, nil // a replay
		}
		if r.AddedAt != nil && r.AddedAt.After(d.At) {
			return r, false, false, nil
		}
	}
	rel = model.GuideRelation{
		MemberID: memberID, CorpID: d.CorpID, GuideUserID: d.GuideUserID, ExternalUserID: d.ExternalUserID,
		EndedAt: &d.At, EndedBy: d.By, EventKey: eventKey(d.CorpID, d.GuideUserID, d.ExternalUserID, "d", d.At),
	}
	return rel, true, true, tx.Create(&rel).Error
}

// Relations returns the member's guide relations, active and ended, newest
// first. Errors: ErrMemberNotFound.
func (s *Service) Relations(ctx context.Context, memberID int64) ([]model.GuideRelation, error) {
	m, err := s.GetMember(ctx, memberID)
	if err != nil {
		return nil, err
	}
	out := []model.GuideRelation{}
	err = s.db.WithContext(ctx).Where("member_id = ?", m.ID).Order("id DESC").Find(&out).Error
	return out, err
}

// ActiveRelations returns the member's active guide relations, oldest first.
func (s *Service) ActiveRelations(ctx context.Context, memberID int64) ([]model.GuideRelation, error) {
	out := []model.GuideRelation{}
	err := s.db.WithContext(ctx).Where("member_id = ? AND active_key IS NOT NULL", memberID).Order("id").Find(&out).Error
	return out, err
}

// MemberByIdentity returns the member behind a platform identity.
// Errors: ErrMemberNotFound.
func (s *Service) MemberByIdentity(ctx context.Context, platform, appID, externalID string) (model.MemberView, error) {
	var id model.Identity
	err := s.db.WithContext(ctx).Where("platform = ? AND app_id = ? AND external_id = ?", platform, appID, externalID).Take(&id).Error
	if err != nil {
		return model.MemberView{}, store.NotFound(err, model.ErrMemberNotFound)
	}
	return s.GetMember(ctx, id.MemberID)
}

// GuideMaySee reports whether a guide may see and act on the member in the
// sidebar: the guide has an active relation with them, or the guide is a
// store manager and the member belongs to the store (bound to it, or in an
// active relation with one of its guides).
func (s *Service) GuideMaySee(ctx context.Context, g model.Guide, memberID int64) (bool, error) {
	db := s.db.WithContext(ctx)
	var n int64
	err := db.Model(&model.GuideRelation{}).
		Where("member_id = ? AND guide_user_id = ? AND active_key IS NOT NULL", memberID, g.UserID).Count(&n).Error
	if err != nil || n > 0 || g.Role != model.RoleStoreManager || g.StoreCode == "" {
		return n > 0, err
	}
	err = db.Model(&model.Member{}).Where("id = ? AND (store_code = ? OR id IN ("+
		"SELECT r.member_id FROM guide_relations r JOIN guides g ON g.user_id = r.guide_user_id "+
		"WHERE r.active_key IS NOT NULL AND g.store_code = ?))", memberID, g.StoreCode, g.StoreCode).Count(&n).Error
	return n > 0, err
}

// RecordGuideDeleted records on every member bound to the guide, or in an
// active relation with them in corp, that the guide was deleted from the
// WeCom address book at at (one member event each; a replay records
// nothing new). Bindings and relations stay as they are until a handover.
// It returns how many members it recorded it on. Errors: EINVALID for an
// empty userid, the database's.
func (s *Service) RecordGuideDeleted(ctx context.Context, corpID, guideUserID string, at time.Time) (int, error) {
	if guideUserID == "" {
		return 0, model.Errorf(model.EINVALID, "guide userid: want one")
	}
	at = eventTime(at, s.now)
	n := 0
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		n = 0
		var ids []int64
		err := tx.Model(&model.Member{}).Where("merged_into IS NULL AND (guide_user_id = ? OR id IN (?))", guideUserID,
			tx.Model(&model.GuideRelation{}).Select("member_id").
				Where("corp_id = ? AND guide_user_id = ? AND active_key IS NOT NULL", corpID, guideUserID)).
			Order("id").Pluck("id", &ids).Error
		if err != nil {
			return err
		}
		for _, id := range ids {
			var seen int64
			if err := tx.Model(&model.MemberEvent{}).Where("member_id = ? AND kind = ? AND created_at = ?", id, model.EventGuideDeleted, at).
				Count(&seen).Error; err != nil {
				return err
			} else if seen > 0 {
				continue // a replay
			}
			ev := model.MemberEvent{MemberID: id, Kind: model.EventGuideDeleted, CreatedAt: at,
				Detail: fmt.Sprintf("企业微信: 导购 %s 已从通讯录删除，待交接", guideUserID)}
			if err := tx.Create(&ev).Error; err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
