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
	byID, byUnion := map[int64]int64{}, map[string]int64{}
	byOpen, byExternal := map[string]int64{}, map[string]int64{}
	merged := map[int64]int64{} // member → surviving member
	err := inChunks(ids, func(part []int64) error {
		var rows []model.Member
		if err := db.Select("id, merged_into").Where("id IN ?", part).Find(&rows).Error; err != nil {
			return err
		}
		for _, m := range rows {
			byID[m.ID] = m.ID
			if m.MergedInto != nil {
				merged[m.ID] = *m.MergedInto
			}
		}
		return nil
	})
	if err == nil {
		err = inChunks(unions, func(part []string) error {
			var rows []model.Member
			if err := db.Select("id, union_id, merged_into").Where("union_id IN ?", part).Find(&rows).Error; err != nil {
				return err
			}
			for _, m := range rows {
				byUnion[*m.UnionID] = m.ID
				if m.MergedInto != nil {
					merged[m.ID] = *m.MergedInto
				}
			}
			return nil
		})
	}
	for _, idents := range []struct {
		platform string
		values   []string
		into     map[string]int64
	}{{model.PlatformOA, openids, byOpen}, {model.PlatformWeCom, externals, byExternal}} {
		if err != nil {
			break
		}
		err = inChunks(idents.values, func(part []string) error {
			var rows []model.Identity
			if err := db.Where("platform = ? AND external_id IN ?", idents.platform, part).Find(&rows).Error; err != nil {
				return err
			}
			for _, it := range rows {
				idents.into[it.ExternalID] = it.MemberID
			}
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	if err := followMerges(db, merged, byOpen, byExternal); err != nil {
		return nil, err
	}
	out := make([]int64, len(refs))
	for i, r := range refs {
		var id int64
		switch {
		case r.MemberID != 0:
			id = byID[r.MemberID]
		case r.UnionID != "":
			id = byUnion[r.UnionID]
		case r.OpenID != "":
			id = byOpen[r.OpenID]
		case r.ExternalUserID != "":
			id = byExternal[r.ExternalUserID]
		}
		if to, ok := merged[id]; ok {
			id = to
		}
		out[i] = id
	}
	return out, nil
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
