package handler

import (
	"net/http"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
)

// timelineItem is one line of the customer's recent history in the sidebar.
type timelineItem struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Text   string    `json:"text"`
	Points int64     `json:"points,omitempty"`
}

// contactProfile is what the sidebar shows about the customer in the chat.
type contactProfile struct {
	model.Member
	TagSources map[string]string `json:"tag_sources"` // tag → scene, manual, segment or wecom
	Timeline   []timelineItem    `json:"timeline"`
	StoreName  string            `json:"store_name"`
	GuideName  string            `json:"guide_name"`
	// NextLevel needs NextLevelGrowth in total, ToNext more than now; empty
	// at the top level.
	NextLevel       string         `json:"next_level,omitempty"`
	NextLevelGrowth int64          `json:"next_level_growth,omitempty"`
	ToNext          int64          `json:"to_next,omitempty"`
	Coupons         []model.Coupon `json:"coupons"` // valid, newest first
}

// sidebarContact serves GET /api/sidebar/contacts/{external_userid}.
func (s *Server) sidebarContact(c *gin.Context) {
	m, err := s.customerFor(c, c.Param("external_userid"))
	if err != nil {
		writeError(c, err)
		return
	}
	p, err := s.contactProfile(c, m.ID)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, p)
}

// contactProfile gathers what the sidebar shows: the member with tags and
// expiring points, level progress, valid coupons, store and guide names,
// and the merged timeline of events, ledger entries and coupons.
func (s *Server) contactProfile(c *gin.Context, memberID int64) (contactProfile, error) {
	ctx := c.Request.Context()
	var p contactProfile
	full, err := s.members.GetMember(ctx, memberID)
	if err != nil {
		return p, err
	}
	ms := []model.Member{full}
	if err := s.loyalty.DecorateMembers(ctx, ms); err != nil {
		return p, err
	}
	p.Member = ms[0]
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
}

// ledgerText says what a ledger entry was.
var ledgerText = map[string]string{
	model.PointsCheckIn: "签到", model.PointsSceneBonus: "渠道礼", model.PointsOrder: "下单",
	model.PointsRefund: "退款", model.PointsRedeem: "兑换", model.PointsExpire: "积分过期",
	model.PointsAdjust: "积分调整", model.PointsInteraction: "互动", model.PointsBirthday: "生日礼",
	model.PointsReferral: "邀请好友", model.PointsFollow: "关注礼", model.PointsMerge: "账户合并",
}

// timeline merges events and ledger entries, newest first, at most n.
func timeline(events []model.MemberEvent, ledger []model.PointsEntry, n int) []timelineItem {
	out := make([]timelineItem, 0, len(events)+len(ledger))
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
		out = append(out, timelineItem{At: e.CreatedAt, Kind: e.Kind, Text: text})
	}
	for _, l := range ledger {
		text := ledgerText[l.Kind]
		if text == "" {
			text = l.Kind
		}
		if l.Note != "" {
			text += " · " + l.Note
		}
		out = append(out, timelineItem{At: l.CreatedAt, Kind: l.Kind, Text: text, Points: l.Delta})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.After(out[j].At) })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

type tagChange struct {
	Add    []string `json:"add"`
	Remove []string `json:"remove"`
}

// sidebarTags serves POST /api/sidebar/contacts/{external_userid}/tags:
// the guide adds or removes manual tags.
func (s *Server) sidebarTags(c *gin.Context) {
	m, err := s.customerFor(c, c.Param("external_userid"))
	if err != nil {
		writeError(c, err)
		return
	}
	var req tagChange
	if err := decodeJSON(c, &req); err != nil {
		writeError(c, err)
		return
	}
	if len(req.Add) == 0 && len(req.Remove) == 0 {
		writeError(c, invalid("add or remove: name at least one tag"))
		return
	}
	g, _ := guideOf(c)
	full, err := s.members.ChangeManualTags(c.Request.Context(), m.ID, req.Add, req.Remove, g.UserID)
	if err != nil {
		writeError(c, err)
		return
	}
	s.queueTagMirror(c, full.ID, req.Remove)
	c.JSON(http.StatusOK, gin.H{"tags": full.Tags})
}
