package tagging

import (
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
)

// ensureTags returns the ids of the named tags, creating missing ones.
func ensureTags(tx *gorm.DB, names []string) ([]int64, error) {
	if len(names) == 0 {
		return nil, nil
	}
	rows := make([]model.Tag, len(names))
	for i, n := range names {
		rows[i] = model.Tag{Name: n}
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error; err != nil {
		return nil, err
	}
	var ids []int64
	err := tx.Model(&model.Tag{}).Where("name IN ?", names).Pluck("id", &ids).Error
	return ids, err
}

// addTags puts the named tags on the member from source; tags it already
// has from that source are left alone.
func addTags(tx *gorm.DB, memberID int64, names []string, source string) error {
	ids, err := ensureTags(tx, names)
	if err != nil || len(ids) == 0 {
		return err
	}
	rows := make([]model.MemberTag, len(ids))
	for i, id := range ids {
		rows[i] = model.MemberTag{MemberID: memberID, TagID: id, Source: source}
	}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rows).Error
}

// AddTags puts tags on a member from source (manual, segment, …).
// Errors: EINVALID for an empty or overlong tag, ErrMemberNotFound.
func (s *Service) AddTags(ctx context.Context, memberID int64, names []string, source string) error {
	clean, err := cleanTags(names)
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&model.Member{}).Where("id = ?", memberID).Count(&n).Error; err != nil {
			return err
		} else if n == 0 {
			return model.ErrMemberNotFound
		}
		return addTags(tx, memberID, clean, source)
	})
}

// RemoveTags takes tags from a member, only those put there by source.
func (s *Service) RemoveTags(ctx context.Context, memberID int64, names []string, source string) error {
	clean, err := cleanTags(names)
	if err != nil || len(clean) == 0 {
		return err
	}
	return s.db.WithContext(ctx).
		Where("member_id = ? AND source = ? AND tag_id IN (SELECT id FROM tags WHERE name IN ?)", memberID, source, clean).
		Delete(&model.MemberTag{}).Error
}

func cleanTags(names []string) ([]string, error) {
	sc := model.Scene{Scene: "x", Tags: names}
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	return sc.Tags, nil
}
