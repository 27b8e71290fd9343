package guides

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// GuideByUserID returns the guide or store manager with that WeCom userid
// and the name of their store. Errors: ENOTFOUND.
func (s *Service) GuideByUserID(ctx context.Context, userID string) (model.Guide, string, error) {
	var g model.Guide
	err := s.db.WithContext(ctx).Where("user_id = ?", userID).Take(&g).Error
	if err != nil {
		return g, "", store.NotFound(err, model.Errorf(model.ENOTFOUND, "guide %q not found", userID))
	}
	var st model.Store
	if g.StoreCode != "" {
		if err := s.db.WithContext(ctx).Where("code = ?", g.StoreCode).Take(&st).Error; err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return g, "", err
		}
	}
	return g, st.Name, nil
}

// StoreName returns the store's name, or "" for an unknown code.
func (s *Service) StoreName(ctx context.Context, code string) (string, error) {
	if code == "" {
		return "", nil
	}
	var st model.Store
	err := s.db.WithContext(ctx).Select("name").Where("code = ?", code).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	return st.Name, err
}
