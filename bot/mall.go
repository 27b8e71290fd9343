package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// maxReply keeps replies well inside WeChat's text limits (a passive reply
// of 2048 bytes; 600 characters of Chinese is about 1800).
const maxReply = 600

// maxListed bounds the lines of a list reply.
const maxListed = 8

// mall lists the rewards the member can redeem now, by reward id (the
// number stays valid however the list changes between listing and
// redeeming), with their cost and how many points are missing.
func (b *Bot) mall(ctx context.Context, m model.Member) (Reply, error) {
	offers, balance, err := b.loyalty.Offers(ctx, m.ID)
	if err != nil {
		return Reply{}, err
	}
	if len(offers) == 0 {
		return Reply{Text: fmt.Sprintf("暂时没有可兑换的礼品，敬请期待～\n当前积分：%d", balance), Kind: KindMall}, nil
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "积分商城（当前积分 %d）\n", balance)
	for i, o := range offers {
		if i == maxListed {
			fmt.Fprintf(&sb, "……还有 %d 件，积分更多时再来看看\n", len(offers)-maxListed)
			break
		}
		fmt.Fprintf(&sb, "【%d】%s — %d 积分", o.Reward.ID, o.Reward.Name, o.Reward.PointsCost)
		if o.Short > 0 {
			fmt.Fprintf(&sb, "（还差 %d）", o.Short)
		}
		sb.WriteString("\n")
	}
	fmt.Fprintf(&sb, "回复「兑换 编号」兑换，如「兑换 %d」。", offers[0].Reward.ID)
	return Reply{Text: clip(sb.String()), Kind: KindMall}, nil
}

// redeem exchanges points for reward number arg. The request id is the
// message's, so a platform retry that slips past the reply cache still
// redeems once.
func (b *Bot) redeem(ctx context.Context, m model.Member, msg Message, arg string) (Reply, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return Reply{Text: "请回复「兑换 编号」，编号见「兑换」列表。", Kind: KindRedeem}, nil
	}
	reqID := fmt.Sprintf("oa:%s:%d", msg.AppID, msg.MsgID)
	if msg.MsgID == 0 {
		reqID = fmt.Sprintf("oa:%s:%s:%d", msg.AppID, msg.OpenID, msg.CreateTime)
	}
	res, err := b.loyalty.Redeem(ctx, loyalty.RedeemRequest{MemberID: m.ID, RewardID: id, RequestID: reqID})
	if err != nil {
		text, ok := b.redeemRefusal(ctx, m, id, err)
		if !ok {
			return Reply{}, err
		}
		return Reply{Text: text, Kind: KindRedeem}, nil
	}
	red := res.Redemption
	text := fmt.Sprintf("兑换成功！【%s】已扣 %d 积分，剩余 %d 积分。", red.RewardName, red.Points, red.BalanceAfter)
	switch {
	case res.Coupon != nil:
		text += fmt.Sprintf("\n获得：%s\n券码：%s\n有效期至 %s，到店出示券码即可使用，回复「我的券」查看。",
			res.Coupon.Title, res.Coupon.Code, b.loyalty.ValidThrough(res.Coupon.ValidTo))
	case red.PickupCode != nil:
		text += fmt.Sprintf("\n请凭提货码 %s 到门店 %s 领取。", *red.PickupCode, red.PickupStore)
	default:
		if r, err := b.loyalty.Reward(ctx, red.RewardID); err == nil && r.Description != "" {
			text += "\n" + r.Description
		}
	}
	return Reply{Text: clip(text), Kind: KindRedeem}, nil
}

// redeemRefusal says why a redemption was refused; ok is false for errors
// that are not the member's business (the database is down).
func (b *Bot) redeemRefusal(ctx context.Context, m model.Member, id int64, err error) (string, bool) {
	name := fmt.Sprintf("编号 %d", id)
	if r, rerr := b.loyalty.Reward(ctx, id); rerr == nil {
		name = "【" + r.Name + "】"
	}
	switch {
	case errors.Is(err, model.ErrInsufficientPoints):
		bal, _ := b.loyalty.Balance(ctx, m.ID)
		r, _ := b.loyalty.Reward(ctx, id)
		return fmt.Sprintf("积分不足：兑换%s需要 %d 积分，您当前有 %d 积分。\n回复「签到」每日领积分。", name, r.PointsCost, bal), true
	case errors.Is(err, model.ErrOutOfStock):
		return name + "已兑完，看看别的吧～回复「兑换」查看可兑换的礼品。", true
	case errors.Is(err, model.ErrLevelTooLow):
		r, _ := b.loyalty.Reward(ctx, id)
		return fmt.Sprintf("%s仅限%s及以上会员兑换，回复「等级」查看您的等级。", name, r.MinLevel), true
	case errors.Is(err, model.ErrLimitReached):
		r, _ := b.loyalty.Reward(ctx, id)
		return fmt.Sprintf("%s每人限兑 %d 次，您已兑完。", name, r.PerMemberLimit), true
	case errors.Is(err, model.ErrNotOnSale), errors.Is(err, model.ErrRewardNotFound):
		return fmt.Sprintf("没有编号为 %d 的可兑换礼品，回复「兑换」查看列表。", id), true
	}
	return "", false
}

// coupons lists the member's valid coupons, soonest to expire first.
func (b *Bot) coupons(ctx context.Context, m model.Member) (Reply, error) {
	cs, err := b.loyalty.MemberCoupons(ctx, m.ID, true, 50)
	if err != nil {
		return Reply{}, err
	}
	if len(cs) == 0 {
		return Reply{Text: "您暂时没有可用的券。回复「兑换」用积分兑换礼券。", Kind: KindCoupons}, nil
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "您有 %d 张可用的券：\n", len(cs))
	for i, c := range cs {
		if i == maxListed {
			fmt.Fprintf(&sb, "……另有 %d 张\n", len(cs)-maxListed)
			break
		}
		fmt.Fprintf(&sb, "%d. %s\n   券码 %s，有效期至 %s\n", i+1, c.Title, c.Code, b.loyalty.ValidThrough(c.ValidTo))
	}
	sb.WriteString("到店出示券码即可使用。")
	return Reply{Text: clip(sb.String()), Kind: KindCoupons}, nil
}

// clip keeps a reply within maxReply characters.
func clip(s string) string {
	r := []rune(s)
	if len(r) <= maxReply {
		return s
	}
	return string(r[:maxReply-1]) + "…"
}
