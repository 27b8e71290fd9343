package guides

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// ImportResult counts what an import or sync did.
type ImportResult struct {
	Created int `json:"created"`
	Updated int `json:"updated"`
}

// maxImportRows bounds one import; a larger list is split by the caller.
const maxImportRows = 5000

// SaveStore creates or updates the store with st.Code. created reports
// which. Errors: EINVALID from validation.
func (s *Service) SaveStore(ctx context.Context, st model.Store) (model.Store, bool, error) {
	res, err := s.ImportStores(ctx, []model.Store{st})
	if err != nil {
		return st, false, err
	}
	saved, err := s.getStore(ctx, st.Code)
	return saved, res.Created == 1, err
}

// ImportStores creates or updates every store in one transaction: all or
// nothing. Errors: EINVALID naming the row at fault (1-based).
func (s *Service) ImportStores(ctx context.Context, stores []model.Store) (ImportResult, error) {
	if err := checkRows("store", stores, (*model.Store).Validate, func(st *model.Store) string { return st.Code }); err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	err := s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		res = ImportResult{}
		for _, st := range stores {
			created, err := upsertStore(tx, st)
			if err != nil {
				return err
			}
			res.count(created)
		}
		return nil
	})
	return res, err
}

// upsertStore creates st or updates its name. A duplicate key on create
// means a concurrent import: the transaction runs again.
func upsertStore(tx *gorm.DB, st model.Store) (created bool, err error) {
	var cur model.Store
	err = tx.Where("code = ?", st.Code).Take(&cur).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		st.ID = 0
		return true, tx.Create(&st).Error
	} else if err != nil {
		return false, err
	}
	return false, tx.Model(&cur).Update("name", st.Name).Error
}

// count counts one upserted row.
func (r *ImportResult) count(created bool) {
	if created {
		r.Created++
	} else {
		r.Updated++
	}
}

// checkRows refuses an import of no rows or of more than maxImportRows, a
// row that does not validate and a key that repeats an earlier row's: an
// EINVALID naming the row (1-based). what names the rows' kind.
func checkRows[T any](what string, rows []T, validate func(*T) error, key func(*T) string) error {
	if len(rows) == 0 || len(rows) > maxImportRows {
		return model.Errorf(model.EINVALID, "want 1-%d %ss, got %d", maxImportRows, what, len(rows))
	}
	seen := map[string]int{}
	for i := range rows {
		if err := validate(&rows[i]); err != nil {
			return rowError(i, err)
		}
		k := key(&rows[i])
		if prev, dup := seen[k]; dup {
			return model.Errorf(model.EINVALID, "row %d: %s %s repeats row %d", i+1, what, k, prev+1)
		}
		seen[k] = i
	}
	return nil
}

func (s *Service) getStore(ctx context.Context, code string) (model.Store, error) {
	var st model.Store
	err := s.db.WithContext(ctx).Where("code = ?", code).Take(&st).Error
	return st, store.NotFound(err, model.Errorf(model.ENOTFOUND, "store %q not found", code))
}

// ListStores returns every store by code.
func (s *Service) ListStores(ctx context.Context) ([]model.Store, error) {
	out := []model.Store{}
	err := s.db.WithContext(ctx).Order("code").Find(&out).Error
	return out, err
}

// SaveGuide creates or updates the guide with g.UserID. Errors: EINVALID from
// validation or for a store that does not exist.
func (s *Service) SaveGuide(ctx context.Context, g model.Guide) (model.Guide, bool, error) {
	res, err := s.ImportGuides(ctx, []model.Guide{g})
	if err != nil {
		return g, false, err
	}
	var saved model.Guide
	err = s.db.WithContext(ctx).Where("user_id = ?", g.UserID).Take(&saved).Error
	return saved, res.Created == 1, err
}

// ImportGuides creates or updates every guide (name, store, role) in one
// transaction. A guide's store must exist. Errors: EINVALID naming the row
// at fault (1-based).
func (s *Service) ImportGuides(ctx context.Context, guides []model.Guide) (ImportResult, error) {
	if err := checkRows("guide", guides, (*model.Guide).Validate, func(g *model.Guide) string { return g.UserID }); err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	err := s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		res = ImportResult{}
		known, err := storeCodes(tx)
		if err != nil {
			return err
		}
		for i, g := range guides {
			if g.StoreCode != "" && !known[g.StoreCode] {
				return model.Errorf(model.EINVALID, "row %d: guide %s: store %q does not exist (create it first)", i+1, g.UserID, g.StoreCode)
			}
			created, err := upsertGuide(tx, g, true)
			if err != nil {
				return err
			}
			res.count(created)
		}
		return nil
	})
	return res, err
}

// upsertGuide creates g or updates its name and, when full, store and role.
func upsertGuide(tx *gorm.DB, g model.Guide, full bool) (created bool, err error) {
	var cur model.Guide
	err = tx.Where("user_id = ?", g.UserID).Take(&cur).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		g.ID = 0
		return true, tx.Create(&g).Error
	} else if err != nil {
		return false, err
	}
	upd := map[string]any{"name": g.Name}
	if full {
		upd["store_code"], upd["role"] = g.StoreCode, g.Role
	}
	return false, tx.Model(&cur).Updates(upd).Error
}

func storeCodes(tx *gorm.DB) (map[string]bool, error) {
	var codes []string
	if err := tx.Model(&model.Store{}).Pluck("code", &codes).Error; err != nil {
		return nil, err
	}
	known := make(map[string]bool, len(codes))
	for _, c := range codes {
		known[c] = true
	}
	return known, nil
}

// SyncGuides records the corp members read from WeCom's address book:
// new ones become guides (in store storeCode, which may be empty), known ones
// get their name updated and keep their store and role. Errors: EINVALID for
// an unknown store or an unusable userid.
func (s *Service) SyncGuides(ctx context.Context, members []model.Guide, storeCode string) (ImportResult, error) {
	for i := range members {
		members[i].StoreCode, members[i].Role = storeCode, model.RoleGuide
		if err := members[i].Validate(); err != nil {
			return ImportResult{}, rowError(i, err)
		}
	}
	var res ImportResult
	err := s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		res = ImportResult{}
		if storeCode != "" {
			if known, err := storeCodes(tx); err != nil {
				return err
			} else if !known[storeCode] {
				return model.Errorf(model.EINVALID, "store %q does not exist (create it first)", storeCode)
			}
		}
		for _, g := range members {
			created, err := upsertGuide(tx, g, false)
			if err != nil {
				return err
			}
			res.count(created)
		}
		return nil
	})
	return res, err
}

// GuideFilter selects guides; empty fields match all.
type GuideFilter struct{ StoreCode, Role string }

// ListGuides returns the guides matching f by userid.
func (s *Service) ListGuides(ctx context.Context, f GuideFilter) ([]model.Guide, error) {
	q := s.db.WithContext(ctx).Order("user_id")
	if f.StoreCode != "" {
		q = q.Where("store_code = ?", f.StoreCode)
	}
	if f.Role != "" {
		q = q.Where("role = ?", f.Role)
	}
	out := []model.Guide{}
	err := q.Find(&out).Error
	return out, err
}

// UnknownGuides returns those of the userids that are not recorded guides.
func (s *Service) UnknownGuides(ctx context.Context, userIDs []string) ([]string, error) {
	var known []string
	if err := s.db.WithContext(ctx).Model(&model.Guide{}).Where("user_id IN ?", userIDs).Pluck("user_id", &known).Error; err != nil {
		return nil, err
	}
	have := map[string]bool{}
	for _, k := range known {
		have[k] = true
	}
	var out []string
	for _, u := range userIDs {
		if !have[u] {
			out = append(out, u)
		}
	}
	return out, nil
}

// StoreManagersOf returns the guide with userid and the store managers of
// their store, except the guide themself. found is false for a userid that
// is not a recorded guide.
func (s *Service) StoreManagersOf(ctx context.Context, userID string) (guide model.Guide, managers []model.Guide, found bool, err error) {
	err = s.db.WithContext(ctx).Where("user_id = ?", userID).Take(&guide).Error
	if err != nil {
		return guide, nil, false, store.NotFound(err, nil)
	}
	if guide.StoreCode == "" {
		return guide, nil, true, nil
	}
	err = s.db.WithContext(ctx).Where("store_code = ? AND role = ? AND user_id <> ?", guide.StoreCode, model.RoleStoreManager, userID).
		Order("user_id").Find(&managers).Error
	return guide, managers, true, err
}

func rowError(i int, err error) error {
	return model.Errorf(model.EINVALID, "row %d: %s", i+1, model.ErrorMessage(err))
}

// String formats an import result for logs.
func (r ImportResult) String() string {
	return fmt.Sprintf("%d created, %d updated", r.Created, r.Updated)
}
