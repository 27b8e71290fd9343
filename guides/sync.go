package guides

import (
	"context"

	"github.com/siyu/siyu/model"
)

// SyncGuides reads the members of WeCom department departmentID (and its
// sub-departments; 1 is the whole corp) and records them as guides: new
// ones in store storeCode (may be empty) with role guide, known ones get
// their name updated. Errors: EINVALID, EUNAVAILABLE and EUPSTREAM from
// WeCom.
func (s *Codes) SyncGuides(ctx context.Context, departmentID int, storeCode string) (ImportResult, error) {
	if departmentID <= 0 {
		return ImportResult{}, model.Errorf(model.EINVALID, "department_id %d: want a positive WeCom department id (1 is the whole corp)", departmentID)
	}
	users, err := s.wecom.ListUsers(ctx, departmentID)
	if err != nil {
		return ImportResult{}, upstream("WeCom", appVars, err)
	}
	if len(users) == 0 {
		return ImportResult{}, nil
	}
	guides := make([]model.Guide, len(users))
	for i, u := range users {
		guides[i] = model.Guide{UserID: u.UserID, Name: u.Name}
	}
	return s.dir.SyncGuides(ctx, guides, storeCode)
}
