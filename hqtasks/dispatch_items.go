package hqtasks

import (
	"context"
	"fmt"

	"github.com/hibiken/asynq"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/effect"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
)

// Who gets a customer. A customer is an item of a guide when the customer
// matches the task's filter and has an active WeCom relation with that
// guide, and the guide is targeted (a guide of a targeted store, and one of
// the listed guides if any are). A customer in active relations with
// several targeted guides goes to one of them only: the guide of the
// earliest active relation (lowest relation id), so nobody is contacted
// twice for one task. The unique (task, member) key on items enforces it
// whatever the order stores are dispatched in.

// candidate is one relation row that becomes an item.
type candidate struct {
	ID             int64
	MemberID       int64
	GuideUserID    string
	ExternalUserID string
	ChatID         string // group_message tasks: the group
}

// guideScope is the SQL condition on guides g2 that says a guide is
// targeted by the task.
func guideScope(stores, guides []string) (string, []any) {
	cond, args := "g2.store_code <> ''", []any{}
	if len(stores) > 0 {
		cond, args = "g2.store_code IN ?", append(args, stores)
	}
	if len(guides) > 0 {
		cond += " AND g2.user_id IN ?"
		args = append(args, guides)
	}
	return cond, args
}

// candidates is the query over relations r joined to members that yields a
// task's items for the given guides (nil: every targeted guide).
func candidates(db *gorm.DB, f segments.TargetFilter, stores, guides, forGuides []string) *gorm.DB {
	scope, args := guideScope(stores, guides)
	q := db.Table("guide_relations r").Joins("JOIN members ON members.id = r.member_id").Where("r.active_key IS NOT NULL")
	if forGuides != nil {
		q = q.Where("r.guide_user_id IN ?", forGuides)
	} else {
		q = q.Where("r.guide_user_id IN (SELECT g2.user_id FROM guides g2 WHERE "+scope+")", args...)
	}
	q = q.Where("NOT EXISTS (SELECT 1 FROM guide_relations r2 JOIN guides g2 ON g2.user_id = r2.guide_user_id "+
		"WHERE r2.member_id = r.member_id AND r2.active_key IS NOT NULL AND r2.id < r.id AND "+scope+")", args...)
	return f.Apply(q, "members")
}

// storeGuides returns the targeted guides of a store.
func (s *Service) storeGuides(ctx context.Context, t Task, store string) ([]string, error) {
	q := s.db.WithContext(ctx).Model(&model.Guide{}).Where("store_code = ?", store)
	if len(t.GuideUserIDs) > 0 {
		q = q.Where("user_id IN ?", t.GuideUserIDs)
	}
	var out []string
	err := q.Order("user_id").Pluck("user_id", &out).Error
	return out, err
}

// writeItems streams the store's candidates guide by guide with keyset
// pagination (relation id) and inserts them in batches, skipping rows that
// exist; memory stays at one batch whatever the store's size. Candidates
// effect.HeldOut puts in the control group get a TaskHoldout row instead
// of an item, so no guide, coupon or message reaches them. It returns the
// guides who have items: those with treated candidates, which a re-run
// finds again (the hash decides the same) whether or not their rows were
// written before.
func (s *Service) writeItems(ctx context.Context, t Task, store string) ([]string, error) {
	guides, err := s.storeGuides(ctx, t, store)
	if err != nil {
		return nil, err
	}
	var withItems []string
	buf := make([]model.TaskItem, 0, s.batch)
	var held []model.TaskHoldout
	batches := 0
	flush := func() error {
		if len(buf) == 0 && len(held) == 0 {
			return nil
		}
		if err := s.writeBatch(ctx, buf, held); err != nil {
			return fmt.Errorf("write items of task %d, store %s: %w", t.ID, store, err)
		}
		buf, held, batches = buf[:0], held[:0], batches+1
		if s.afterBatch != nil {
			if err := s.afterBatch(t.ID, store, batches); err != nil {
				return err
			}
		}
		// A cancelled task stops here; the rows written so far stay, as
		// a record of what was dispatched.
		var state string
		if err := s.db.WithContext(ctx).Model(&model.HQTask{}).Where("id = ?", t.ID).Pluck("state", &state).Error; err != nil {
			return err
		}
		if !live(state) {
			return errCancelled
		}
		return nil
	}
	now := s.now().UTC()
	for _, g := range guides {
		var last int64
		for {
			page, err := s.itemPage(ctx, t, g, last)
			if err != nil {
				return nil, err
			}
			for _, c := range page {
				if effect.HeldOut(t.ID, c.MemberID, t.HoldoutPercent) {
					held = append(held, model.TaskHoldout{TaskID: t.ID, MemberID: c.MemberID, GuideUserID: c.GuideUserID,
						StoreCode: store, CreatedAt: now})
				} else {
					if len(withItems) == 0 || withItems[len(withItems)-1] != g {
						withItems = append(withItems, g)
					}
					buf = append(buf, model.TaskItem{TaskID: t.ID, MemberID: c.MemberID, GuideUserID: c.GuideUserID,
						StoreCode: store, ExternalUserID: c.ExternalUserID, ChatID: c.ChatID, Status: model.ItemOpen, CreatedAt: now})
				}
				if len(buf)+len(held) >= s.batch {
					if err := flush(); err != nil {
						return nil, err
					}
				}
			}
			if len(page) < s.batch {
				break
			}
			last = page[len(page)-1].ID
		}
	}
	return withItems, flush()
}

// itemPage returns one keyset page (ids after last) of a guide's
// candidates: their customers, or for a group_message task their groups.
func (s *Service) itemPage(ctx context.Context, t Task, guide string, last int64) ([]candidate, error) {
	if t.Kind == model.TaskKindGroupMessage {
		return s.groupPage(ctx, t, guide, last)
	}
	var page []candidate
	err := candidates(s.db.WithContext(ctx), t.Filter, t.StoreCodes, t.GuideUserIDs, []string{guide}).
		Select("r.id, r.member_id, r.guide_user_id, r.external_user_id").
		Where("r.id > ?", last).Order("r.id").Limit(s.batch).Scan(&page).Error
	return page, err
}

// writeBatch inserts a batch of items and held-out rows, skipping those
// that exist (a re-run), in one transaction.
func (s *Service) writeBatch(ctx context.Context, items []model.TaskItem, held []model.TaskHoldout) error {
	return s.st.Tx(ctx, func(tx *gorm.DB) error {
		if len(items) > 0 {
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&items).Error; err != nil {
				return err
			}
		}
		if len(held) > 0 {
			return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&held).Error
		}
		return nil
	})
}

// errCancelled stops a dispatch whose task was cancelled; asynq is told to
// not retry.
var errCancelled = fmt.Errorf("task cancelled during dispatch: %w", asynq.SkipRetry)

// StoreReach is how many customers a task would target in one store, and
// of them how many would be treated and held out (control). The split is
// the expected one (customers × holdout_percent / 100, rounded): who falls
// where is decided per member by the hash of the task id, which a preview
// does not have yet.
type StoreReach struct {
	StoreCode string `json:"store_code"`
	Guides    int64  `json:"guides"`
	Customers int64  `json:"customers"`
	Groups    int64  `gorm:"column:group_count" json:"groups,omitempty"` // group_message tasks
	Treated   int64  `json:"treated"`
	Control   int64  `json:"control"`
}

// PreviewInput is a task's targets without the rest of it.
type PreviewInput struct {
	Kind         string                `json:"kind"` // group_message counts groups; anything else customers
	GroupFilter  GroupFilter           `json:"group_filter"`
	StoreCodes   []string              `json:"store_codes"`
	GuideUserIDs []string              `json:"guide_userids"`
	Filter       segments.TargetFilter `json:"filter"`
	// HoldoutPercent (0–50) splits the counts into treated and control.
	HoldoutPercent int `json:"holdout_percent"`
}

// Preview counts, per targeted store, the guides with customers and the
// customers a task with these targets would reach, by the same rule as
// dispatch, with the expected treated and control counts; for kind
// group_message, the owners and their groups. Errors: EINVALID.
func (s *Service) Preview(ctx context.Context, in PreviewInput) ([]StoreReach, error) {
	if err := in.Filter.Validate(); err != nil {
		return nil, err
	}
	if in.HoldoutPercent < 0 || in.HoldoutPercent > effect.MaxHoldoutPercent {
		return nil, model.Errorf(model.EINVALID, "holdout_percent %d: want 0..%d", in.HoldoutPercent, effect.MaxHoldoutPercent)
	}
	stores, err := cleanList("store_codes", in.StoreCodes)
	if err != nil {
		return nil, err
	}
	guides, err := cleanList("guide_userids", in.GuideUserIDs)
	if err != nil {
		return nil, err
	}
	if err := s.checkTargets(ctx, stores, guides, nil); err != nil {
		return nil, err
	}
	if in.Kind == model.TaskKindGroupMessage {
		return s.previewGroups(ctx, in.GroupFilter, stores, guides)
	}
	q := candidates(s.db.WithContext(ctx), in.Filter, stores, guides, nil).
		Joins("JOIN guides g ON g.user_id = r.guide_user_id").
		Select("g.store_code AS store_code, COUNT(DISTINCT g.user_id) AS guides, COUNT(*) AS customers").
		Group("g.store_code").Order("g.store_code")
	out := []StoreReach{}
	if err := q.Scan(&out).Error; err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Control = (out[i].Customers*int64(in.HoldoutPercent) + 50) / 100
		out[i].Treated = out[i].Customers - out[i].Control
	}
	return out, nil
}
