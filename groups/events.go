package groups

import (
	"context"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// change_external_chat change types and update details.
const (
	ChangeCreate  = "create"
	ChangeUpdate  = "update"
	ChangeDismiss = "dismiss"

	DetailAddMember    = "add_member"
	DetailDelMember    = "del_member"
	DetailChangeOwner  = "change_owner"
	DetailChangeName   = "change_name"
	DetailChangeNotice = "change_notice"
)

// ChatEvent is a decoded change_external_chat event.
type ChatEvent struct {
	CorpID, ChatID           string
	ChangeType, UpdateDetail string
	JoinScene, QuitScene     int
	MemChangeList            []string // the userids that joined or left, when WeCom lists them
	At                       time.Time
}

// RecordEvent applies what the event alone says: the group exists (created
// from the event when it is new), a dismiss marks it dismissed for good,
// a del_member marks the listed people as having left at the event time
// (unless they joined again later). fetch reports whether groupchat/get
// should fill the details in: not for a dismissed group. Replays and
// events out of order leave the same rows. Errors: the database's.
func (s *Service) RecordEvent(ctx context.Context, ev ChatEvent) (fetch bool, err error) {
	if ev.ChatID == "" {
		return false, model.Errorf(model.EINVALID, "change_external_chat without ChatId")
	}
	at := utc(ev.At)
	err = s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		g, err := lockGroup(tx, ev.CorpID, ev.ChatID, utc(s.now()))
		if err != nil {
			return err
		}
		if g.DismissedAt != nil {
			fetch = false
			return nil
		}
		switch {
		case ev.ChangeType == ChangeDismiss:
			fetch = false
			return s.dismiss(tx, g, at)
		case ev.ChangeType == ChangeUpdate && ev.UpdateDetail == DetailDelMember:
			fetch = true
			return s.recordQuits(tx, g, ev.MemChangeList, at, ev.QuitScene)
		}
		fetch = true
		return nil
	})
	return fetch, err
}

// lockGroup returns the group's row, locked, creating it if it is new.
func lockGroup(tx *gorm.DB, corpID, chatID string, now time.Time) (model.Group, error) {
	var cur model.Group
	found, err := store.Found(store.ForUpdate(tx.Where("chat_id = ?", chatID)).Take(&cur).Error)
	if err != nil || found {
		return cur, err
	}
	g := model.Group{CorpID: corpID, ChatID: chatID, CreatedAt: now, UpdatedAt: now}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&g).Error; err != nil {
		return g, err
	}
	err = store.ForUpdate(tx.Where("chat_id = ?", chatID)).Take(&cur).Error
	return cur, err
}

// dismiss marks the group dismissed and everyone in it gone.
func (s *Service) dismiss(tx *gorm.DB, g model.Group, at time.Time) error {
	if err := tx.Model(&model.Group{}).Where("id = ?", g.ID).Updates(map[string]any{"dismissed_at": at, "member_count": 0}).Error; err != nil {
		return err
	}
	var active []model.GroupMember
	if err := tx.Where("chat_id = ? AND quit_at IS NULL", g.ChatID).Find(&active).Error; err != nil {
		return err
	}
	for _, m := range active {
		if err := s.quit(tx, g, m, at, 0); err != nil {
			return err
		}
	}
	return nil
}

// recordQuits marks the listed people as gone at `at`. Someone who joined
// after `at` stays (the event is older than their join); someone already
// marked gone by a reconcile gets the event's exact time and scene.
func (s *Service) recordQuits(tx *gorm.DB, g model.Group, userIDs []string, at time.Time, scene int) error {
	if len(userIDs) == 0 {
		return nil
	}
	var rows []model.GroupMember
	if err := tx.Where("chat_id = ? AND user_id IN ?", g.ChatID, userIDs).Find(&rows).Error; err != nil {
		return err
	}
	for _, m := range rows {
		switch {
		case m.JoinTime.After(at):
			continue
		case m.Active():
			if err := s.quit(tx, g, m, at, scene); err != nil {
				return err
			}
		default:
			if err := tx.Model(&model.GroupMember{}).Where("id = ?", m.ID).
				Updates(map[string]any{"quit_at": at, "quit_scene": scene}).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// quit marks one active person gone and puts it on the member's timeline.
func (s *Service) quit(tx *gorm.DB, g model.Group, m model.GroupMember, at time.Time, scene int) error {
	if err := tx.Model(&model.GroupMember{}).Where("id = ?", m.ID).
		Updates(map[string]any{"quit_at": at, "quit_scene": scene}).Error; err != nil {
		return err
	}
	if m.MemberID == 0 || s.members == nil {
		return nil
	}
	return s.members.QuitGroupTx(tx, m.MemberID, g.ChatID, g.Name, at)
}
