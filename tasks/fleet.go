package tasks

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// Fleet describes demo data for HQ task tests and benchmarks: Stores
// stores (s0001…), GuidesPerStore guides in each (s0001_g001…) and
// CustomersPerGuide customers per guide, each a member with one active
// WeCom relation to their guide and bound to the guide's store.
type Fleet struct {
	Stores, GuidesPerStore, CustomersPerGuide int
	CorpID                                    string // default "wwfleet"
}

// StoreCode returns store i's code (0-based).
func (f Fleet) StoreCode(i int) string { return fmt.Sprintf("s%04d", i+1) }

// GuideUserID returns guide j of store i (0-based).
func (f Fleet) GuideUserID(i, j int) string { return fmt.Sprintf("%s_g%03d", f.StoreCode(i), j+1) }

// Seed writes the fleet with batched inserts. Errors: the database's.
func (f Fleet) Seed(ctx context.Context, db *gorm.DB) error {
	if f.CorpID == "" {
		f.CorpID = "wwfleet"
	}
	db = db.WithContext(ctx)
	now := time.Now().UTC()
	stores := make([]model.Store, f.Stores)
	var guides []model.Guide
	for i := range stores {
		stores[i] = model.Store{Code: f.StoreCode(i), Name: fmt.Sprintf("门店%d", i+1)}
		for j := range f.GuidesPerStore {
			guides = append(guides, model.Guide{UserID: f.GuideUserID(i, j), Name: fmt.Sprintf("导购%d-%d", i+1, j+1),
				StoreCode: f.StoreCode(i), Role: model.RoleGuide})
		}
	}
	if err := db.CreateInBatches(stores, 500).Error; err != nil {
		return err
	}
	if err := db.CreateInBatches(guides, 500).Error; err != nil {
		return err
	}
	for _, g := range guides {
		for start := 0; start < f.CustomersPerGuide; start += 1000 {
			n := min(1000, f.CustomersPerGuide-start)
			members := make([]model.Member, n)
			for k := range members {
				members[k] = model.Member{Level: "普通", GuideUserID: g.UserID, StoreCode: g.StoreCode, Subscribed: true}
			}
			if err := db.Create(&members).Error; err != nil {
				return err
			}
			rels := make([]model.GuideRelation, n)
			for k, m := range members {
				ext := fmt.Sprintf("wm_%s_%d", g.UserID, start+k)
				key := f.CorpID + "|" + g.UserID + "|" + ext
				rels[k] = model.GuideRelation{MemberID: m.ID, CorpID: f.CorpID, GuideUserID: g.UserID, ExternalUserID: ext,
					AddedAt: &now, ActiveKey: &key, EventKey: key + "|a"}
			}
			if err := db.Create(&rels).Error; err != nil {
				return err
			}
		}
	}
	return nil
}
