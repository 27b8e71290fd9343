package materials

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// Save creates m (ID 0) or updates it, with up as the content of an
// uploaded type (required on create, optional on update: nil keeps the
// content). The row and its content are written together, so a refused
// upload stores nothing. Errors: EINVALID with what is wrong (size, type,
// missing fields), ErrMaterialNotFound, the database's.
func (s *Service) Save(ctx context.Context, m model.Material, up *Upload) (model.Material, error) {
	if err := validate(&m); err != nil {
		return m, err
	}
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		if m.ID != 0 {
			var old model.Material
			if err := store.ForUpdate(tx).Take(&old, m.ID).Error; err != nil {
				return store.NotFound(err, model.ErrMaterialNotFound)
			}
			if old.Type != m.Type {
				return model.Errorf(model.EINVALID, "type: 素材类型不能修改（原为 %s）", old.Type)
			}
			m.CreatedAt = old.CreatedAt
			if up == nil {
				m.FileName, m.ContentType, m.Size, m.SHA256 = old.FileName, old.ContentType, old.Size, old.SHA256
			}
		}
		if Uploaded(m.Type) && (m.ID == 0 || up != nil) {
			if err := checkUpload(&m, up); err != nil {
				return err
			}
		}
		enabled := m.Enabled // a create turns false into the column's default (on)
		if err := tx.Save(&m).Error; err != nil {
			return err
		}
		if !enabled {
			if err := tx.Model(&m).Update("enabled", false).Error; err != nil {
				return err
			}
		}
		if Uploaded(m.Type) && up != nil {
			return tx.Save(&model.MaterialContent{MaterialID: m.ID, Data: up.Data}).Error
		}
		return nil
	})
	fill(&m)
	return m, err
}

// Delete removes the material and its content (usage stays for reports).
// Errors: ErrMaterialNotFound, the database's.
func (s *Service) Delete(ctx context.Context, id int64) error {
	return s.st.Tx(ctx, func(tx *gorm.DB) error {
		res := tx.Delete(&model.Material{}, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return model.ErrMaterialNotFound
		}
		return tx.Delete(&model.MaterialContent{}, "material_id = ?", id).Error
	})
}

// Get returns one material. Errors: ErrMaterialNotFound, the database's.
func (s *Service) Get(ctx context.Context, id int64) (model.Material, error) {
	var m model.Material
	err := s.db.WithContext(ctx).Take(&m, id).Error
	fill(&m)
	return m, store.NotFound(err, model.ErrMaterialNotFound)
}

// Query filters List: Q searches title, description and tags; StoreCode
// keeps materials open to that store; EnabledOnly hides those switched off.
type Query struct {
	Q, Group, Type, StoreCode string
	EnabledOnly               bool
	Limit, Offset             int
}

// List returns the materials matching q, newest first. Errors: the database's.
func (s *Service) List(ctx context.Context, q Query) ([]model.Material, error) {
	db := s.db.WithContext(ctx).Model(&model.Material{})
	if q.Q = strings.TrimSpace(q.Q); q.Q != "" {
		like := "%" + q.Q + "%"
		db = db.Where("title LIKE ? OR description LIKE ? OR tags LIKE ?", like, like, like)
	}
	if q.Group != "" {
		db = db.Where("group_name = ?", q.Group)
	}
	if q.Type != "" {
		db = db.Where("type = ?", q.Type)
	}
	if q.EnabledOnly {
		db = db.Where("enabled = ?", true)
	}
	if q.StoreCode != "" {
		db = db.Where("store_codes = '' OR store_codes = ? OR store_codes LIKE ? OR store_codes LIKE ? OR store_codes LIKE ?",
			q.StoreCode, q.StoreCode+",%", "%,"+q.StoreCode, "%,"+q.StoreCode+",%")
	}
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 100
	}
	out := []model.Material{}
	err := db.Order("id DESC").Limit(q.Limit).Offset(max(q.Offset, 0)).Find(&out).Error
	for i := range out {
		fill(&out[i])
	}
	return out, err
}

// Content returns an uploaded material's bytes and content type, for
// previews. Errors: ErrMaterialNotFound, the database's.
func (s *Service) Content(ctx context.Context, id int64) ([]byte, string, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return nil, "", err
	}
	var c model.MaterialContent
	err = s.db.WithContext(ctx).Take(&c, "material_id = ?", id).Error
	return c.Data, m.ContentType, store.NotFound(err, model.ErrMaterialNotFound)
}
