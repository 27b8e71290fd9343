package guides

import (
	"context"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// ErrContactWayNotFound is returned for an unknown contact-way id.
var ErrContactWayNotFound = &model.Error{Code: model.ENOTFOUND, Message: "contact way not found"}

// SaveContactWay records a contact-way code created in WeCom. Errors:
// ECONFLICT for a config id recorded before, the database's.
func (s *Service) SaveContactWay(ctx context.Context, cw model.ContactWay) (model.ContactWay, error) {
	if cw.Guides == nil {
		cw.Guides = []string{}
	}
	err := s.db.WithContext(ctx).Create(&cw).Error
	if model.IsDuplicate(err) {
		return cw, model.Errorf(model.ECONFLICT, "contact way %s is already recorded", cw.ConfigID)
	}
	return cw, err
}

// ListContactWays returns the contact-way codes, newest first, optionally of
// one scene.
func (s *Service) ListContactWays(ctx context.Context, scene string) ([]model.ContactWay, error) {
	q := s.db.WithContext(ctx).Order("id DESC")
	if scene != "" {
		q = q.Where("scene = ?", scene)
	}
	out := []model.ContactWay{}
	err := q.Find(&out).Error
	return out, err
}

// GetContactWay returns one contact-way code. Errors: ErrContactWayNotFound.
func (s *Service) GetContactWay(ctx context.Context, id int64) (model.ContactWay, error) {
	var cw model.ContactWay
	err := s.db.WithContext(ctx).Take(&cw, id).Error
	return cw, store.NotFound(err, ErrContactWayNotFound)
}

// DeleteContactWay forgets a contact-way code. Errors: ErrContactWayNotFound.
func (s *Service) DeleteContactWay(ctx context.Context, id int64) error {
	res := s.db.WithContext(ctx).Delete(&model.ContactWay{}, id)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrContactWayNotFound
	}
	return nil
}

// SaveQRCode records an Official Account QR code created for a scene.
// Errors: the database's.
func (s *Service) SaveQRCode(ctx context.Context, qr model.QRCode) (model.QRCode, error) {
	err := s.db.WithContext(ctx).Create(&qr).Error
	return qr, err
}

// ListQRCodes returns the QR codes, newest first, optionally of one scene.
func (s *Service) ListQRCodes(ctx context.Context, scene string) ([]model.QRCode, error) {
	q := s.db.WithContext(ctx).Order("id DESC")
	if scene != "" {
		q = q.Where("scene = ?", scene)
	}
	out := []model.QRCode{}
	err := q.Find(&out).Error
	return out, err
}
