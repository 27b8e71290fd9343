package members

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/store"
)

// findOrCreate returns the member behind (platform, appID, externalID),
// creating member and identity when new. created reports the latter.
func findOrCreate(tx *gorm.DB, platform, appID, externalID string) (m model.Member, created bool, err error) {
	var id model.Identity
	err = tx.Where("platform = ? AND app_id = ? AND external_id = ?", platform, appID, externalID).Take(&id).Error
	if err == nil {
		err = tx.Take(&m, id.MemberID).Error
		return m, false, err
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return m, false, err
	}
	m.Level, err = baseLevel(tx)
	if err != nil {
		return m, false, err
	}
	if err := tx.Create(&m).Error; err != nil {
		return m, false, err
	}
	id = model.Identity{MemberID: m.ID, Platform: platform, AppID: appID, ExternalID: externalID}
	if err := tx.Create(&id).Error; err != nil {
		if model.IsDuplicate(err) {
			return m, false, store.ErrRaced
		}
		return m, false, err
	}
	return m, true, nil
}

// baseLevel names the level new members start at (threshold 0), or ""
// before levels are set up.
func baseLevel(tx *gorm.DB) (string, error) {
	var names []string
	err := tx.Model(&model.Level{}).Where("threshold = 0").Limit(1).Pluck("name", &names).Error
	if err != nil || len(names) == 0 {
		return "", err
	}
	return names[0], nil
}

// FindOrCreateOAMember returns the member behind an Official Account openid,
// creating it when new (a follower from before Siyu, say). The common case,
// a known member, is one query outside any transaction.
func (s *Service) FindOrCreateOAMember(ctx context.Context, appID, openID string) (model.Member, error) {
	var m model.Member
	err := s.db.WithContext(ctx).Joins("JOIN identities ON identities.member_id = members.id").
		Where("identities.platform = ? AND identities.app_id = ? AND identities.external_id = ?", model.PlatformOA, appID, openID).
		Take(&m).Error
	if err == nil {
		return m, nil
	} else if !errors.Is(err, gorm.ErrRecordNotFound) {
		return m, err
	}
	err = s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		var err error
		var created bool
		m, created, err = findOrCreate(tx, model.PlatformOA, appID, openID)
		if err == nil && created {
			m.Subscribed = true
			err = tx.Model(&m).Update("subscribed", true).Error
		}
		return err
	})
	return m, err
}

// MemberFilter selects members for the HQ look-up; empty fields match all.
type MemberFilter struct {
	OpenID, ExternalUserID, UnionID, Tag string
	StoreCode, GuideUserID               string
	Limit, Offset                        int
}

// FindMembers returns the members matching f, newest first, with their
// identities and tags filled in. Limit defaults to 50 and is capped at 500.
func (s *Service) FindMembers(ctx context.Context, f MemberFilter) ([]model.MemberView, error) {
	q := s.db.WithContext(ctx).Model(&model.Member{}).Where("merged_into IS NULL")
	if f.OpenID != "" {
		q = q.Where("id IN (SELECT member_id FROM identities WHERE platform = ? AND external_id = ?)", model.PlatformOA, f.OpenID)
	}
	if f.ExternalUserID != "" {
		q = q.Where("id IN (SELECT member_id FROM identities WHERE platform = ? AND external_id = ?)", model.PlatformWeCom, f.ExternalUserID)
	}
	if f.UnionID != "" {
		q = q.Where("union_id = ?", f.UnionID)
	}
	if f.Tag != "" {
		q = q.Where("id IN (SELECT mt.member_id FROM member_tags mt JOIN tags t ON t.id = mt.tag_id WHERE t.name = ?)", strings.TrimSpace(f.Tag))
	}
	if f.StoreCode != "" {
		q = q.Where("store_code = ?", f.StoreCode)
	}
	if f.GuideUserID != "" {
		q = q.Where("guide_user_id = ?", f.GuideUserID)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	var rows []model.Member
	if err := q.Order("id DESC").Limit(f.Limit).Offset(f.Offset).Find(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]model.MemberView, len(rows))
	for i, r := range rows {
		out[i].Member = r
	}
	return out, s.fill(ctx, out)
}

// GetMember returns one member with identities and tags, following a merge
// to the surviving member. Errors: model.ErrMemberNotFound.
func (s *Service) GetMember(ctx context.Context, id int64) (model.MemberView, error) {
	m, err := store.FindMember(s.db.WithContext(ctx), id)
	if err != nil {
		return model.MemberView{Member: m}, err
	}
	ms := []model.MemberView{{Member: m}}
	err = s.fill(ctx, ms)
	return ms[0], err
}

// fill loads identities and tags for a page of members in two queries.
func (s *Service) fill(ctx context.Context, ms []model.MemberView) error {
	if len(ms) == 0 {
		return nil
	}
	ids := make([]int64, len(ms))
	byID := make(map[int64]*model.MemberView, len(ms))
	base := ""
	for i := range ms {
		if ms[i].Level == "" { // a member created before levels were set up
			if base == "" {
				var err error
				if base, err = baseLevel(s.db.WithContext(ctx)); err != nil {
					return err
				}
			}
			ms[i].Level = base
		}
		ids[i] = ms[i].ID
		byID[ms[i].ID] = &ms[i]
		ms[i].Tags = []string{}
		if ms[i].UnionID != nil {
			ms[i].UnionIDValue = *ms[i].UnionID
		}
	}
	var idents []model.Identity
	if err := s.db.WithContext(ctx).Where("member_id IN ?", ids).Order("id").Find(&idents).Error; err != nil {
		return err
	}
	for _, it := range idents {
		m := byID[it.MemberID]
		switch {
		case it.Platform == model.PlatformOA && m.OpenID == "":
			m.OpenID = it.ExternalID
		case it.Platform == model.PlatformWeCom && m.ExternalUserID == "":
			m.ExternalUserID = it.ExternalID
		}
	}
	var rows []struct {
		MemberID int64
		Name     string
	}
	if err := s.db.WithContext(ctx).Table("member_tags").Select("DISTINCT member_tags.member_id, tags.name").
		Joins("JOIN tags ON tags.id = member_tags.tag_id").Where("member_tags.member_id IN ?", ids).
		Order("tags.name").Scan(&rows).Error; err != nil {
		return err
	}
	for _, r := range rows {
		byID[r.MemberID].Tags = append(byID[r.MemberID].Tags, r.Name)
	}
	// The activity score is stored as log2 at an epoch: scale it to the
	// last segment run's day, the day it always described.
	sc, err := segments.LoadScoreScale(ctx, s.db)
	sc.Fill(ms)
	return err
}

// findOrCreateLocked is findOrCreate followed by store.LockMember.
func findOrCreateLocked(tx *gorm.DB, platform, appID, externalID string) (model.Member, bool, error) {
	m, created, err := findOrCreate(tx, platform, appID, externalID)
	if err != nil {
		return m, created, err
	}
	m, err = store.LockMember(tx, m.ID)
	return m, created, err
}
