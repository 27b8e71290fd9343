package loyalty

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// GuideCouponTemplates returns the active templates guides may issue from
// the sidebar, each with what the guide has left of today's quota.
func (s *Service) GuideCouponTemplates(ctx context.Context, guideUserID string) ([]GuideTemplate, error) {
	var ts []model.CouponTemplate
	if err := s.db.WithContext(ctx).Where("active = ? AND guide_daily_quota > 0", true).Order("id").Find(&ts).Error; err != nil {
		return nil, err
	}
	var used []model.GuideCouponQuota
	if err := s.db.WithContext(ctx).Where("guide_user_id = ? AND day = ?", guideUserID, s.BusinessDay(s.now())).Find(&used).Error; err != nil {
		return nil, err
	}
	byTemplate := map[int64]int64{}
	for _, u := range used {
		byTemplate[u.TemplateID] = u.Used
	}
	out := make([]GuideTemplate, 0, len(ts))
	for _, t := range ts {
		out = append(out, GuideTemplate{CouponTemplate: t, LeftToday: max(t.GuideDailyQuota-byTemplate[t.ID], 0)})
	}
	return out, nil
}

// GuideTemplate is a template a guide may issue and today's remaining quota.
type GuideTemplate struct {
	model.CouponTemplate
	LeftToday int64 `json:"left_today"`
}

// IssueCouponByGuide gives the member one coupon of the template on the
// guide's behalf, within the template's per-guide daily quota: the quota
// counter's guarded update, the coupon and its idempotency key
// (guide:<guide>:<request id>) commit together, so a retried request
// returns the same coupon (replay true) and uses no more quota. Errors:
// EINVALID, EFORBIDDEN for a template guides may not issue, ECONFLICT for
// a request id used before for another customer or template,
// ErrCouponTemplateMissing, model.ErrGuideQuotaUsed, ErrMemberNotFound.
func (s *Service) IssueCouponByGuide(ctx context.Context, templateID, memberID int64, guideUserID, requestID string) (c model.Coupon, replay bool, err error) {
	if !model.ValidOrderNo(requestID) {
		return c, false, model.Errorf(model.EINVALID, "request_id %q: want 1-64 letters, digits or _-.:#/", requestID)
	}
	key := fmt.Sprintf("guide:%s:%s", guideUserID, requestID)
	day := s.BusinessDay(s.now())
	err = s.st.Tx(ctx, func(tx *gorm.DB) error {
		if _, err := store.LockMember(tx, memberID); err != nil {
			return err
		}
		var prev model.Coupon
		if err := tx.Where("issue_key = ?", key).Take(&prev).Error; err == nil {
			if prev.MemberID != memberID || prev.TemplateID != templateID {
				return model.Errorf(model.ECONFLICT, "request_id %q was used for another customer or coupon", requestID)
			}
			c, replay = prev, true
			return nil
		} else if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		var t model.CouponTemplate
		if err := tx.Take(&t, templateID).Error; err != nil {
			return store.NotFound(err, model.Detail(model.ErrCouponTemplateMissing, "coupon template %d not found", templateID))
		}
		if t.GuideDailyQuota <= 0 {
			return model.Errorf(model.EFORBIDDEN, "coupon template %d is not open to guides", templateID)
		}
		q := model.GuideCouponQuota{GuideUserID: guideUserID, TemplateID: templateID, Day: day}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&q).Error; err != nil {
			return err
		}
		res := tx.Model(&model.GuideCouponQuota{}).
			Where("guide_user_id = ? AND template_id = ? AND day = ? AND used < ?", guideUserID, templateID, day, t.GuideDailyQuota).
			Update("used", gorm.Expr("used + 1"))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return model.ErrGuideQuotaUsed
		}
		var err error
		c, _, err = s.issueCoupon(tx, templateID, memberID, "guide", key)
		return err
	})
	return c, replay, err
}
