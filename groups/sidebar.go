package groups

import (
	"context"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// SidebarGroup is what a guide sees of a group in the chat sidebar.
type SidebarGroup struct {
	ChatID      string `json:"chat_id"`
	Name        string `json:"name"`
	Owner       string `json:"owner"`
	OwnerName   string `json:"owner_name"`
	StoreCode   string `json:"store_code"`
	MemberCount int    `json:"member_count"`
	JoinsWeek   int64  `json:"joins_week"` // joins in the last 7 days
	QuitsWeek   int64  `json:"quits_week"`
	// Members are the people in it who are Siyu members, by points;
	// Prospects those who are not members yet.
	Members   []SidebarMember `json:"members"`
	Prospects []SidebarMember `json:"prospects"`
}

// SidebarMember is one customer in the group.
type SidebarMember struct {
	UserID   string `json:"userid"`
	Name     string `json:"name"`
	MemberID int64  `json:"member_id,omitempty"`
	Level    string `json:"level,omitempty"`
	Points   int64  `json:"points"`
}

// ErrGroupNotYours is the answer for a group the guide may not see, and
// for one Siyu does not know, alike.
var ErrGroupNotYours = model.Errorf(model.EFORBIDDEN, "这个群不在你的管理范围内")

// ForGuide returns the group for the sidebar if guide g may see it: they
// own it or are in it, or they manage the group's store. Errors:
// ErrGroupNotYours, the database's.
func (s *Service) ForGuide(ctx context.Context, g model.Guide, chatID string) (SidebarGroup, error) {
	d, err := s.Get(ctx, chatID)
	if err != nil {
		if model.ErrorCode(err) == model.ENOTFOUND {
			return SidebarGroup{}, ErrGroupNotYours
		}
		return SidebarGroup{}, err
	}
	if !mayOpen(g, d) {
		return SidebarGroup{}, ErrGroupNotYours
	}
	out := SidebarGroup{ChatID: d.ChatID, Name: d.Name, Owner: d.Owner, StoreCode: d.StoreCode, MemberCount: d.MemberCount,
		Members: []SidebarMember{}, Prospects: []SidebarMember{}}
	var owner model.Guide
	if err := s.db.WithContext(ctx).Where("user_id = ?", d.Owner).Limit(1).Find(&owner).Error; err != nil {
		return out, err
	}
	out.OwnerName = owner.Name
	since := s.now().Add(-7 * 24 * time.Hour)
	q := s.db.WithContext(ctx).Model(&model.GroupMember{}).Where("chat_id = ?", chatID)
	if err := q.Session(&gorm.Session{}).Where("join_time >= ?", since).Count(&out.JoinsWeek).Error; err != nil {
		return out, err
	}
	if err := q.Session(&gorm.Session{}).Where("quit_at >= ?", since).Count(&out.QuitsWeek).Error; err != nil {
		return out, err
	}
	err = s.db.WithContext(ctx).Table("customer_group_members gm").
		Select("gm.user_id AS user_id, gm.name AS name, gm.member_id AS member_id, COALESCE(m.level, '') AS level, COALESCE(m.points, 0) AS points").
		Joins("LEFT JOIN members m ON m.id = gm.member_id").
		Where("gm.chat_id = ? AND gm.type = ? AND gm.quit_at IS NULL", chatID, model.GroupMemberExternal).
		Order("m.points DESC, gm.join_time").Scan(&out.Members).Error
	if err != nil {
		return out, err
	}
	var kept []SidebarMember
	for _, m := range out.Members {
		if m.MemberID == 0 {
			out.Prospects = append(out.Prospects, m)
		} else {
			kept = append(kept, m)
		}
	}
	out.Members = append([]SidebarMember{}, kept...)
	return out, nil
}

// mayOpen: the owner, a guide in the group, or the store's manager.
func mayOpen(g model.Guide, d GroupDetail) bool {
	if g.UserID == d.Owner {
		return true
	}
	if g.Role == model.RoleStoreManager && g.StoreCode != "" && g.StoreCode == d.StoreCode {
		return true
	}
	for _, m := range d.Members {
		if m.Type == model.GroupMemberInternal && m.UserID == g.UserID && m.Active() {
			return true
		}
	}
	return false
}
