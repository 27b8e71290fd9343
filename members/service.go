// Package members knows who a member is: identities on the Official
// Account and WeCom joined into one member (resolution, unionid merges),
// how they arrived (follows, scans, a guide adding them on WeCom), their
// guide relations and event history, and the member profile HQ and the
// sidebar read.
package members

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tagging"
)

// Service is the members service over one database.
type Service struct {
	st  *store.Store
	db  *gorm.DB
	now func() time.Time
	// tags puts a scene's tags on the members it brings in.
	tags *tagging.Service
}

// New returns a Service on st's database that tags arrivals through tags;
// now may be nil (time.Now).
func New(st *store.Store, tags *tagging.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, db: st.DB(), now: now, tags: tags}
}

// ChangeManualTags is a guide's tag edit from the sidebar (see
// tagging.Service.ChangeManualTags); it returns the member with their
// tags. Errors: as tagging's EditTags, ErrMemberNotFound.
func (s *Service) ChangeManualTags(ctx context.Context, memberID int64, add, remove []string, byGuide string) (model.MemberView, error) {
	id, err := s.tags.ChangeManualTags(ctx, memberID, add, remove, byGuide)
	if err != nil {
		return model.MemberView{}, err
	}
	return s.GetMember(ctx, id)
}
