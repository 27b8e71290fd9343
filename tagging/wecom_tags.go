package tagging

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// DefaultCorpTagGroup is the WeCom tag group that holds Siyu tags without a
// "group:" prefix.
const DefaultCorpTagGroup = "私域"

// CorpTag is a WeCom corp tag: its id, and its group and name.
type CorpTag struct {
	ID, GroupID, Group, Name string
}

// SiyuName is the Siyu tag a corp tag stands for: "group:name", or the bare
// name in DefaultCorpTagGroup.
func (t CorpTag) SiyuName() string { return SiyuTagName(t.Group, t.Name) }

// SiyuTagName is the Siyu tag name of corp tag name in group.
func SiyuTagName(group, name string) string {
	if group == "" || group == DefaultCorpTagGroup {
		return name
	}
	return group + ":" + name
}

// CorpTagOf is the WeCom group and tag name a Siyu tag is mirrored as: the
// part before the first ":" is the group ("门店:上海一店" → 门店, 上海一店);
// a tag without one goes to DefaultCorpTagGroup.
func CorpTagOf(tag string) (group, name string) {
	if g, n, ok := strings.Cut(tag, ":"); ok && strings.TrimSpace(g) != "" && strings.TrimSpace(n) != "" {
		return strings.TrimSpace(g), strings.TrimSpace(n)
	}
	return DefaultCorpTagGroup, tag
}

// MirroredTags returns the tags Siyu mirrors to WeCom for the member: those
// put on by a scene, by hand or by the segment recompute, by name.
func (s *Service) MirroredTags(ctx context.Context, memberID int64) ([]string, error) {
	var names []string
	err := s.db.WithContext(ctx).Table("member_tags").Joins("JOIN tags ON tags.id = member_tags.tag_id").
		Where("member_tags.member_id = ? AND member_tags.source IN ?", memberID, []string{model.TagSourceScene, model.TagSourceManual, model.TagSourceSegment}).
		Distinct().Order("tags.name").Pluck("tags.name", &names).Error
	return names, err
}

// RecordWeComTags remembers corp tag ids (after creating or finding them in
// WeCom), so events that carry only an id can be applied. A tag whose name
// changed in WeCom moves its wecom-source member tags to the new name.
// Errors: the database's.
func (s *Service) RecordWeComTags(ctx context.Context, corpID string, tags []CorpTag) error {
	if len(tags) == 0 {
		return nil
	}
	return s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		_, err := SyncWeComTags(tx, corpID, tags)
		return err
	})
}

// SyncWeComTags upserts the id mappings, renaming member tags as it goes,
// and returns the tags that were renamed as they were before.
func SyncWeComTags(tx *gorm.DB, corpID string, tags []CorpTag) (renamed []CorpTag, err error) {
	for _, t := range tags {
		name := t.SiyuName()
		if t.ID == "" || t.Name == "" || utf8.RuneCountInString(name) > 64 {
			continue
		}
		var cur model.WeComTag
		err := store.ForUpdate(tx.Where("corp_id = ? AND tag_id = ?", corpID, t.ID)).Take(&cur).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			row := model.WeComTag{CorpID: corpID, TagID: t.ID, GroupID: t.GroupID, GroupName: t.Group, TagName: t.Name, Name: name}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
				return nil, err
			}
			continue
		} else if err != nil {
			return nil, err
		}
		upd := map[string]any{}
		if t.GroupID != "" && cur.GroupID != t.GroupID {
			upd["group_id"] = t.GroupID
		}
		if cur.Name != name {
			upd["group_name"], upd["tag_name"], upd["name"] = t.Group, t.Name, name
			if err := renameSourceTag(tx, cur.Name, name, model.TagSourceWeCom); err != nil {
				return nil, err
			}
			renamed = append(renamed, CorpTag{ID: cur.TagID, GroupID: cur.GroupID, Group: cur.GroupName, Name: cur.TagName})
		}
		if len(upd) > 0 {
			if err := tx.Model(&cur).Updates(upd).Error; err != nil {
				return nil, err
			}
		}
	}
	return renamed, nil
}

// renameSourceTag moves every member's tag from to tag to, for one source.
func renameSourceTag(tx *gorm.DB, from, to, source string) error {
	ids, err := EnsureTags(tx, []string{from, to})
	if err != nil || len(ids) != 2 {
		return err
	}
	var fromID, toID int64
	var rows []model.Tag
	if err := tx.Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		if r.Name == from {
			fromID = r.ID
		} else {
			toID = r.ID
		}
	}
	var members []int64
	if err := tx.Model(&model.MemberTag{}).Where("tag_id = ? AND source = ?", fromID, source).Pluck("member_id", &members).Error; err != nil {
		return err
	}
	for _, m := range members {
		row := model.MemberTag{MemberID: m, TagID: toID, Source: source}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return err
		}
	}
	return tx.Where("tag_id = ? AND source = ?", fromID, source).Delete(&model.MemberTag{}).Error
}

// ReconcileWeComTags brings the recorded corp tags in line with present,
// the full corp tag list read after tags changed in WeCom: renamed tags
// rename their wecom-source member tags; tags no longer present are
// forgotten and taken off members where they came from WeCom. It returns
// the stale tags (deleted ones, and renamed ones as they were) so their
// cached ids can be dropped. Errors: the database's.
func (s *Service) ReconcileWeComTags(ctx context.Context, corpID string, present []CorpTag) ([]CorpTag, error) {
	keep := map[string]bool{}
	for _, t := range present {
		keep[t.ID] = true
	}
	var gone []CorpTag
	err := s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		var err error
		if gone, err = SyncWeComTags(tx, corpID, present); err != nil {
			return err
		}
		var rows []model.WeComTag
		if err := tx.Where("corp_id = ?", corpID).Find(&rows).Error; err != nil {
			return err
		}
		names := map[string]bool{}
		for _, r := range rows {
			if !keep[r.TagID] {
				gone = append(gone, CorpTag{ID: r.TagID, GroupID: r.GroupID, Group: r.GroupName, Name: r.TagName})
				if err := tx.Delete(&r).Error; err != nil {
					return err
				}
				names[r.Name] = true
			}
		}
		for _, t := range present { // a name still carried by a live tag stays
			delete(names, t.SiyuName())
		}
		for n := range names {
			if err := tx.Where("source = ? AND tag_id IN (SELECT id FROM tags WHERE name = ?)", model.TagSourceWeCom, n).
				Delete(&model.MemberTag{}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return gone, err
}

// WeComTagIDs returns the recorded corp tag ids of the named Siyu tags;
// names without one are left out.
func (s *Service) WeComTagIDs(ctx context.Context, corpID string, names []string) (map[string]string, error) {
	out := map[string]string{}
	if len(names) == 0 {
		return out, nil
	}
	var rows []model.WeComTag
	if err := s.db.WithContext(ctx).Where("corp_id = ? AND name IN ?", corpID, names).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.Name] = r.TagID
	}
	return out, nil
}

// SetWeComTags makes the member's wecom-source tags exactly names, less
// those the member has from another source.
func SetWeComTags(tx *gorm.DB, memberID int64, names []string) error {
	var rows []struct {
		TagID  int64
		Name   string
		Source string
	}
	if err := tx.Table("member_tags").Select("member_tags.tag_id, tags.name, member_tags.source").
		Joins("JOIN tags ON tags.id = member_tags.tag_id").Where("member_tags.member_id = ?", memberID).
		Scan(&rows).Error; err != nil {
		return err
	}
	other, have := map[string]bool{}, map[string]int64{}
	for _, r := range rows {
		if r.Source == model.TagSourceWeCom {
			have[r.Name] = r.TagID
		} else {
			other[r.Name] = true
		}
	}
	want := map[string]bool{}
	var add []string
	for _, n := range names {
		n = model.NormalizeTag(n)
		if n == "" || other[n] || want[n] {
			continue
		}
		want[n] = true
		if _, ok := have[n]; !ok {
			add = append(add, n)
		}
	}
	var drop []int64
	for n, id := range have {
		if !want[n] {
			drop = append(drop, id)
		}
	}
	if len(drop) > 0 {
		if err := tx.Where("member_id = ? AND source = ? AND tag_id IN ?", memberID, model.TagSourceWeCom, drop).
			Delete(&model.MemberTag{}).Error; err != nil {
			return err
		}
	}
	return PutTags(tx, memberID, add, model.TagSourceWeCom)
}

// EditTags adds and removes a member's tags from one source in one
// transaction, and returns the member's id after following merges.
// Errors: EINVALID for an empty or overlong tag, ErrMemberNotFound.
func (s *Service) EditTags(ctx context.Context, memberID int64, add, remove []string, source string) (int64, error) {
	add, err := cleanTags(add)
	if err != nil {
		return 0, err
	}
	remove, err = cleanTags(remove)
	if err != nil {
		return 0, err
	}
	m, err := store.FindMember(s.db.WithContext(ctx), memberID)
	if err != nil {
		return 0, err
	}
	return m.ID, s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		if _, err := store.LockMember(tx, m.ID); err != nil {
			return err
		}
		if len(remove) > 0 {
			if err := tx.Where("member_id = ? AND source = ? AND tag_id IN (SELECT id FROM tags WHERE name IN ?)", m.ID, source, remove).
				Delete(&model.MemberTag{}).Error; err != nil {
				return err
			}
		}
		return PutTags(tx, m.ID, add, source)
	})
}
