package loyalty

import (
	"context"
	"net/http"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// SetRewardImage stores data as the picture of reward id, replacing any
// earlier one. The type is sniffed from the bytes, not trusted from the
// upload. Errors: ErrRewardNotFound; EINVALID for an empty file or one
// that is not PNG, JPEG, WebP or GIF; "too_large" (413) over
// model.MaxRewardImageBytes.
func (s *Service) SetRewardImage(ctx context.Context, id int64, data []byte) (model.RewardImage, error) {
	img := model.RewardImage{RewardID: id, Data: data, UpdatedAt: s.now().UTC()}
	if len(data) == 0 {
		return img, model.Errorf(model.EINVALID, "图片为空：请选择 PNG、JPEG、WebP 或 GIF 文件")
	}
	if len(data) > model.MaxRewardImageBytes {
		return img, model.Errorf("too_large", "图片 %d KB，超过上限 %d KB", (len(data)+1023)/1024, model.MaxRewardImageBytes/1024)
	}
	img.ContentType = http.DetectContentType(data)
	if !slices.Contains(model.RewardImageTypes, img.ContentType) {
		return img, model.Errorf(model.EINVALID, "图片格式 %s 不支持：请上传 PNG、JPEG、WebP 或 GIF", img.ContentType)
	}
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		var r model.Reward
		if err := tx.Select("id").Take(&r, id).Error; err != nil {
			return store.NotFound(err, model.ErrRewardNotFound)
		}
		return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&img).Error
	})
	return img, err
}

// RewardImage returns the picture of reward id. Errors: ENOTFOUND when
// the reward has none.
func (s *Service) RewardImage(ctx context.Context, id int64) (model.RewardImage, error) {
	var img model.RewardImage
	err := s.db.WithContext(ctx).Where("reward_id = ?", id).Take(&img).Error
	return img, store.NotFound(err, model.Errorf(model.ENOTFOUND, "奖品 %d 没有图片", id))
}

// RewardImageTimes returns when each reward with a picture last changed
// it (for cache-busting image URLs). Errors: the database's.
func (s *Service) RewardImageTimes(ctx context.Context) (map[int64]time.Time, error) {
	var rows []model.RewardImage
	if err := s.db.WithContext(ctx).Select("reward_id", "updated_at").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[int64]time.Time, len(rows))
	for _, r := range rows {
		out[r.RewardID] = r.UpdatedAt
	}
	return out, nil
}
