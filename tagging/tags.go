package tagging

import (
	"context"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
)

// EnsureTags returns the ids of the named tags, creating missing ones.
func EnsureTags(tx *gorm.DB, names []string) ([]int64, error) {
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

// PutTags puts the named tags on the member from source; tags it already
// has from that source are left alone.
func PutTags(tx *gorm.DB, memberID int64, names []string, source string) error {
	ids, err := EnsureTags(tx, names)
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
	return s.st.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&model.Member{}).Where("id = ?", memberID).Count(&n).Error; err != nil {
			return err
		} else if n == 0 {
			return model.ErrMemberNotFound
		}
		return PutTags(tx, memberID, clean, source)
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

// ChangeManualTags is a guide's tag edit from the sidebar: EditTags on the
// manual source, plus a timeline event saying who changed what. It returns
// the id of the member changed (the survivor of a merge). Errors: as
// EditTags.
func (s *Service) ChangeManualTags(ctx context.Context, memberID int64, add, remove []string, byGuide string) (int64, error) {
	id, err := s.EditTags(ctx, memberID, add, remove, model.TagSourceManual)
	if err != nil {
		return 0, err
	}
	addClean, _ := cleanTags(add)
	removeClean, _ := cleanTags(remove)
	now := s.now().UTC()
	err = s.st.Tx(ctx, func(tx *gorm.DB) error {
		ev := model.MemberEvent{MemberID: id, Kind: model.EventTag, Detail: byGuide + ": " + tagChangeText(addClean, removeClean), CreatedAt: now}
		if err := tx.Create(&ev).Error; err != nil {
			return err
		}
		return tx.Model(&model.Member{}).Where("id = ?", id).Update("last_active_at", now).Error
	})
	return id, err
}

// tagChangeText describes a tag change for the timeline: "+VIP -新客".
func tagChangeText(add, remove []string) string {
	var b strings.Builder
	for _, t := range add {
		b.WriteString(" +" + t)
	}
	for _, t := range remove {
		b.WriteString(" -" + t)
	}
	return strings.TrimSpace(b.String())
}

// tagSourceRank orders sources for display: a guide can remove only manual
// tags, so manual wins when a tag has several sources.
var tagSourceRank = map[string]int{model.TagSourceManual: 4, model.TagSourceScene: 3, model.TagSourceWeCom: 2, model.TagSourceSegment: 1}

// TagSources returns, for each of the member's tags, the source that shows
// in the sidebar (manual over scene over wecom over segment).
func (s *Service) TagSources(ctx context.Context, memberID int64) (map[string]string, error) {
	var rows []struct{ Name, Source string }
	err := s.db.WithContext(ctx).Table("member_tags mt").Select("t.name, mt.source").
		Joins("JOIN tags t ON t.id = mt.tag_id").Where("mt.member_id = ?", memberID).Scan(&rows).Error
	out := map[string]string{}
	for _, r := range rows {
		if tagSourceRank[r.Source] > tagSourceRank[out[r.Name]] {
			out[r.Name] = r.Source
		}
	}
	return out, err
}
