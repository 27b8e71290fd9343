package members

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/store"
)

// memberOwned lists the tables whose rows simply follow their member into
// a merge (UPDATE … SET member_id = survivor). member_tags and check_ins
// have unique keys per member and are merged row by row; loyalty moves its
// own rows (loyalty.MergeMember). Features that add tables owning
// per-member rows add them here or to their own package's merge.
var memberOwned = []string{"identities", "member_events", "guide_relations"}

// MergeResult is what MergeByUnionID did.
type MergeResult struct {
	SurvivorID int64 // the member who now holds the unionid
	MergedID   int64 // the member merged into it, 0 when none
	// Conflict is set when the member already holds a different unionid:
	// nothing was changed.
	Conflict bool
}

// MergeByUnionID records that the member (an Official Account follower or a
// WeCom contact) has unionID, and when another member already holds it,
// merges the two into the older one in one transaction: identities, tags,
// events, guide relations, check-ins and the points ledger move to the
// survivor; its points and growth are recomputed from the ledger; the other
// member is marked merged_into the survivor. It is idempotent (a merged
// member leads to its survivor) and safe when both sides arrive at once:
// both member rows are locked in id order and a lost race runs again.
// Errors: ErrMemberNotFound, EINVALID for an empty unionid, the database's.
func (s *Service) MergeByUnionID(ctx context.Context, memberID int64, unionID string) (MergeResult, error) {
	var res MergeResult
	unionID = strings.TrimSpace(unionID)
	if unionID == "" || len(unionID) > 64 {
		return res, model.Errorf(model.EINVALID, "unionid %q: want 1-64 characters", unionID)
	}
	err := s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		res = MergeResult{}
		m, err := currentMember(tx, memberID)
		if err != nil {
			return err
		}
		res.SurvivorID = m.ID
		if m.UnionID != nil {
			res.Conflict = *m.UnionID != unionID
			return nil // already recorded (or a different person): nothing to do
		}
		var other model.Member
		err = tx.Where("union_id = ? AND id <> ?", unionID, m.ID).Take(&other).Error
		if err != nil {
			return store.NotFound(err, claimUnionID(tx, m.ID, unionID))
		}
		survivor, loser, err := lockPair(tx, m.ID, other.ID, unionID)
		if err != nil {
			return err
		}
		res.SurvivorID, res.MergedID = survivor.ID, loser.ID
		return s.merge(tx, survivor, loser, unionID)
	})
	return res, err
}

// currentMember returns the member, following merges to the survivor.
func currentMember(tx *gorm.DB, id int64) (model.Member, error) {
	var m model.Member
	for range 5 {
		m = model.Member{} // Take adds a set primary key to its conditions
		if err := tx.Take(&m, id).Error; err != nil {
			return m, store.NotFound(err, model.ErrMemberNotFound)
		}
		if m.MergedInto == nil {
			return m, nil
		}
		id = *m.MergedInto
	}
	return m, fmt.Errorf("member %d: merge chain too long", id)
}

// claimUnionID gives the unionid to a member who has none. Losing to a
// concurrent claim (the unique index) runs the transaction again, which
// then merges.
func claimUnionID(tx *gorm.DB, id int64, unionID string) error {
	res := tx.Model(&model.Member{}).Where("id = ? AND union_id IS NULL AND merged_into IS NULL", id).Update("union_id", unionID)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return store.ErrRaced
	}
	return nil
}

// lockPair locks both members in id order, checks nothing changed since
// they were read, and returns the older one first.
func lockPair(tx *gorm.DB, a, b int64, unionID string) (older, newer model.Member, err error) {
	lo, hi := min(a, b), max(a, b)
	if older, err = store.LockMember(tx, lo); err != nil {
		return older, newer, err
	}
	if newer, err = store.LockMember(tx, hi); err != nil {
		return older, newer, err
	}
	holds := func(m model.Member) bool { return m.UnionID != nil && *m.UnionID == unionID }
	other := func(m model.Member) bool { return m.UnionID != nil && *m.UnionID != unionID }
	if !(holds(older) || holds(newer)) || other(older) || other(newer) {
		return older, newer, store.ErrRaced // the unionid moved, or one side got another: start again
	}
	return older, newer, nil
}

// merge moves everything of loser to survivor and retires loser.
func (s *Service) merge(tx *gorm.DB, survivor, loser model.Member, unionID string) error {
	if err := mergeMonthlyCoupons(tx, survivor.ID, loser.ID); err != nil {
		return err
	}
	for _, table := range memberOwned {
		if err := tx.Table(table).Where("member_id = ?", loser.ID).Update("member_id", survivor.ID).Error; err != nil {
			return fmt.Errorf("merge %s: %w", table, err)
		}
	}
	if err := mergeTags(tx, survivor.ID, loser.ID); err != nil {
		return err
	}
	// The unique index allows one holder: clear the loser's first.
	if err := tx.Model(&model.Member{}).Where("id = ?", loser.ID).Updates(map[string]any{
		"union_id": nil, "merged_into": survivor.ID, "points": 0, "growth": 0, "subscribed": false,
	}).Error; err != nil {
		return err
	}
	upd := mergedColumns(survivor, loser)
	upd["union_id"] = unionID
	if err := tx.Model(&model.Member{}).Where("id = ?", survivor.ID).Updates(upd).Error; err != nil {
		return err
	}
	if err := loyalty.MergeMember(tx, survivor.ID, loser.ID); err != nil {
		return err
	}
	if err := outbox.Record(tx, outbox.Event{Kind: outbox.KindMemberMerged, Payload: outbox.Merged{SurvivorID: survivor.ID, MergedID: loser.ID}}); err != nil {
		return err
	}
	return tx.Create(&model.MemberEvent{MemberID: survivor.ID, Kind: model.EventMerge, CreatedAt: s.now().UTC(),
		Detail: fmt.Sprintf("合并会员 #%d (unionid)", loser.ID)}).Error
}

// mergeMonthlyCoupons keeps one usable level coupon per month and
// template when both sides were given it (keys
// level_monthly:<member>:<month>:<template>): the loser's becomes expired,
// or, when either was redeemed already, every unredeemed one of the month.
// A loser's coupon of a month the survivor has none of takes the
// survivor's key, so the month's issue re-run gives no second one.
func mergeMonthlyCoupons(tx *gorm.DB, survivorID, loserID int64) error {
	var rows []model.Coupon
	if err := tx.Select("id, member_id, status, issue_key").Where("member_id IN ? AND source = ?",
		[]int64{survivorID, loserID}, model.SourceLevelMonthly).Order("id").Find(&rows).Error; err != nil {
		return fmt.Errorf("merge monthly coupons: %w", err)
	}
	slots := map[string][]model.Coupon{} // month:template → coupons
	for _, c := range rows {
		parts := strings.Split(c.IssueKey, ":")
		if len(parts) != 4 {
			continue
		}
		slot := parts[2] + ":" + parts[3]
		slots[slot] = append(slots[slot], c)
	}
	for slot, cs := range slots {
		survivorHas, redeemed := false, false
		for _, c := range cs {
			survivorHas = survivorHas || c.MemberID == survivorID
			redeemed = redeemed || c.Status == model.CouponRedeemed
		}
		for _, c := range cs {
			q := tx.Model(&model.Coupon{}).Where("id = ?", c.ID)
			var err error
			switch {
			case !survivorHas:
				err = q.Update("issue_key", fmt.Sprintf("level_monthly:%d:%s", survivorID, slot)).Error
			case c.Status == model.CouponIssued && (redeemed || c.MemberID == loserID):
				err = q.Where("status = ?", model.CouponIssued).Update("status", model.CouponExpired).Error
			}
			if err != nil {
				return fmt.Errorf("merge monthly coupon %d: %w", c.ID, err)
			}
		}
	}
	return nil
}

// mergedColumns fills the survivor's profile from the loser where it has
// none, and keeps the later check-in streak and activity.
func mergedColumns(s, l model.Member) map[string]any {
	upd := map[string]any{"subscribed": s.Subscribed || l.Subscribed}
	fill := func(col, cur, from string) {
		if cur == "" && from != "" {
			upd[col] = from
		}
	}
	fill("nickname", s.Nickname, l.Nickname)
	fill("avatar", s.Avatar, l.Avatar)
	fill("first_scene", s.FirstScene, l.FirstScene)
	fill("guide_user_id", s.GuideUserID, l.GuideUserID)
	fill("store_code", s.StoreCode, l.StoreCode)
	fill("level", s.Level, l.Level)
	if l.LastCheckinDay > s.LastCheckinDay || (l.LastCheckinDay == s.LastCheckinDay && l.CheckinStreak > s.CheckinStreak) {
		upd["last_checkin_day"], upd["checkin_streak"] = l.LastCheckinDay, l.CheckinStreak
	}
	if l.LastActiveAt != nil && (s.LastActiveAt == nil || l.LastActiveAt.After(*s.LastActiveAt)) {
		upd["last_active_at"] = *l.LastActiveAt
	}
	return upd
}

// mergeTags gives the survivor the loser's tags (once per tag and source).
func mergeTags(tx *gorm.DB, survivor, loser int64) error {
	var rows []model.MemberTag
	if err := tx.Where("member_id = ?", loser).Find(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		moved := model.MemberTag{MemberID: survivor, TagID: r.TagID, Source: r.Source, CreatedAt: r.CreatedAt}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&moved).Error; err != nil {
			return err
		}
	}
	return tx.Where("member_id = ?", loser).Delete(&model.MemberTag{}).Error
}
