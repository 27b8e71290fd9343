package hqtasks

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// GroupFilter selects the customer groups of a group_message task. The
// task's store_codes and guide_userids (the owners) narrow it as they
// narrow customers; a group belongs to its owner's store.
type GroupFilter struct {
	// Scenes: only groups listed by a 加入群聊 code of one of these scenes.
	Scenes []string `json:"scenes,omitempty"`
	// Tags: only groups listed by a code whose scene gives one of these
	// tags (a group's tags are the tags its codes give who joins).
	Tags       []string `json:"tags,omitempty"`
	MinMembers int      `json:"min_members,omitempty"`
	MaxMembers int      `json:"max_members,omitempty"` // 0: no upper bound
	// CreatedWithinDays: only groups created in WeCom in the last N days
	// before the dispatch (a recurring SOP's "new groups"); 0: any age.
	CreatedWithinDays int `json:"created_within_days,omitempty"`
}

// Validate reports the first problem as an EINVALID error.
func (f GroupFilter) Validate() error {
	switch {
	case len(f.Scenes) > 200 || len(f.Tags) > 200:
		return model.Errorf(model.EINVALID, "group_filter: at most 200 scenes and 200 tags")
	case f.MinMembers < 0 || f.MaxMembers < 0 || (f.MaxMembers > 0 && f.MaxMembers < f.MinMembers):
		return model.Errorf(model.EINVALID, "group_filter: min_members and max_members want 0 ≤ min ≤ max")
	case f.CreatedWithinDays < 0 || f.CreatedWithinDays > 3650:
		return model.Errorf(model.EINVALID, "group_filter: created_within_days wants 0..3650")
	}
	return nil
}

// groupCandidates is the query over customer_groups g of a task's groups
// that are not dismissed, owned by a targeted guide (g2) and matching f at
// time now. The scenes and tags are resolved through the group codes
// first: codes are few, and their groups are a JSON list.
func groupCandidates(ctx context.Context, db *gorm.DB, f GroupFilter, stores, guides []string, now time.Time) (*gorm.DB, error) {
	scope, args := guideScope(stores, guides)
	q := db.Table("customer_groups g").Joins("JOIN guides g2 ON g2.user_id = g.owner").
		Where("g.dismissed_at IS NULL").Where(scope, args...)
	if len(f.Scenes) > 0 || len(f.Tags) > 0 {
		chats, err := codeGroups(ctx, db, f)
		if err != nil {
			return nil, err
		}
		q = q.Where("g.chat_id IN ?", append(chats, "")) // "" keeps IN () valid when none match
	}
	if f.MinMembers > 0 {
		q = q.Where("g.member_count >= ?", f.MinMembers)
	}
	if f.MaxMembers > 0 {
		q = q.Where("g.member_count <= ?", f.MaxMembers)
	}
	if f.CreatedWithinDays > 0 {
		q = q.Where("g.chat_created >= ?", now.Add(-time.Duration(f.CreatedWithinDays)*24*time.Hour).UTC())
	}
	return q, nil
}

// codeGroups returns the groups listed by the codes of f's scenes, or of
// scenes that give one of f's tags.
func codeGroups(ctx context.Context, db *gorm.DB, f GroupFilter) ([]string, error) {
	scenes := slices.Clone(f.Scenes)
	if len(f.Tags) > 0 {
		var all []model.Scene
		if err := db.WithContext(ctx).Select("scene, tags").Find(&all).Error; err != nil {
			return nil, err
		}
		for _, sc := range all {
			if slices.ContainsFunc(sc.Tags, func(t string) bool { return slices.Contains(f.Tags, t) }) {
				scenes = append(scenes, sc.Scene)
			}
		}
	}
	if len(scenes) == 0 {
		return nil, nil
	}
	var codes []model.GroupCode
	if err := db.WithContext(ctx).Where("scene IN ?", scenes).Find(&codes).Error; err != nil {
		return nil, err
	}
	var out []string
	for _, c := range codes {
		out = append(out, c.ChatIDs...)
	}
	return out, nil
}

// groupPage returns one keyset page of a guide's groups for a task as
// item candidates (the group's id negated stands in for the member).
func (s *Service) groupPage(ctx context.Context, t Task, guide string, last int64) ([]candidate, error) {
	q, err := groupCandidates(ctx, s.db.WithContext(ctx), t.GroupFilter, t.StoreCodes, t.GuideUserIDs, s.now())
	if err != nil {
		return nil, err
	}
	var rows []struct {
		ID     int64
		Owner  string
		ChatID string
	}
	err = q.Select("g.id, g.owner, g.chat_id").Where("g.owner = ? AND g.id > ?", guide, last).
		Order("g.id").Limit(s.batch).Scan(&rows).Error
	out := make([]candidate, len(rows))
	for i, r := range rows {
		out[i] = candidate{ID: r.ID, MemberID: -r.ID, GuideUserID: r.Owner, ChatID: r.ChatID}
	}
	return out, err
}

// previewGroups counts, per store, the owners and the groups a
// group_message task with these targets would reach.
func (s *Service) previewGroups(ctx context.Context, f GroupFilter, stores, guides []string) ([]StoreReach, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	q, err := groupCandidates(ctx, s.db.WithContext(ctx), f, stores, guides, s.now())
	if err != nil {
		return nil, err
	}
	out := []StoreReach{}
	err = q.Select("g2.store_code AS store_code, COUNT(DISTINCT g.owner) AS guides, COUNT(*) AS group_count").
		Group("g2.store_code").Order("g2.store_code").Scan(&out).Error
	return out, err
}
