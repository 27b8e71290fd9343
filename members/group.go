package members

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tagging"
)

// GroupJoin is an external contact found in a customer group: they joined
// ChatID (called GroupName, owned by guide Owner) at At, through a group
// code whose state is State (a scene name, or empty).
type GroupJoin struct {
	CorpID, ExternalUserID, Name string
	ChatID, GroupName, Owner     string
	State                        string
	At                           time.Time
}

// LookupScene returns the scene called name, nil when name is empty or not
// configured (unknown then reports the latter). Errors: the database's.
func (s *Service) LookupScene(ctx context.Context, name string) (sc *model.Scene, unknown bool, err error) {
	return s.lookupScene(ctx, name)
}

// JoinGroupTx records, inside the caller's transaction, that the customer
// joined a group. Through a scene (sc not nil) the customer becomes a
// member if they were not one and the scene applies exactly as on a follow
// or a contact-way add: first scene, store (the scene's, else the group
// owner's), the scene's guide when it names one, the scene's tags. Without
// a scene only an existing member is touched. A dated group_join event goes
// on the member's timeline. It returns the member id (0: not a member).
// Call it once per join; the caller dedupes. Errors: the database's.
func (s *Service) JoinGroupTx(tx *gorm.DB, j GroupJoin, sc *model.Scene) (int64, error) {
	var m model.Member
	if sc == nil {
		id, err := s.wecomMemberID(tx, j.CorpID, j.ExternalUserID)
		if err != nil || id == 0 {
			return 0, err
		}
		m.ID = id
	} else {
		var err error
		if m, _, err = findOrCreateLocked(tx, model.PlatformWeCom, j.CorpID, j.ExternalUserID); err != nil {
			return 0, err
		}
		if err := s.applyGroupScene(tx, m, j, sc); err != nil {
			return 0, err
		}
	}
	ev := model.MemberEvent{MemberID: m.ID, Kind: model.EventGroupJoin, Scene: j.State,
		Detail: fmt.Sprintf("加入客户群「%s」", groupLabel(j.GroupName, j.ChatID)), CreatedAt: j.At.UTC()}
	return m.ID, tx.Create(&ev).Error
}

// applyGroupScene applies a scene's binding and tags to m.
func (s *Service) applyGroupScene(tx *gorm.DB, m model.Member, j GroupJoin, sc *model.Scene) error {
	upd := map[string]any{"last_active_at": j.At.UTC()}
	if m.FirstScene == "" {
		upd["first_scene"] = sc.Scene
	}
	if m.Nickname == "" && j.Name != "" {
		upd["nickname"] = j.Name
	}
	if m.GuideUserID == "" && sc.GuideUserID != "" {
		upd["guide_user_id"] = sc.GuideUserID
	}
	if m.StoreCode == "" {
		store := sc.StoreCode
		if store == "" && j.Owner != "" {
			var g model.Guide
			if err := tx.Where("user_id = ?", j.Owner).Take(&g).Error; err == nil {
				store = g.StoreCode
			} else if !errors.Is(err, gorm.ErrRecordNotFound) {
				return err
			}
		}
		if store != "" {
			upd["store_code"] = store
		}
	}
	if err := tx.Model(&model.Member{}).Where("id = ?", m.ID).Updates(upd).Error; err != nil {
		return err
	}
	return tagging.PutTags(tx, m.ID, sc.Tags, model.TagSourceScene)
}

// QuitGroupTx puts a dated group_quit event on the member's timeline.
// Errors: the database's.
func (s *Service) QuitGroupTx(tx *gorm.DB, memberID int64, chatID, groupName string, at time.Time) error {
	ev := model.MemberEvent{MemberID: memberID, Kind: model.EventGroupQuit,
		Detail: fmt.Sprintf("退出客户群「%s」", groupLabel(groupName, chatID)), CreatedAt: at.UTC()}
	return tx.Create(&ev).Error
}

// wecomMemberID is the member behind an external contact, 0 for none.
func (s *Service) wecomMemberID(tx *gorm.DB, corpID, externalUserID string) (int64, error) {
	var id model.Identity
	err := tx.Where("platform = ? AND app_id = ? AND external_id = ?", model.PlatformWeCom, corpID, externalUserID).Take(&id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, nil
	}
	return id.MemberID, err
}

func groupLabel(name, chatID string) string {
	if name != "" {
		return name
	}
	return chatID
}
