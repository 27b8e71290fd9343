package materials

import (
	"context"
	"time"

	"github.com/siyu/siyu/model"
)

// openTo reports whether a guide of storeCode may send m.
func openTo(m model.Material, storeCode string) bool {
	if !m.Enabled {
		return false
	}
	if len(m.StoreList) == 0 {
		return true
	}
	return contains(m.StoreList, storeCode)
}

// Send prepares the sendChatMessage payload of a material for a guide
// (uploading its content to WeCom first when needed) and records the use.
// The sidebar passes the payload to wx.invoke("sendChatMessage", …).
// Errors: ErrMaterialNotFound (also for one switched off or outside the
// guide's store), those of MediaID, the database's.
func (s *Service) Send(ctx context.Context, g model.Guide, id int64, externalUserID string) (map[string]any, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !openTo(m, g.StoreCode) {
		return nil, model.ErrMaterialNotFound
	}
	p := map[string]any{"msgtype": m.Type, "enterChat": true}
	switch m.Type {
	case model.MaterialLink:
		p["msgtype"] = "news"
		p["news"] = map[string]string{"link": m.URL, "title": m.Title, "desc": m.Description, "imgUrl": m.CoverURL}
	case model.MaterialMiniProgram:
		p["miniprogram"] = map[string]string{"appid": m.AppID, "title": m.Title, "imgUrl": m.CoverURL, "page": m.Page}
	default:
		mid, err := s.MediaID(ctx, m)
		if err != nil {
			return nil, err
		}
		p[m.Type] = map[string]string{"mediaid": mid}
	}
	use := model.MaterialUsage{MaterialID: m.ID, GuideUserID: g.UserID, StoreCode: g.StoreCode,
		ExternalUserID: externalUserID, CreatedAt: s.now().UTC()}
	if err := s.db.WithContext(ctx).Create(&use).Error; err != nil {
		return nil, err
	}
	return p, nil
}

// UsageRow is how often a material was sent by a guide of a store.
type UsageRow struct {
	MaterialID  int64  `json:"material_id"`
	Title       string `json:"title"`
	GuideUserID string `json:"guide_userid"`
	StoreCode   string `json:"store_code"`
	Sends       int64  `json:"sends"`
	Customers   int64  `json:"customers"`
}

// Usage returns sends per material, guide and store in [from, to), most
// sent first; zero times leave that end open. Errors: the database's.
func (s *Service) Usage(ctx context.Context, from, to time.Time, storeCode string) ([]UsageRow, error) {
	return s.usage(ctx, 0, from, to, storeCode)
}

// MaterialUsage is one material's sends per guide and store in [from,
// to). Errors: ErrMaterialNotFound (a deleted material's rows stay in
// Usage), the database's.
func (s *Service) MaterialUsage(ctx context.Context, id int64, from, to time.Time, storeCode string) ([]UsageRow, error) {
	if _, err := s.Get(ctx, id); err != nil {
		return nil, err
	}
	return s.usage(ctx, id, from, to, storeCode)
}

func (s *Service) usage(ctx context.Context, materialID int64, from, to time.Time, storeCode string) ([]UsageRow, error) {
	q := s.db.WithContext(ctx).Table("material_usages u").
		Select("u.material_id, COALESCE(m.title, '') AS title, u.guide_user_id, u.store_code, COUNT(*) AS sends, COUNT(DISTINCT NULLIF(u.external_user_id, '')) AS customers").
		Joins("LEFT JOIN materials m ON m.id = u.material_id")
	if !from.IsZero() {
		q = q.Where("u.created_at >= ?", from.UTC())
	}
	if !to.IsZero() {
		q = q.Where("u.created_at < ?", to.UTC())
	}
	if storeCode != "" {
		q = q.Where("u.store_code = ?", storeCode)
	}
	if materialID != 0 {
		q = q.Where("u.material_id = ?", materialID)
	}
	out := []UsageRow{}
	err := q.Group("u.material_id, m.title, u.guide_user_id, u.store_code").Order("sends DESC, u.material_id").Scan(&out).Error
	return out, err
}

// ContentFor returns an uploaded material's bytes for a guide's preview.
// Errors: ErrMaterialNotFound (also for one switched off or outside the
// guide's store), the database's.
func (s *Service) ContentFor(ctx context.Context, g model.Guide, id int64) ([]byte, string, error) {
	m, err := s.Get(ctx, id)
	if err != nil {
		return nil, "", err
	}
	if !openTo(m, g.StoreCode) || !Uploaded(m.Type) {
		return nil, "", model.ErrMaterialNotFound
	}
	return s.Content(ctx, id)
}
