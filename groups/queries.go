package groups

import (
	"context"
	"time"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// ErrGroupNotFound is returned for a chat id Siyu has not heard of.
var ErrGroupNotFound = model.Errorf(model.ENOTFOUND, "customer group not found")

// Filter selects groups for HQ's list.
type Filter struct {
	StoreCode, Owner, Q string
	Limit, Offset       int
}

// List returns groups matching f, newest first (limit 50 by default, at
// most 500). Errors: the database's.
func (s *Service) List(ctx context.Context, f Filter) ([]model.Group, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	q := s.db.WithContext(ctx).Model(&model.Group{})
	if f.StoreCode != "" {
		q = q.Where("store_code = ?", f.StoreCode)
	}
	if f.Owner != "" {
		q = q.Where("owner = ?", f.Owner)
	}
	if f.Q != "" {
		q = q.Where("name LIKE ? OR chat_id = ?", "%"+f.Q+"%", f.Q)
	}
	out := []model.Group{}
	err := q.Order("id DESC").Limit(f.Limit).Offset(max(f.Offset, 0)).Find(&out).Error
	return out, err
}

// GroupDetail is a group with everyone who is or was in it.
type GroupDetail struct {
	model.Group
	Members []model.GroupMember `json:"members"`
}

// Get returns the group with its members (those still in first, by join
// time). Errors: ErrGroupNotFound.
func (s *Service) Get(ctx context.Context, chatID string) (GroupDetail, error) {
	var d GroupDetail
	err := s.db.WithContext(ctx).Where("chat_id = ?", chatID).Take(&d.Group).Error
	if err != nil {
		return d, store.NotFound(err, ErrGroupNotFound)
	}
	d.Members = []model.GroupMember{}
	err = s.db.WithContext(ctx).Where("chat_id = ?", chatID).Order("CASE WHEN quit_at IS NULL THEN 0 ELSE 1 END, join_time, id").Find(&d.Members).Error
	return d, err
}

// MemberGroup is one group a member is or was in.
type MemberGroup struct {
	ChatID    string     `json:"chat_id"`
	Name      string     `json:"name"`
	Owner     string     `json:"owner"`
	StoreCode string     `json:"store_code"`
	JoinTime  time.Time  `json:"join_time"`
	State     string     `json:"state,omitempty"`
	QuitAt    *time.Time `json:"quit_at,omitempty"`
}

// MemberGroups returns the groups the member joined, those they are still
// in first. Errors: the database's.
func (s *Service) MemberGroups(ctx context.Context, memberID int64) ([]MemberGroup, error) {
	out := []MemberGroup{}
	err := s.db.WithContext(ctx).Table("customer_group_members m").
		Select("m.chat_id, g.name, g.owner, g.store_code, m.join_time, m.state, m.quit_at").
		Joins("JOIN customer_groups g ON g.chat_id = m.chat_id").Where("m.member_id = ?", memberID).
		Order("CASE WHEN m.quit_at IS NULL THEN 0 ELSE 1 END, m.join_time DESC").Scan(&out).Error
	return out, err
}
