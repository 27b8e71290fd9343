// Package bot turns a decoded Official Account message or event into a
// command and the reply text the member sees.
package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/siyu/siyu/loyalty"
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
)

// Reply is what the bot answers. An empty Text means no reply (the handler
// answers "success").
type Reply struct {
	Text    string
	Kind    string
	CheckIn *loyalty.CheckInResult // set for a check-in
	// Credited is the points this message credited (check-in, scene bonus).
	Credited int64
}

// Bot answers members in the Official Account chat.
type Bot struct {
	tags    *tagging.Service
	loyalty *loyalty.Service
	log     *slog.Logger
}

// New returns a Bot.
func New(tags *tagging.Service, l *loyalty.Service, log *slog.Logger) *Bot {
	if log == nil {
		log = slog.Default()
	}
	return &Bot{tags: tags, loyalty: l, log: log}
}

// command names a member can send as text or menu key.
type command int

const (
	cmdNone command = iota
	cmdCheckIn
	cmdPoints
	cmdHelp
)

var aliases = map[string]command{
	"签到": cmdCheckIn, "checkin": cmdCheckIn, "打卡": cmdCheckIn,
	"积分": cmdPoints, "points": cmdPoints, "我的积分": cmdPoints,
	"帮助": cmdHelp, "help": cmdHelp, "?": cmdHelp, "？": cmdHelp, "菜单": cmdHelp,
}

var menuKeys = map[string]command{"CHECKIN": cmdCheckIn, "POINTS": cmdPoints, "HELP": cmdHelp}

// parseText maps a member's text to a command: trimmed, Latin letters
// case-insensitive.
func parseText(s string) command {
	return aliases[strings.ToLower(strings.TrimSpace(s))]
}

// Handle answers one message or event. Errors are the services' (database
// unavailable, deadline exceeded); the handler turns them into a polite
// reply.
func (b *Bot) Handle(ctx context.Context, msg Message) (Reply, error) {
	switch {
	case msg.MsgType == "event":
		return b.handleEvent(ctx, msg)
	case msg.MsgType == "text":
		return b.run(ctx, msg, parseText(msg.Content))
	default: // images, voice, location…: still a sign of life
		return b.run(ctx, msg, cmdNone)
	}
}

func (b *Bot) handleEvent(ctx context.Context, msg Message) (Reply, error) {
	switch strings.ToLower(msg.Event) {
	case "subscribe":
		return b.follow(ctx, msg, strings.TrimPrefix(msg.EventKey, "qrscene_"))
	case "scan":
		return b.scan(ctx, msg, msg.EventKey)
	case "unsubscribe":
		return Reply{Kind: KindUnsubscribe}, b.tags.UnfollowOA(ctx, msg.AppID, msg.OpenID)
	case "click":
		return b.run(ctx, msg, menuKeys[strings.ToUpper(strings.TrimSpace(msg.EventKey))])
	default: // VIEW, LOCATION, TEMPLATESENDJOBFINISH…: nothing to say
		return Reply{Kind: KindIgnored}, nil
	}
}

// run executes a command for the member behind msg.
func (b *Bot) run(ctx context.Context, msg Message, cmd command) (Reply, error) {
	m, err := b.tags.FindOrCreateOAMember(ctx, msg.AppID, msg.OpenID)
	if err != nil {
		return Reply{}, err
	}
	switch cmd {
	case cmdCheckIn:
		return b.checkIn(ctx, m)
	case cmdPoints:
		return b.points(ctx, m)
	case cmdHelp:
		if err := b.tags.Touch(ctx, m.ID); err != nil {
			return Reply{}, err
		}
		return Reply{Text: helpText, Kind: KindHelp}, nil
	default:
		if err := b.tags.Touch(ctx, m.ID); err != nil {
			return Reply{}, err
		}
		return Reply{Text: unknownText, Kind: KindUnknown}, nil
	}
}

const helpText = `可以回复以下指令：
签到 — 每日签到领积分，连续签到奖励更多
积分 — 查看当前积分
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
	if err := b.tags.Touch(ctx, m.ID); err != nil {
		return Reply{}, err
	}
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
