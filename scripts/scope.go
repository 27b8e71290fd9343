package scripts

import (
	"context"
	"errors"
	"slices"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// NoStore is the ScriptQuery.StoreCode of a guide without a store: they
// see only the scripts open to every store.
const NoStore = "\x00no-store"

// GuideStore is the store filter for a guide: their store, or NoStore.
func GuideStore(storeCode string) string {
	if storeCode == "" {
		return NoStore
	}
	return storeCode
}

// CheckVisible reports whether script id is visible to storeCode (a
// GuideStore value). Errors: ENOTFOUND for a script that does not exist or
// is not visible, alike.
func (l *Library) CheckVisible(ctx context.Context, id int64, storeCode string) error {
	var s model.Script
	err := l.db.WithContext(ctx).Take(&s, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && len(s.StoreCodes) > 0 && !slices.Contains(s.StoreCodes, storeCode)) {
		return model.Errorf(model.ENOTFOUND, "script %d not found", id)
	}
	return err
}
