package groups

import (
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// watchCapacity returns the group codes that list g and have not yet been
// warned about it, once g holds WarnAt people or more, and marks them
// warned; a group that empties below WarnAt again re-arms its codes.
func (s *Service) watchCapacity(tx *gorm.DB, g model.Group, now time.Time) ([]model.GroupCode, error) {
	var codes []model.GroupCode
	if err := tx.Order("id").Find(&codes).Error; err != nil {
		return nil, err
	}
	var out []model.GroupCode
	for _, c := range codes {
		if !slices.Contains(c.ChatIDs, g.ChatID) {
			continue
		}
		switch {
		case g.MemberCount >= WarnAt && c.CapacityWarned != g.ChatID:
			res := tx.Model(&model.GroupCode{}).Where("id = ? AND capacity_warned <> ?", c.ID, g.ChatID).
				Updates(map[string]any{"capacity_warned": g.ChatID, "warned_at": now})
			if res.Error != nil {
				return nil, res.Error
			}
			if res.RowsAffected == 1 {
				c.CapacityWarned, c.WarnedAt = g.ChatID, &now
				out = append(out, c)
			}
		case g.MemberCount < WarnAt && c.CapacityWarned == g.ChatID:
			if err := tx.Model(&model.GroupCode{}).Where("id = ?", c.ID).
				Updates(map[string]any{"capacity_warned": "", "warned_at": nil}).Error; err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// CapacityText is the warning to a code's group owner and HQ: which code,
// which group, how full, and what happens next.
func CapacityText(c model.GroupCode, g model.Group) string {
	next := "请尽快在企业微信中新建群并加入该群码，避免客户扫码进不了群。"
	if c.AutoCreateRoom {
		next = "该群码已开启自动建群，群满后企业微信将自动新建「" + c.RoomBaseName + "」群。"
	}
	name := g.Name
	if name == "" {
		name = g.ChatID
	}
	return "【群容量提醒】群码「" + c.Scene + "」的群「" + name + "」已有 " + strconv.Itoa(g.MemberCount) + " 人（上限 " +
		strconv.Itoa(model.GroupCapacity) + " 人）。" + next
}
