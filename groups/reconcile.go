package groups

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/wx"
)

// Reconciled is what Reconcile did to one group.
type Reconciled struct {
	Group   model.Group
	Joined  int // people new in the group (or back in it)
	Left    int // people no longer in it
	Skipped bool
	// Warnings are the group codes that just reached WarnAt in this group
	// and were not warned about it before.
	Warnings []model.GroupCode
}

// Reconcile makes the group's rows what groupchat/get says: name, owner,
// store (the owner's), notice and size, and its members. A person new in
// the group is recorded with join time, scene, invitor and state; a
// customer who came through a code whose state is a scene is made a member
// and tagged, bound and credited the scene's bonus as any way in through
// that scene does (the bonus once per member and scene). People no longer
// listed are marked gone. A dismissed group is left alone (Skipped). Run
// twice with the same answer, it changes nothing the second time.
// Errors: the database's, the ledger's.
func (s *Service) Reconcile(ctx context.Context, corpID string, chat wx.GroupChat) (Reconciled, error) {
	var res Reconciled
	scenes, err := s.scenesOf(ctx, chat)
	if err != nil {
		return res, err
	}
	now := utc(s.now())
	err = s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		res = Reconciled{}
		g, err := lockGroup(tx, corpID, chat.ChatID, now)
		if err != nil {
			return err
		}
		if g.DismissedAt != nil {
			res.Group, res.Skipped = g, true
			return nil
		}
		if g, err = s.applyDetails(tx, g, chat, now); err != nil {
			return err
		}
		res.Group = g
		if res.Joined, res.Left, err = s.applyMembers(tx, g, corpID, chat, scenes, now); err != nil {
			return err
		}
		res.Warnings, err = s.watchCapacity(tx, g, now)
		return err
	})
	if err != nil || res.Skipped {
		return res, err
	}
	return res, s.creditBonuses(ctx, chat.ChatID, scenes)
}

// scenesOf looks up the scenes named by the members' states.
func (s *Service) scenesOf(ctx context.Context, chat wx.GroupChat) (map[string]*model.Scene, error) {
	out := map[string]*model.Scene{}
	for _, m := range chat.Members {
		if m.State == "" || m.Type != model.GroupMemberExternal {
			continue
		}
		if _, seen := out[m.State]; seen {
			continue
		}
		sc, unknown, err := s.members.LookupScene(ctx, m.State)
		if err != nil {
			return nil, err
		}
		if unknown {
			s.log.Warn("group join through an unknown scene; no tags applied", "state", m.State, "chat_id", chat.ChatID)
		}
		out[m.State] = sc
	}
	return out, nil
}

// applyDetails writes the group's own fields.
func (s *Service) applyDetails(tx *gorm.DB, g model.Group, chat wx.GroupChat, now time.Time) (model.Group, error) {
	storeCode := g.StoreCode
	if chat.Owner != g.Owner || storeCode == "" {
		var guide model.Guide
		found, err := store.Found(tx.Where("user_id = ?", chat.Owner).Take(&guide).Error)
		if err != nil {
			return g, err
		}
		if found {
			storeCode = guide.StoreCode
		}
	}
	upd := map[string]any{"name": chat.Name, "owner": chat.Owner, "notice": chat.Notice, "store_code": storeCode,
		"member_count": len(chat.Members), "details_at": now}
	if chat.CreateTime > 0 {
		upd["chat_created"] = unix(chat.CreateTime)
	}
	if err := tx.Model(&model.Group{}).Where("id = ?", g.ID).Updates(upd).Error; err != nil {
		return g, err
	}
	err := tx.Take(&g, g.ID).Error
	return g, err
}

// applyMembers brings the member rows to the list.
func (s *Service) applyMembers(tx *gorm.DB, g model.Group, corpID string, chat wx.GroupChat, scenes map[string]*model.Scene, now time.Time) (joined, left int, err error) {
	var rows []model.GroupMember
	if err := tx.Where("chat_id = ?", g.ChatID).Find(&rows).Error; err != nil {
		return 0, 0, err
	}
	have := make(map[string]model.GroupMember, len(rows))
	for _, r := range rows {
		have[r.UserID] = r
	}
	listed := make(map[string]bool, len(chat.Members))
	for _, m := range chat.Members {
		listed[m.UserID] = true
		cur, ok := have[m.UserID]
		if ok && cur.Active() && cur.JoinTime.Equal(unix(m.JoinTime)) {
			continue // known and unchanged
		}
		if err := s.join(tx, g, corpID, cur, m, scenes[m.State]); err != nil {
			return 0, 0, err
		}
		joined++
	}
	for _, r := range rows {
		if r.Active() && !listed[r.UserID] {
			if err := s.quit(tx, g, r, now, 0); err != nil {
				return 0, 0, err
			}
			left++
		}
	}
	return joined, left, nil
}

// join records one person's (re)joining; cur is their old row, if any.
func (s *Service) join(tx *gorm.DB, g model.Group, corpID string, cur model.GroupMember, m wx.GroupChatMember, sc *model.Scene) error {
	row := model.GroupMember{ID: cur.ID, ChatID: g.ChatID, UserID: m.UserID, Type: m.Type, MemberID: cur.MemberID, Name: m.Name,
		JoinTime: unix(m.JoinTime), JoinScene: m.JoinScene, Invitor: m.Invitor, State: m.State}
	if m.Type == model.GroupMemberExternal && s.members != nil {
		id, err := s.members.JoinGroupTx(tx, members.GroupJoin{CorpID: corpID, ExternalUserID: m.UserID, Name: m.Name,
			ChatID: g.ChatID, GroupName: g.Name, Owner: g.Owner, State: m.State, At: row.JoinTime}, sc)
		if err != nil {
			return err
		}
		if id != 0 {
			row.MemberID = id
		}
	}
	if row.ID == 0 {
		return tx.Create(&row).Error
	}
	return tx.Model(&model.GroupMember{}).Where("id = ?", row.ID).Updates(map[string]any{
		"type": row.Type, "member_id": row.MemberID, "name": row.Name, "join_time": row.JoinTime, "join_scene": row.JoinScene,
		"invitor": row.Invitor, "state": row.State, "quit_at": nil, "quit_scene": 0}).Error
}

// creditBonuses credits each scene's bonus to the members in the group who
// came through it. The ledger's key is the one every way in uses, so a
// member gets a scene's bonus once however they arrived, and a failure
// here is made good by the retry.
func (s *Service) creditBonuses(ctx context.Context, chatID string, scenes map[string]*model.Scene) error {
	if s.loyalty == nil {
		return nil
	}
	for state, sc := range scenes {
		if sc == nil || sc.BonusPoints <= 0 {
			continue
		}
		var ids []int64
		if err := s.db.WithContext(ctx).Model(&model.GroupMember{}).Where("chat_id = ? AND state = ? AND member_id <> 0", chatID, state).
			Pluck("member_id", &ids).Error; err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := s.loyalty.Post(ctx, loyalty.Entry{MemberID: id, Delta: sc.BonusPoints, Kind: model.PointsSceneBonus,
				IdemKey: fmt.Sprintf("scene_bonus:%d:%s", id, sc.Scene), Note: "渠道礼: " + sc.Scene}); err != nil {
				return fmt.Errorf("scene bonus for member %d: %w", id, err)
			}
		}
	}
	return nil
}
