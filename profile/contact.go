// Package profile assembles what people read about a member from the
// services that each hold a part: the sidebar's contact profile (member,
// tags and their sources, level progress, coupons, store, guide and the
// timeline).
package profile

import (
	"context"
	"sort"
	"time"

	"github.com/siyu/siyu/guides"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tagging"
)

// Service reads member profiles across services.
type Service struct {
	members *members.Service
	loyalty *loyalty.Service
	tags    *tagging.Service
	guides  *guides.Service
}

// New returns a Service over the services that hold the profile's parts.
func New(m *members.Service, l *loyalty.Service, tags *tagging.Service, g *guides.Service) *Service {
	return &Service{members: m, loyalty: l, tags: tags, guides: g}
}

// TimelineItem is one line of the customer's recent history in the sidebar.
type TimelineItem struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Text   string    `json:"text"`
	Points int64     `json:"points,omitempty"`
}

// Contact is what the sidebar shows about the customer in the chat.
type Contact struct {
	model.MemberView
	TagSources map[string]string `json:"tag_sources"` // tag → scene, manual, segment or wecom
	Timeline   []TimelineItem    `json:"timeline"`
	StoreName  string            `json:"store_name"`
	GuideName  string            `json:"guide_name"`
	// NextLevel needs NextLevelGrowth in total, ToNext more than now; empty
	// at the top level.
	NextLevel       string         `json:"next_level,omitempty"`
	NextLevelGrowth int64          `json:"next_level_growth,omitempty"`
	ToNext          int64          `json:"to_next,omitempty"`
	Coupons         []model.Coupon `json:"coupons"` // valid, newest first
}

// Contact gathers what the sidebar shows about a member: the member with
// tags and expiring points, level progress, valid coupons, store and guide
// names, and the merged timeline of events and ledger entries. Errors:
// ErrMemberNotFound, the database's.
func (s *Service) Contact(ctx context.Context, memberID int64) (Contact, error) {
	var p Contact
	full, err := s.members.GetMember(ctx, memberID)
	if err != nil {
		return p, err
	}
	ms := []model.MemberView{full}
	if err := s.loyalty.DecorateMembers(ctx, ms); err != nil {
		return p, err
	}
	p.MemberView = ms[0]
	events, err := s.members.Events(ctx, full.ID, 30)
	if err != nil {
		return p, err
	}
	ledger, err := s.loyalty.Ledger(ctx, full.ID, 30)
	if err != nil {
		return p, err
	}
	if p.TagSources, err = s.tags.TagSources(ctx, full.ID); err != nil {
		return p, err
	}
	lv, err := s.loyalty.MemberLevel(ctx, full.ID)
	if err != nil {
		return p, err
	}
	if lv.Next != nil {
		p.NextLevel, p.NextLevelGrowth, p.ToNext = lv.Next.Name, lv.Next.Threshold, lv.ToNext
	}
	if p.Coupons, err = s.loyalty.MemberCoupons(ctx, full.ID, true, 20); err != nil {
		return p, err
	}
	if p.StoreName, err = s.guides.StoreName(ctx, full.StoreCode); err != nil {
		return p, err
	}
	if full.GuideUserID != "" {
		if g, _, err := s.guides.GuideByUserID(ctx, full.GuideUserID); err == nil {
			p.GuideName = g.Name
		}
	}
	p.Timeline = timeline(events, ledger, 30)
	return p, nil
}

// eventText says what an event was, in the guide's words.
var eventText = map[string]string{
	model.EventFollow: "关注公众号", model.EventUnfollow: "取消关注公众号", model.EventScan: "扫码",
	model.EventMessage: "发消息", model.EventClick: "点击菜单", model.EventTag: "导购改标签",
	model.EventGroupJoin: "加入客户群", model.EventGroupQuit: "退出客户群",
}

// ledgerText says what a ledger entry was.
var ledgerText = map[string]string{
	model.PointsCheckIn: "签到", model.PointsSceneBonus: "渠道礼", model.PointsOrder: "下单",
	model.PointsRefund: "退款", model.PointsRedeem: "兑换", model.PointsExpire: "积分过期",
	model.PointsAdjust: "积分调整", model.PointsInteraction: "互动", model.PointsBirthday: "生日礼",
	model.PointsReferral: "邀请好友", model.PointsFollow: "关注礼", model.PointsMerge: "账户合并",
}

// timeline merges events and ledger entries, newest first, at most n.
func timeline(events []model.MemberEvent, ledger []model.PointsEntry, n int) []TimelineItem {
	out := make([]TimelineItem, 0, len(events)+len(ledger))
	for _, e := range events {
		text := eventText[e.Kind]
		if text == "" {
			text = e.Kind
		}
		if e.Scene != "" {
			text += " · " + e.Scene
		} else if e.Kind == model.EventTag && e.Detail != "" {
			text += " · " + e.Detail
		}
		out = append(out, TimelineItem{At: e.CreatedAt, Kind: e.Kind, Text: text})
	}
	for _, l := range ledger {
		text := ledgerText[l.Kind]
		if text == "" {
			text = l.Kind
		}
		if l.Note != "" {
			text += " · " + l.Note
		}
		out = append(out, TimelineItem{At: l.CreatedAt, Kind: l.Kind, Text: text, Points: l.Delta})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	if len(out) > n {
		out = out[:n]
	}
	return out
}
