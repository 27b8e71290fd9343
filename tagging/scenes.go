package tagging

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// SaveScene creates or updates the scene named sc.Scene. created reports
// which. Errors: EINVALID from validation.
func (s *Service) SaveScene(ctx context.Context, sc model.Scene) (saved model.Scene, created bool, err error) {
	if err := sc.Validate(); err != nil {
		return sc, false, err
	}
	if sc.Tags == nil {
		sc.Tags = []string{}
	}
	err = s.st.Tx(ctx, func(tx *gorm.DB) error {
		var cur model.Scene
		err := tx.Where("scene = ?", sc.Scene).Take(&cur).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			created = true
			if err := tx.Create(&sc).Error; err != nil {
				if model.IsDuplicate(err) { // created concurrently: update instead
					return model.Errorf(model.ECONFLICT, "scene %q is being created by another request; retry", sc.Scene)
				}
				return err
			}
			saved = sc
			return nil
		} else if err != nil {
			return err
		}
		sc.ID, sc.CreatedAt = cur.ID, cur.CreatedAt
		if err := tx.Select("*").Omit("created_at").Updates(&sc).Error; err != nil {
			return err
		}
		saved = sc
		return nil
	})
	return saved, created, err
}

// GetScene returns the scene by name. Errors: model.ErrSceneNotFound.
func (s *Service) GetScene(ctx context.Context, name string) (model.Scene, error) {
	var sc model.Scene
	err := s.db.WithContext(ctx).Where("scene = ?", name).Take(&sc).Error
	return sc, store.NotFound(err, model.ErrSceneNotFound)
}

// ListScenes returns all scenes by name.
func (s *Service) ListScenes(ctx context.Context) ([]model.Scene, error) {
	out := []model.Scene{}
	err := s.db.WithContext(ctx).Order("scene").Find(&out).Error
	return out, err
}

// DeleteScene removes a scene; members keep the tags and attribution it
// gave them. Errors: model.ErrSceneNotFound.
func (s *Service) DeleteScene(ctx context.Context, name string) error {
	res := s.db.WithContext(ctx).Where("scene = ?", name).Delete(&model.Scene{})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return model.ErrSceneNotFound
	}
	return nil
}
