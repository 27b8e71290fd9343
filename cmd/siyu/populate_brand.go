package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"
	"time"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/scripts"
	"github.com/siyu/siyu/segments"
)

// simMember is a populated member and how they behave.
type simMember struct {
	id                int64
	openID, external  string
	store, guide      string
	joined            int     // day index
	activeUntil       int     // day index after which they go quiet
	checkin, orderP   float64 // daily chances while active
	subscribed, wecom bool
}

type pendingCoupon struct {
	code, store string
	day         int
	member      int64 // set with withOrder
	withOrder   bool  // a pushed coupon the customer comes in for: an order follows its 核销
}

// populator drives the services day by day on the moved clock.
type populator struct {
	a             *app
	clock         *simClock
	rnd           *rand.Rand
	loc           *time.Location
	out           io.Writer
	appID, corpID string
	rules         segments.SegmentRules

	stores  []model.Store
	guides  map[string][]string // store → guide userids
	scenes  []string
	rewards []model.Reward
	tmplIDs []int64
	members []*simMember
	coupons []pendingCoupon
	tasks   []simTask
	n       struct{ checkins, orders, refunds, redemptions, coupons, unfollows, items int }
}

var brandStores = []model.Store{
	{Code: "sh001", Name: "上海南京西路店"}, {Code: "sh002", Name: "上海徐家汇店"}, {Code: "bj001", Name: "北京三里屯店"},
	{Code: "bj002", Name: "北京国贸店"}, {Code: "gz001", Name: "广州天河城店"}, {Code: "sz001", Name: "深圳万象城店"},
	{Code: "hz001", Name: "杭州湖滨银泰店"}, {Code: "cd001", Name: "成都太古里店"},
}

var guideNames = []string{"王晓雯", "李佳琪", "张敏", "陈静", "刘洋", "赵婷", "孙悦", "周杰", "吴倩", "郑爽", "冯露", "何佳", "许诺", "韩雪", "曹颖", "彭丽", "蒋欣", "沈梦", "唐宁", "罗娜", "高媛", "林琳", "梁爽", "宋佳"}

// brand creates the stores, guides, scenes, coupon templates and rewards.
func (p *populator) brand(ctx context.Context) error {
	p.guides = map[string][]string{}
	k := 0
	for _, st := range brandStores {
		saved, _, err := p.a.guides.SaveStore(ctx, st)
		if err != nil {
			return err
		}
		p.stores = append(p.stores, saved)
		for i := 1; i <= 3; i++ {
			g := model.Guide{UserID: fmt.Sprintf("%s_g%d", st.Code, i), Name: guideNames[k%len(guideNames)], StoreCode: st.Code, Role: model.RoleGuide}
			k++
			if i == 1 {
				g.Role = model.RoleStoreManager
			}
			if _, _, err := p.a.guides.SaveGuide(ctx, g); err != nil {
				return err
			}
			p.guides[st.Code] = append(p.guides[st.Code], g.UserID)
		}
		sc := model.Scene{Scene: "store_" + st.Code, Tags: []string{"门店扫码"}, StoreCode: st.Code, GuideUserID: p.guides[st.Code][0],
			Welcome: "欢迎光临" + st.Name + "！回复「签到」每天领积分。", BonusPoints: 20}
		if _, _, err := p.a.tags.SaveScene(ctx, sc); err != nil {
			return err
		}
		p.scenes = append(p.scenes, sc.Scene)
	}
	for _, sc := range []model.Scene{
		{Scene: "poster_spring", Tags: []string{"春季新品海报"}, Welcome: "春季新品已上架，凭本消息到店领试用装。", BonusPoints: 50},
		{Scene: "live_room", Tags: []string{"直播间"}, Welcome: "感谢从直播间关注！", BonusPoints: 30},
		{Scene: "package_card", Tags: []string{"包裹卡", "电商老客"}, Welcome: "感谢购买，关注即送 30 积分。", BonusPoints: 30},
	} {
		if _, _, err := p.a.tags.SaveScene(ctx, sc); err != nil {
			return err
		}
		p.scenes = append(p.scenes, sc.Scene)
	}
	for _, t := range []model.CouponTemplate{
		{Name: "满200减30", Kind: model.CouponCash, ValueFen: 3000, ThresholdFen: 20000, ValidDays: 30, Description: "全场通用，不与其他优惠同享", Active: true, GuideDailyQuota: 20},
		{Name: "会员85折券", Kind: model.CouponDiscount, DiscountPercent: 85, ThresholdFen: 10000, ValidDays: 14, Active: true, GuideDailyQuota: 10},
		{Name: "新品试用装", Kind: model.CouponGift, Gift: "春季精华 5ml 试用装", ValidDays: 30, Active: true},
	} {
		saved, err := p.a.loyalty.CreateCouponTemplate(ctx, t)
		if err != nil {
			return err
		}
		p.tmplIDs = append(p.tmplIDs, saved.ID)
	}
	codes := make([]string, len(p.stores))
	for i, s := range p.stores {
		codes[i] = s.Code
	}
	t0, t1 := p.tmplIDs[0], p.tmplIDs[2]
	for _, r := range []model.Reward{
		{Name: "满200减30优惠券", PointsCost: 300, Kind: model.RewardCoupon, CouponTemplateID: &t0, Stock: 2000, PerMemberLimit: 3, Active: true},
		{Name: "新品试用装", PointsCost: 200, Kind: model.RewardCoupon, CouponTemplateID: &t1, Stock: 800, PerMemberLimit: 1, Active: true},
		{Name: "品牌帆布袋", Description: "到店自提", PointsCost: 800, Kind: model.RewardPhysical, Stock: 300, PerMemberLimit: 1, PickupStores: codes, Active: true},
		{Name: "视频会员月卡", Description: "兑换后 24 小时内发放到手机号", PointsCost: 1500, Kind: model.RewardVirtual, Stock: 100, PerMemberLimit: 1, MinLevel: "银卡", Active: true},
	} {
		saved, err := p.a.loyalty.CreateReward(ctx, r)
		if err != nil {
			return err
		}
		p.rewards = append(p.rewards, saved)
	}
	return nil
}

// arrivals spreads n members over the days, growing towards today with
// more on weekends, and sums exactly to n.
func arrivals(first time.Time, days, n int) []int {
	w := make([]float64, days)
	var sum float64
	for d := range w {
		w[d] = 1 + 1.5*float64(d)/float64(days)
		if wd := first.AddDate(0, 0, d).Weekday(); wd == time.Saturday || wd == time.Sunday {
			w[d] *= 1.4
		}
		sum += w[d]
	}
	out := make([]int, days)
	var acc float64
	given := 0
	for d := range w {
		acc += w[d] / sum * float64(n)
		out[d] = int(math.Round(acc)) - given
		given += out[d]
	}
	return out
}

// at is a moment of day d (hour and minute in business time).
func (p *populator) at(first time.Time, d int, hour, minute int) time.Time {
	day := first.AddDate(0, 0, d)
	t := time.Date(day.Year(), day.Month(), day.Day(), hour, minute, p.rnd.Intn(60), 0, p.loc)
	if now := time.Now(); t.After(now) { // today: nothing happens after the present
		t = now.Add(-time.Duration(1+p.rnd.Intn(3600)) * time.Second)
	}
	return t
}

// arrive brings one member in on day d through a scene.
func (p *populator) arrive(ctx context.Context, first time.Time, d, i int) error {
	st := p.stores[p.rnd.Intn(len(p.stores))].Code
	if p.rnd.Float64() < 0.25 { // the flagship gets more
		st = p.stores[0].Code
	}
	scene := "store_" + st
	if r := p.rnd.Float64(); r < 0.12 {
		scene = "poster_spring"
	} else if r < 0.2 {
		scene = "live_room"
	} else if r < 0.26 {
		scene = "package_card"
	}
	gs := p.guides[st]
	m := &simMember{store: st, guide: gs[p.rnd.Intn(len(gs))], joined: d}
	switch r := p.rnd.Float64(); {
	case r < 0.15:
		m.checkin, m.orderP, m.activeUntil = 0.6, 0.09, d+40+p.rnd.Intn(200)
	case r < 0.5:
		m.checkin, m.orderP, m.activeUntil = 0.15, 0.03, d+10+p.rnd.Intn(60)
	default:
		m.checkin, m.orderP, m.activeUntil = 0.05, 0.006, d+p.rnd.Intn(25)
	}
	p.clock.Set(p.at(first, d, 9+p.rnd.Intn(12), p.rnd.Intn(60)))
	if p.rnd.Float64() < 0.68 {
		m.openID = fmt.Sprintf("o_sim_%05d", i)
		res, err := p.a.members.FollowOA(ctx, p.appID, m.openID, scene)
		if err != nil {
			return err
		}
		m.id, m.subscribed = res.Member.ID, true
		if _, err := p.a.loyalty.EarnFollow(ctx, m.id); err != nil {
			return err
		}
		unionID := fmt.Sprintf("u_sim_%05d", i)
		if _, err := p.a.members.MergeByUnionID(ctx, m.id, unionID); err != nil {
			return err
		}
		if p.rnd.Float64() < 0.45 { // later that day they add their guide too
			later := p.clock.Now().Add(time.Duration(10+p.rnd.Intn(90)) * time.Minute)
			if now := time.Now(); later.After(now) {
				later = now
			}
			p.clock.Set(later)
			m.external = fmt.Sprintf("wm_sim_%05d", i)
			res, err := p.a.members.AddWeComContact(ctx, members.WeComArrival{CorpID: p.corpID, GuideUserID: m.guide, ExternalUserID: m.external})
			if err != nil {
				return err
			}
			// WeCom tells the contact's unionid: the two sides become one member.
			merged, err := p.a.members.MergeByUnionID(ctx, res.Member.ID, unionID)
			if err != nil {
				return err
			}
			m.id, m.wecom = merged.SurvivorID, true
		}
	} else {
		m.external = fmt.Sprintf("wm_sim_%05d", i)
		res, err := p.a.members.AddWeComContact(ctx, members.WeComArrival{CorpID: p.corpID, GuideUserID: m.guide, ExternalUserID: m.external, State: scene})
		if err != nil {
			return err
		}
		m.id, m.wecom = res.Member.ID, true
	}
	p.members = append(p.members, m)
	return nil
}

// dayActivity runs one day of check-ins, orders, refunds, redemptions,
// coupon use and unfollows for the members who joined before it.
func (p *populator) dayActivity(ctx context.Context, first time.Time, d int) error {
	var lines []loyalty.OrderLine
	for _, m := range p.members {
		if m.joined >= d || m.id == 0 {
			continue
		}
		active := d <= m.activeUntil
		if active && m.subscribed && p.rnd.Float64() < m.checkin {
			p.clock.Set(p.at(first, d, 7+p.rnd.Intn(15), p.rnd.Intn(60)))
			if _, err := p.a.loyalty.CheckIn(ctx, m.id); err != nil {
				return fmt.Errorf("check-in: %w", err)
			}
			p.n.checkins++
		}
		if active && p.rnd.Float64() < m.orderP {
			amount := int64(math.Exp(9.6+0.6*p.rnd.NormFloat64())) / 100 * 100 // about ¥150, long tail
			lines = append(lines, loyalty.OrderLine{OrderNo: fmt.Sprintf("SIM%d%05d", d, len(lines)+1), MemberID: m.id,
				StoreCode: m.store, AmountFen: max(amount, 1900), PaidAt: p.at(first, d, 11+p.rnd.Intn(10), p.rnd.Intn(60))})
		}
		if m.subscribed && !active && p.rnd.Float64() < 0.01 {
			p.clock.Set(p.at(first, d, 20, p.rnd.Intn(60)))
			if err := p.a.members.UnfollowOA(ctx, p.appID, m.openID); err != nil {
				return err
			}
			m.subscribed = false
			p.n.unfollows++
		}
		if active && p.rnd.Float64() < 0.03 {
			if err := p.redeem(ctx, first, d, m); err != nil {
				return err
			}
		}
	}
	if len(lines) > 0 {
		p.clock.Set(p.at(first, d, 22, 0))
		res, err := p.a.loyalty.RecordOrders(ctx, lines)
		if err != nil {
			return fmt.Errorf("orders: %w", err)
		}
		for i, r := range res {
			if r.Status != loyalty.OrderCreated {
				continue
			}
			p.n.orders++
			if p.rnd.Float64() < 0.05 {
				amount := int64(0) // full
				if p.rnd.Float64() < 0.5 {
					amount = lines[i].AmountFen / 2
				}
				if _, err := p.a.loyalty.RefundOrder(ctx, loyalty.RefundRequest{OrderNo: lines[i].OrderNo, RefundNo: "r1", AmountFen: amount}); err != nil {
					return fmt.Errorf("refund: %w", err)
				}
				p.n.refunds++
			}
		}
	}
	return p.useCoupons(ctx, first, d)
}

// redeem exchanges a reward the member can afford, if any.
func (p *populator) redeem(ctx context.Context, first time.Time, d int, m *simMember) error {
	r := p.rewards[p.rnd.Intn(len(p.rewards))]
	p.clock.Set(p.at(first, d, 12+p.rnd.Intn(9), p.rnd.Intn(60)))
	res, err := p.a.loyalty.Redeem(ctx, loyalty.RedeemRequest{MemberID: m.id, RewardID: r.ID, RequestID: fmt.Sprintf("sim-%d-%d", m.id, d)})
	var e *model.Error
	if errors.As(err, &e) && (e.Code == model.ECONFLICT || e.Code == model.EFORBIDDEN) {
		return nil // not enough points, over the limit, level too low: as in real life
	}
	if err != nil {
		return fmt.Errorf("redeem: %w", err)
	}
	p.n.redemptions++
	if res.Coupon != nil && p.rnd.Float64() < 0.6 {
		p.coupons = append(p.coupons, pendingCoupon{code: res.Coupon.Code, store: m.store, day: d + 1 + p.rnd.Intn(10)})
	}
	return nil
}

// useCoupons redeems (核销) at the till the coupons due on day d.
func (p *populator) useCoupons(ctx context.Context, first time.Time, d int) error {
	rest := p.coupons[:0]
	for _, c := range p.coupons {
		if c.day != d {
			rest = append(rest, c)
			continue
		}
		p.clock.Set(p.at(first, d, 14+p.rnd.Intn(6), p.rnd.Intn(60)))
		if _, _, err := p.a.loyalty.RedeemCoupon(ctx, loyalty.CouponRedeem{Code: c.code, StoreCode: c.store}); err != nil {
			return fmt.Errorf("coupon: %w", err)
		}
		p.n.coupons++
		if c.withOrder {
			p.clock.Set(p.clock.Now().Add(40 * time.Minute)) // the order is paid after the 核销 (orders cannot be in the future)
			line := loyalty.OrderLine{OrderNo: fmt.Sprintf("SIMC%d%s", d, c.code), MemberID: c.member, StoreCode: c.store,
				AmountFen: 20000 + int64(p.rnd.Intn(200))*100, PaidAt: p.clock.Now()}
			res, err := p.a.loyalty.RecordOrders(ctx, []loyalty.OrderLine{line})
			if err == nil && res[0].Status != loyalty.OrderCreated {
				err = res[0].Err
			}
			if err != nil {
				return fmt.Errorf("coupon order: %w", err)
			}
			p.n.orders++
		}
	}
	p.coupons = rest
	return nil
}

func (p *populator) summary() string {
	return fmt.Sprintf("%d check-ins, %d orders (%d refunded), %d redemptions, %d coupons used, %d unfollows, %d HQ tasks with %d items",
		p.n.checkins, p.n.orders, p.n.refunds, p.n.redemptions, p.n.coupons, p.n.unfollows, len(p.tasks), p.n.items)
}

// simTask is an HQ task the populator created and works on.
type simTask struct {
	id       int64
	created  int
	closeOn  int // day index; -1 keeps it running
	doneP    float64
	feedback []string
}

type tagFilter = segments.TargetFilter

// scriptLibrary is the brand's scripts, by group.
var scriptLibrary = []struct {
	group   string
	scripts [][2]string
}{
	{"新客欢迎", [][2]string{
		{"加好友欢迎", "{{称呼}}您好，我是{{门店}}的{{导购}}，以后有新品和会员活动第一时间告诉您～"},
		{"入会引导", "回复公众号「签到」每天领积分，积分可以兑换优惠券和小礼品哦。"},
	}},
	{"活动邀约", [][2]string{
		{"会员日邀约", "{{称呼}}，本周六会员日全场 9 折，{{等级}}会员再送试用装，期待您来店里～"},
		{"新品上市", "春季新品到店啦，{{称呼}}有空来试试，给您留了小样。"},
	}},
	{"售后关怀", [][2]string{
		{"使用回访", "{{称呼}}，上次买的产品用着还习惯吗？有任何问题随时找我。"},
		{"积分提醒", "{{称呼}}，您现在有 {{积分}} 积分，月底前可以兑换满200减30券哦。"},
	}},
}

// scripts fills the script library and the guides' sends over the last days.
func (p *populator) scripts(ctx context.Context, first time.Time, days int) error {
	lib := scripts.New(p.a.st)
	var ids []int64
	for i, g := range scriptLibrary {
		grp, err := lib.SaveGroup(ctx, model.ScriptGroup{Name: g.group, SortOrder: i})
		if err != nil {
			return err
		}
		for k, s := range g.scripts {
			sc, err := lib.SaveScript(ctx, model.Script{GroupID: grp.ID, Title: s[0], Content: s[1], SortOrder: k})
			if err != nil {
				return err
			}
			ids = append(ids, sc.ID)
		}
	}
	for d := max(0, days-30); d < days; d++ {
		day := first.AddDate(0, 0, d).Format("2006-01-02")
		for _, gs := range p.guides {
			for _, g := range gs {
				if p.rnd.Float64() < 0.35 {
					if err := lib.RecordSent(ctx, ids[p.rnd.Intn(len(ids))], g, day); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}
