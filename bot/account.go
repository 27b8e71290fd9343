package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// level states the member's level, growth and what the next level needs.
func (b *Bot) level(ctx context.Context, m model.Member) (Reply, error) {
	info, err := b.loyalty.MemberLevel(ctx, m.ID)
	if err != nil {
		return Reply{}, err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "您的会员等级：%s\n成长值：%d", orDefault(info.Level.Name, "普通会员"), info.Growth)
	if info.Level.Benefits != "" {
		fmt.Fprintf(&sb, "\n等级权益：%s", info.Level.Benefits)
	}
	if info.Next != nil {
		fmt.Fprintf(&sb, "\n再获得 %d 成长值即可升级为%s（%s）。", info.ToNext, info.Next.Name, orDefault(info.Next.Benefits, "更多权益"))
	} else {
		sb.WriteString("\n您已是最高等级，感谢一路相伴！")
	}
	if info.Level.KeepThreshold > 0 {
		fmt.Fprintf(&sb, "\n近 %d 个月成长值 %d，保级需 %d。", info.ReviewMonths, info.KeepGrowth, info.Level.KeepThreshold)
	}
	sb.WriteString("\n消费、签到、互动都能获得成长值。")
	return Reply{Text: clip(sb.String()), Kind: KindLevel}, nil
}

// history lists the latest ledger entries and the points expiring soon.
func (b *Bot) history(ctx context.Context, m model.Member) (Reply, error) {
	entries, err := b.loyalty.Ledger(ctx, m.ID, maxListed)
	if err != nil {
		return Reply{}, err
	}
	bal, err := b.loyalty.Balance(ctx, m.ID)
	if err != nil {
		return Reply{}, err
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "当前积分：%d\n", bal)
	if len(entries) == 0 {
		sb.WriteString("还没有积分记录，回复「签到」领今天的积分吧。")
	} else {
		sb.WriteString("最近明细：\n")
	}
	for _, e := range entries {
		if e.Delta == 0 {
			continue
		}
		fmt.Fprintf(&sb, "%s %s %+d\n", b.loyalty.BusinessDay(e.CreatedAt)[5:], orDefault(e.Note, e.Kind), e.Delta)
	}
	soon, err := b.loyalty.ExpiringSoon(ctx, m.ID)
	if err != nil {
		return Reply{}, err
	}
	if soon.Points > 0 {
		fmt.Fprintf(&sb, "⏰ %d 天内有 %d 积分将过期（最早 %s 后过期），回复「兑换」用掉它们。",
			b.loyalty.RemindDays(), soon.Points, b.loyalty.ValidThrough(*soon.First))
	}
	return Reply{Text: clip(strings.TrimRight(sb.String(), "\n")), Kind: KindHistory}, nil
}

// invite gives the member their invite scene.
func (b *Bot) invite(ctx context.Context, m model.Member) (Reply, error) {
	text := fmt.Sprintf("邀请好友关注公众号，好友首次关注后您可获得积分奖励（每位好友一次）。\n您的专属邀请码：%s\n把带此邀请码的二维码分享给好友即可。",
		loyalty.InviteScene(m.ID))
	return Reply{Text: text, Kind: KindInvite}, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
