package members

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
)

// MemberPage is one page of a member search and how many members match.
type MemberPage struct {
	Members []model.MemberView `json:"members"`
	Total   int64              `json:"total"`
}

// SearchMembers returns the members matching both f (identities, tag,
// store, guide) and t (the targeting filter), newest first, with the
// total count of matches. Limit defaults to 50 and is capped at 500.
// Errors: EINVALID from t's validation, else the database's.
func (s *Service) SearchMembers(ctx context.Context, f MemberFilter, t segments.TargetFilter) (MemberPage, error) {
	if err := t.Validate(); err != nil {
		return MemberPage{}, err
	}
	page := MemberPage{Members: []model.MemberView{}}
	if err := s.searchQuery(ctx, f, t).Count(&page.Total).Error; err != nil {
		return page, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var rows []model.Member
	if err := s.searchQuery(ctx, f, t).Order("members.id DESC").Limit(min(f.Limit, 500)).Offset(f.Offset).Find(&rows).Error; err != nil {
		return page, err
	}
	page.Members = make([]model.MemberView, len(rows))
	for i, r := range rows {
		page.Members[i].Member = r
	}
	return page, s.fill(ctx, page.Members)
}

// searchQuery is a fresh query on members with every condition of f and t.
func (s *Service) searchQuery(ctx context.Context, f MemberFilter, t segments.TargetFilter) *gorm.DB {
	q := t.Apply(s.db.WithContext(ctx).Model(&model.Member{}), "members")
	if f.OpenID != "" {
		q = q.Where("members.id IN (SELECT member_id FROM identities WHERE platform = ? AND external_id = ?)", model.PlatformOA, f.OpenID)
	}
	if f.ExternalUserID != "" {
		q = q.Where("members.id IN (SELECT member_id FROM identities WHERE platform = ? AND external_id = ?)", model.PlatformWeCom, f.ExternalUserID)
	}
	if f.UnionID != "" {
		q = q.Where("members.union_id = ?", f.UnionID)
	}
	if tag := strings.TrimSpace(f.Tag); tag != "" {
		q = q.Where("members.id IN (SELECT mt.member_id FROM member_tags mt JOIN tags t ON t.id = mt.tag_id WHERE t.name = ?)", tag)
	}
	if f.StoreCode != "" {
		q = q.Where("members.store_code = ?", f.StoreCode)
	}
	if f.GuideUserID != "" {
		q = q.Where("members.guide_user_id = ?", f.GuideUserID)
	}
	return q
}
