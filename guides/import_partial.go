package guides

import (
	"context"
	"strconv"

	"github.com/siyu/siyu/model"
)

// Rejection is one import row that was not saved, and why.
type Rejection struct {
	Row    int    `json:"row"` // 1-based data row (the CSV line is Row+1, after the header)
	Key    string `json:"key"` // the store code or guide userid as given
	Reason string `json:"reason"`
}

// PartialResult is what a row-by-row import did: the rows saved, counted
// as in ImportResult, and each row refused.
type PartialResult struct {
	ImportResult
	Rejected []Rejection `json:"rejected"`
}

// ImportStoresPartial saves every valid store and lists each invalid or
// repeated row with its reason instead of refusing the whole file. The
// valid rows are saved in one transaction. Errors: EINVALID for an empty
// or oversized list, else the database's.
func (s *Service) ImportStoresPartial(ctx context.Context, stores []model.Store) (PartialResult, error) {
	if len(stores) == 0 || len(stores) > maxImportRows {
		return PartialResult{}, model.Errorf(model.EINVALID, "want 1-%d stores, got %d", maxImportRows, len(stores))
	}
	res := PartialResult{Rejected: []Rejection{}}
	seen := map[string]int{}
	var valid []model.Store
	for i := range stores {
		st := stores[i]
		if err := st.Validate(); err != nil {
			res.Rejected = append(res.Rejected, Rejection{Row: i + 1, Key: st.Code, Reason: model.ErrorMessage(err)})
			continue
		}
		if prev, dup := seen[st.Code]; dup {
			res.Rejected = append(res.Rejected, Rejection{Row: i + 1, Key: st.Code, Reason: "与第 " + strconv.Itoa(prev+1) + " 行门店编码重复"})
			continue
		}
		seen[st.Code] = i
		valid = append(valid, st)
	}
	if len(valid) == 0 {
		return res, nil
	}
	var err error
	res.ImportResult, err = s.ImportStores(ctx, valid)
	return res, err
}

// ImportGuidesPartial saves every valid guide whose store exists and lists
// each other row with its reason. Errors: EINVALID for an empty or
// oversized list, else the database's.
func (s *Service) ImportGuidesPartial(ctx context.Context, guides []model.Guide) (PartialResult, error) {
	if len(guides) == 0 || len(guides) > maxImportRows {
		return PartialResult{}, model.Errorf(model.EINVALID, "want 1-%d guides, got %d", maxImportRows, len(guides))
	}
	known, err := storeCodes(s.db.WithContext(ctx))
	if err != nil {
		return PartialResult{}, err
	}
	res := PartialResult{Rejected: []Rejection{}}
	seen := map[string]int{}
	var valid []model.Guide
	for i := range guides {
		g := guides[i]
		reason := ""
		if err := g.Validate(); err != nil {
			reason = model.ErrorMessage(err)
		} else if prev, dup := seen[g.UserID]; dup {
			reason = "与第 " + strconv.Itoa(prev+1) + " 行导购账号重复"
		} else if g.StoreCode != "" && !known[g.StoreCode] {
			reason = "门店 " + g.StoreCode + " 不存在（请先导入门店）"
		}
		if reason != "" {
			res.Rejected = append(res.Rejected, Rejection{Row: i + 1, Key: g.UserID, Reason: reason})
			continue
		}
		seen[g.UserID] = i
		valid = append(valid, g)
	}
	if len(valid) == 0 {
		return res, nil
	}
	res.ImportResult, err = s.ImportGuides(ctx, valid)
	return res, err
}
