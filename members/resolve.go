package members

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// MemberRef names a member the way outside systems know them: the member
// id, or an identity. When several are given the first of member id,
// unionid, openid and external_userid is used.
type MemberRef struct {
	MemberID       int64  `json:"member_id,omitempty"`
	OpenID         string `json:"openid,omitempty"`
	UnionID        string `json:"unionid,omitempty"`
	ExternalUserID string `json:"external_userid,omitempty"`
}

// Empty reports whether r names nobody.
func (r MemberRef) Empty() bool {
	return r.MemberID == 0 && r.OpenID == "" && r.UnionID == "" && r.ExternalUserID == ""
}

// String names r for error messages.
func (r MemberRef) String() string {
	switch {
	case r.MemberID != 0:
		return fmt.Sprintf("member_id %d", r.MemberID)
	case r.UnionID != "":
		return "unionid " + r.UnionID
	case r.OpenID != "":
		return "openid " + r.OpenID
	case r.ExternalUserID != "":
		return "external_userid " + r.ExternalUserID
	}
	return "no member"
}

// ResolveMember returns the id of the member r names, following a merge
// to the surviving member. Errors: EINVALID for an empty ref,
// ErrMemberNotFound.
func (s *Service) ResolveMember(ctx context.Context, r MemberRef) (int64, error) {
	if r.Empty() {
		return 0, model.Errorf(model.EINVALID, "name the member: member_id, unionid, openid or external_userid")
	}
	ids, err := s.ResolveMembers(ctx, []MemberRef{r})
	if err != nil {
		return 0, err
	}
	if ids[0] == 0 {
		return 0, model.Detail(model.ErrMemberNotFound, "no member with %s", r)
	}
	return ids[0], nil
}

// ResolveMembers resolves many refs in a few queries (order imports): the
// member id for each, 0 where none is found.
// Errors: the database's.
func (s *Service) ResolveMembers(ctx context.Context, refs []MemberRef) ([]int64, error) {
	var ids []int64
	var unions, openids, externals []string
	for _, r := range refs {
		switch {
		case r.MemberID != 0:
			ids = append(ids, r.MemberID)
		case r.UnionID != "":
			unions = append(unions, r.UnionID)
		case r.OpenID != "":
			openids = append(openids, r.OpenID)
		case r.ExternalUserID != "":
			externals = append(externals, r.ExternalUserID)
		}
	}
	db := s.db.WithContext(ctx)
	x := refIndex{byID: map[int64]int64{}, byUnion: map[string]int64{}, byOpen: map[string]int64{},
		byExternal: map[string]int64{}, merged: map[int64]int64{}}
	err := x.lookUpIDs(db, ids)
	if err == nil {
		err = x.lookUpUnions(db, unions)
	}
	if err == nil {
		err = lookUpIdentities(db, model.PlatformOA, openids, x.byOpen)
	}
	if err == nil {
		err = lookUpIdentities(db, model.PlatformWeCom, externals, x.byExternal)
	}
	if err != nil {
		return nil, err
	}
	if err := followMerges(db, x.merged, x.byOpen, x.byExternal); err != nil {
		return nil, err
	}
	out := make([]int64, len(refs))
	for i, r := range refs {
		out[i] = x.resolve(r)
	}
	return out, nil
}

// refIndex is what ResolveMembers found: the member behind each kind of
// ref, and the surviving member of each merged one.
type refIndex struct {
	byID, merged    map[int64]int64
	byUnion, byOpen map[string]int64
	byExternal      map[string]int64
}

// lookUpIDs records which of ids are members, and the merged ones.
func (x refIndex) lookUpIDs(db *gorm.DB, ids []int64) error {
	return inChunks(ids, func(part []int64) error {
		var rows []model.Member
		if err := db.Select("id, merged_into").Where("id IN ?", part).Find(&rows).Error; err != nil {
			return err
		}
		for _, m := range rows {
			x.byID[m.ID] = m.ID
			if m.MergedInto != nil {
				x.merged[m.ID] = *m.MergedInto
			}
		}
		return nil
	})
}

// lookUpUnions records the member of each unionid, and the merged ones.
func (x refIndex) lookUpUnions(db *gorm.DB, unions []string) error {
	return inChunks(unions, func(part []string) error {
		var rows []model.Member
		if err := db.Select("id, union_id, merged_into").Where("union_id IN ?", part).Find(&rows).Error; err != nil {
			return err
		}
		for _, m := range rows {
			x.byUnion[*m.UnionID] = m.ID
			if m.MergedInto != nil {
				x.merged[m.ID] = *m.MergedInto
			}
		}
		return nil
	})
}

// lookUpIdentities records in into the member of each of the platform's
// external ids in values.
func lookUpIdentities(db *gorm.DB, platform string, values []string, into map[string]int64) error {
	return inChunks(values, func(part []string) error {
		var rows []model.Identity
		if err := db.Where("platform = ? AND external_id IN ?", platform, part).Find(&rows).Error; err != nil {
			return err
		}
		for _, it := range rows {
			into[it.ExternalID] = it.MemberID
		}
		return nil
	})
}

// resolve returns the member r names, following a merge; 0 if none.
func (x refIndex) resolve(r MemberRef) int64 {
	var id int64
	switch {
	case r.MemberID != 0:
		id = x.byID[r.MemberID]
	case r.UnionID != "":
		id = x.byUnion[r.UnionID]
	case r.OpenID != "":
		id = x.byOpen[r.OpenID]
	case r.ExternalUserID != "":
		id = x.byExternal[r.ExternalUserID]
	}
	if to, ok := x.merged[id]; ok {
		id = to
	}
	return id
}

// followMerges adds to merged the members behind identities that were
// merged into another member.
func followMerges(db *gorm.DB, merged map[int64]int64, byIdentity ...map[string]int64) error {
	var ids []int64
	for _, m := range byIdentity {
		for _, id := range m {
			ids = append(ids, id)
		}
	}
	return inChunks(ids, func(part []int64) error {
		var rows []model.Member
		if err := db.Select("id, merged_into").Where("id IN ? AND merged_into IS NOT NULL", part).Find(&rows).Error; err != nil {
			return err
		}
		for _, m := range rows {
			merged[m.ID] = *m.MergedInto
		}
		return nil
	})
}

// inChunks calls fn on parts of at most 500 values, keeping IN lists short.
func inChunks[T any](values []T, fn func([]T) error) error {
	for len(values) > 0 {
		n := min(len(values), 500)
		if err := fn(values[:n]); err != nil {
			return err
		}
		values = values[n:]
	}
	return nil
}
