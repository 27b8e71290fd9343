package groups

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// What waits on the queue. A groupchat/get read and a sync run's next
// page are queued jobs; Redis may lose them. So each is written down
// before it is queued — the group's DetailsWantedAt and DetailsJob, the
// run's Cursor — and the sweeper (tasks/sweeper_groups.go) queues again
// what is still wanted and no longer queued.

// WantDetails records that reads of the groups' details are queued under
// key (their TaskIDs derive from chat id and key), creating the rows of
// groups that are new, in one transaction for a whole sync page. Errors:
// the database's.
func (s *Service) WantDetails(ctx context.Context, corpID string, chatIDs []string, key string) error {
	if len(chatIDs) == 0 {
		return nil
	}
	now := utc(s.now())
	rows := make([]model.Group, len(chatIDs))
	for i, id := range chatIDs {
		rows[i] = model.Group{CorpID: corpID, ChatID: id, CreatedAt: now, UpdatedAt: now}
	}
	return s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(rows, 200).Error; err != nil {
			return err
		}
		return tx.Model(&model.Group{}).Where("chat_id IN ? AND dismissed_at IS NULL", chatIDs).
			Updates(map[string]any{"details_wanted_at": now, "details_job": key}).Error
	})
}

// DetailsRead records that a read of the group's details that started at
// `started` is done (or found the group gone): a read wanted after it
// started stays wanted. Errors: the database's.
// It runs as a retried transaction: on MySQL the one UPDATE can lose a
// deadlock to a page's WantDetails, and failing here would make the queue
// read the group from WeCom again.
func (s *Service) DetailsRead(ctx context.Context, chatID string, started time.Time) error {
	return s.st.Tx(ctx, func(tx *gorm.DB) error {
		return tx.Model(&model.Group{}).
			Where("chat_id = ? AND details_wanted_at IS NOT NULL AND details_wanted_at <= ?", chatID, utc(started)).
			Updates(map[string]any{"details_wanted_at": nil, "details_job": ""}).Error
	})
}

// StartSync records a sync run before its first page is queued. Starting
// a run that exists changes nothing. Errors: the database's.
func (s *Service) StartSync(ctx context.Context, corpID, run string, owners []string) error {
	now := utc(s.now())
	r := model.GroupSyncRun{Run: run, CorpID: corpID, Owners: owners, CreatedAt: now, UpdatedAt: now}
	return s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error
}

// SyncRun returns a run; found is false for a run never started (a page
// queued before runs were recorded). Errors: the database's.
func (s *Service) SyncRun(ctx context.Context, run string) (r model.GroupSyncRun, found bool, err error) {
	found, err = store.Found(s.db.WithContext(ctx).Where("run = ?", run).Take(&r).Error)
	return r, found, err
}

// SyncPageListed moves the run past the page at cursor: next is the page
// to list now, "" when the run is finished. A page listed twice moves it
// once. Errors: the database's.
func (s *Service) SyncPageListed(ctx context.Context, run, cursor, next string) error {
	up := map[string]any{"page_cursor": next, "pages": gorm.Expr("pages + 1"), "updated_at": utc(s.now())}
	if next == "" || next == cursor {
		up["page_cursor"], up["finished_at"] = cursor, utc(s.now())
	}
	return s.db.WithContext(ctx).Model(&model.GroupSyncRun{}).
		Where("run = ? AND page_cursor = ? AND finished_at IS NULL", run, cursor).Updates(up).Error
}
