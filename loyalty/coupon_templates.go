package loyalty

import (
	"context"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// CreateCouponTemplate saves a new template. Errors: EINVALID.
func (s *Service) CreateCouponTemplate(ctx context.Context, t model.CouponTemplate) (model.CouponTemplate, error) {
	if err := t.Validate(); err != nil {
		return t, err
	}
	t.ID = 0
	return t, s.st.Tx(ctx, func(tx *gorm.DB) error { return tx.Create(&t).Error })
}

// UpdateCouponTemplate replaces a template's fields. Coupons already
// issued keep their title and validity. Errors: EINVALID,
// ErrCouponTemplateMissing.
func (s *Service) UpdateCouponTemplate(ctx context.Context, t model.CouponTemplate) (model.CouponTemplate, error) {
	if err := t.Validate(); err != nil {
		return t, err
	}
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		var cur model.CouponTemplate
		if err := tx.Take(&cur, t.ID).Error; err != nil {
			return store.NotFound(err, model.ErrCouponTemplateMissing)
		}
		t.CreatedAt = cur.CreatedAt
		return tx.Select("*").Omit("created_at").Updates(&t).Error
	})
	return t, err
}

// CouponTemplate returns one template. Errors: ErrCouponTemplateMissing.
func (s *Service) CouponTemplate(ctx context.Context, id int64) (model.CouponTemplate, error) {
	var t model.CouponTemplate
	err := s.db.WithContext(ctx).Take(&t, id).Error
	return t, store.NotFound(err, model.ErrCouponTemplateMissing)
}

// CouponTemplates returns every template, newest first.
// Errors: the database's.
func (s *Service) CouponTemplates(ctx context.Context) ([]model.CouponTemplate, error) {
	out := []model.CouponTemplate{}
	return out, s.db.WithContext(ctx).Order("id DESC").Find(&out).Error
}

// checkTemplates fails with EINVALID naming the first template id that
// does not exist.
func checkTemplates(tx *gorm.DB, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	var found []int64
	if err := tx.Model(&model.CouponTemplate{}).Where("id IN ?", ids).Pluck("id", &found).Error; err != nil {
		return err
	}
	have := map[int64]bool{}
	for _, id := range found {
		have[id] = true
	}
	for _, id := range ids {
		if !have[id] {
			return model.Errorf(model.EINVALID, "coupon template %d does not exist", id)
		}
	}
	return nil
}
