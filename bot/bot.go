// Package bot turns a decoded Official Account message or event into a
// command and the reply text the member sees.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tagging"
)

// Message is an Official Account message or event, decoded by the handler.
type Message struct {
	AppID      string
	OpenID     string
	MsgType    string // text, event, image, voice, …
	Event      string // subscribe, unsubscribe, SCAN, CLICK, VIEW (events only)
	EventKey   string
	Content    string
	MsgID      int64
	CreateTime int64
}

// Reply kinds, for metrics and logs.
const (
	KindCheckIn     = "checkin"
	KindPoints      = "points"
	KindHelp        = "help"
	KindWelcome     = "welcome"
	KindUnknown     = "unknown"
	KindUnsubscribe = "unsubscribe"
	KindIgnored     = "ignored"
	KindMall        = "mall"
	KindRedeem      = "redeem"
	KindLevel       = "level"
	KindCoupons     = "coupons"
	KindHistory     = "history"
	KindInvite      = "invite"
)

// Reply is what the bot answers. An empty Text means no reply (the handler
// answers "success").
type Reply struct {
	Text    string
	Kind    string
	CheckIn *loyalty.CheckInResult // set for a check-in
	// Credited is the points this message credited (check-in, scene bonus).
	Credited int64
	// UnionIDUnknown: the member's unionid is not known yet (a follower from
	// before the Official Account API was configured), so the handler may
	// look it up to merge them with their WeCom side.
	UnionIDUnknown bool
}

// Bot answers members in the Official Account chat.
type Bot struct {
	tags    *tagging.Service
	members *members.Service
	loyalty *loyalty.Service
	log     *slog.Logger
}

// New returns a Bot.
func New(tags *tagging.Service, m *members.Service, l *loyalty.Service, log *slog.Logger) *Bot {
	if log == nil {
		log = slog.Default()
	}
	return &Bot{tags: tags, members: m, loyalty: l, log: log}
}

// command names a member can send as text or menu key.
type command int

const (
	cmdNone command = iota
	cmdCheckIn
	cmdPoints
	cmdHelp
	cmdMall    // 兑换: list what the member can redeem
	cmdRedeem  // 兑换 <编号>
	cmdLevel   // 等级
	cmdCoupons // 我的券
	cmdHistory // 积分明细
	cmdInvite  // 邀请
)

var aliases = map[string]command{
	"签到": cmdCheckIn, "checkin": cmdCheckIn, "打卡": cmdCheckIn,
	"积分": cmdPoints, "points": cmdPoints, "我的积分": cmdPoints,
	"帮助": cmdHelp, "help": cmdHelp, "?": cmdHelp, "？": cmdHelp, "菜单": cmdHelp,
	"兑换": cmdMall, "积分商城": cmdMall, "商城": cmdMall, "redeem": cmdMall, "mall": cmdMall,
	"等级": cmdLevel, "会员等级": cmdLevel, "我的等级": cmdLevel, "level": cmdLevel,
	"我的券": cmdCoupons, "优惠券": cmdCoupons, "我的优惠券": cmdCoupons, "卡券": cmdCoupons, "coupons": cmdCoupons,
	"积分明细": cmdHistory, "明细": cmdHistory, "history": cmdHistory,
	"邀请": cmdInvite, "邀请好友": cmdInvite, "invite": cmdInvite,
}

var menuKeys = map[string]command{"CHECKIN": cmdCheckIn, "POINTS": cmdPoints, "HELP": cmdHelp,
	"MALL": cmdMall, "LEVEL": cmdLevel, "COUPONS": cmdCoupons, "HISTORY": cmdHistory, "INVITE": cmdInvite}

// parseText maps a member's text to a command and its argument: trimmed,
// Latin letters case-insensitive; 兑换 3, 兑换3 and redeem #3 all redeem
// reward 3.
func parseText(s string) (command, string) {
	t := strings.ToLower(strings.TrimSpace(s))
	if c, ok := aliases[t]; ok {
		return c, ""
	}
	for _, prefix := range []string{"兑换", "redeem"} {
		if rest, ok := strings.CutPrefix(t, prefix); ok {
			rest = strings.TrimLeft(strings.TrimSpace(rest), "#＃")
			if rest != "" && strings.Trim(rest, "0123456789") == "" {
				return cmdRedeem, rest
			}
		}
	}
	return cmdNone, ""
}

// Handle answers one message or event. Errors are the services' (database
// unavailable, deadline exceeded); the handler turns them into a polite
// reply.
func (b *Bot) Handle(ctx context.Context, msg Message) (Reply, error) {
	switch {
	case msg.MsgType == "event":
		return b.handleEvent(ctx, msg)
	case msg.MsgType == "text":
		cmd, arg := parseText(msg.Content)
		return b.run(ctx, msg, cmd, arg)
	default: // images, voice, location…: still a sign of life
		return b.run(ctx, msg, cmdNone, "")
	}
}

func (b *Bot) handleEvent(ctx context.Context, msg Message) (Reply, error) {
	switch strings.ToLower(msg.Event) {
	case "subscribe":
		return b.follow(ctx, msg, strings.TrimPrefix(msg.EventKey, "qrscene_"))
	case "scan":
		return b.scan(ctx, msg, msg.EventKey)
	case "unsubscribe":
		return Reply{Kind: KindUnsubscribe}, b.members.UnfollowOA(ctx, msg.AppID, msg.OpenID)
	case "click":
		return b.run(ctx, msg, menuKeys[strings.ToUpper(strings.TrimSpace(msg.EventKey))], "")
	default: // VIEW, LOCATION, TEMPLATESENDJOBFINISH…: nothing to say
		return Reply{Kind: KindIgnored}, nil
	}
}

// run executes a command for the member behind msg.
func (b *Bot) run(ctx context.Context, msg Message, cmd command, arg string) (Reply, error) {
	m, err := b.members.FindOrCreateOAMember(ctx, msg.AppID, msg.OpenID)
	if err != nil {
		return Reply{}, err
	}
	r, err := b.command(ctx, m, msg, cmd, arg)
	if errors.Is(err, model.ErrMemberMerged) {
		// The member was merged by unionid between the look-up and the
		// command (which did nothing): run it once more for the survivor,
		// which the openid now leads to.
		if m, err = b.members.FindOrCreateOAMember(ctx, msg.AppID, msg.OpenID); err != nil {
			return Reply{}, err
		}
		r, err = b.command(ctx, m, msg, cmd, arg)
	}
	r.UnionIDUnknown = m.UnionID == nil
	return r, err
}

// command executes cmd for member m.
func (b *Bot) command(ctx context.Context, m model.Member, msg Message, cmd command, arg string) (Reply, error) {
	if cmd != cmdCheckIn { // a sign of life; a check-in records its own
		if err := b.members.Touch(ctx, m.ID); err != nil {
			return Reply{}, err
		}
	}
	switch cmd {
	case cmdCheckIn:
		return b.checkIn(ctx, m)
	case cmdPoints:
		return b.points(ctx, m)
	case cmdMall:
		return b.mall(ctx, m)
	case cmdRedeem:
		return b.redeem(ctx, m, msg, arg)
	case cmdLevel:
		return b.level(ctx, m)
	case cmdCoupons:
		return b.coupons(ctx, m)
	case cmdHistory:
		return b.history(ctx, m)
	case cmdInvite:
		return b.invite(ctx, m)
	case cmdHelp:
		return Reply{Text: helpText, Kind: KindHelp}, nil
	default:
		return Reply{Text: unknownText, Kind: KindUnknown}, nil
	}
}

const helpText = `可以回复以下指令：
签到 — 每日签到领积分，连续签到奖励更多
积分 — 查看当前积分
积分明细 — 最近的积分变动、即将过期的积分
等级 — 会员等级与升级进度
兑换 — 积分商城；「兑换 编号」兑换礼品
我的券 — 查看可用的优惠券
邀请 — 邀请好友关注得积分
帮助 — 查看本说明`

const unknownText = `没太明白您的意思～回复「签到」领今日积分，回复「积分」查看积分，回复「帮助」查看全部指令。`

func (b *Bot) checkIn(ctx context.Context, m model.Member) (Reply, error) {
	r, err := b.loyalty.CheckIn(ctx, m.ID)
	if err != nil {
		return Reply{}, err
	}
	var text string
	if r.Already {
		text = fmt.Sprintf("今天已经签到过了，本次不再加积分。\n当前积分：%d\n已连续签到 %d 天，明天签到可得 %d 积分。", r.Balance, r.Streak, r.NextPoints)
	} else {
		text = fmt.Sprintf("签到成功！获得 %d 积分。\n当前积分：%d\n已连续签到 %d 天，明天签到可得 %d 积分。", r.Credited, r.Balance, r.Streak, r.NextPoints)
		if r.Streak%7 == 0 {
			text += fmt.Sprintf("\n🎉 连续签到满 %d 天，今日含周奖励！", r.Streak)
		}
	}
	return Reply{Text: text, Kind: KindCheckIn, CheckIn: &r, Credited: r.Credited}, nil
}

func (b *Bot) points(ctx context.Context, m model.Member) (Reply, error) {
	bal, err := b.loyalty.Balance(ctx, m.ID)
	if err != nil {
		return Reply{}, err
	}
	checked, err := b.loyalty.TodayCheckedIn(ctx, m.ID)
	if err != nil {
		return Reply{}, err
	}
	text := fmt.Sprintf("您当前积分：%d", bal)
	if checked {
		text += "\n今天已签到，明天继续哦～"
	} else {
		text += "\n今天还没签到，回复「签到」领积分。"
	}
	return Reply{Text: text, Kind: KindPoints}, nil
}
