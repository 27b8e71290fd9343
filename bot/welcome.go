package bot

import (
	"context"
	"fmt"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
)

// DefaultWelcome greets a follower who came through no scene or an unknown
// one.
const DefaultWelcome = "欢迎关注！回复「签到」每日领积分，回复「帮助」查看全部指令。"

// follow handles a subscribe event, with the scene from qrscene_<scene>:
// the welcome, the first-follow bonus (once per member ever) and, for a
// person's first follow through a member's invite scene, the inviter's
// referral bonus.
func (b *Bot) follow(ctx context.Context, msg Message, scene string) (Reply, error) {
	res, err := b.members.FollowOA(ctx, msg.AppID, msg.OpenID, scene)
	if err != nil {
		return Reply{}, err
	}
	reply, err := b.welcome(ctx, res, scene, true)
	if err != nil {
		return reply, err
	}
	bonus, err := b.loyalty.EarnFollow(ctx, res.Member.ID)
	if err != nil {
		return Reply{}, err
	}
	if bonus.Applied && bonus.Points > 0 {
		reply.Credited += bonus.Points
		reply.Text += fmt.Sprintf("\n关注礼 %d 积分已到账，当前积分 %d。", bonus.Points, bonus.Balance)
	}
	if inviter, ok := loyalty.ParseInviteScene(scene); ok && res.NewMember {
		b.creditInviter(ctx, inviter, res.Member.ID)
	}
	return reply, nil
}

// creditInviter credits and tells the inviter. Its failures are logged,
// not shown to the new follower: the welcome is theirs.
func (b *Bot) creditInviter(ctx context.Context, inviter, invitee int64) {
	got, err := b.loyalty.CreditReferral(ctx, inviter, invitee)
	if err != nil {
		b.log.Warn("referral bonus not credited", "inviter", inviter, "invitee", invitee, "err", err)
		return
	}
	// The inviter's notice (and a level-up's) are outbox events of the credit.
	if got.Applied {
		b.log.Info("referral credited", "inviter", inviter, "points", got.Points)
	}
}

// scan handles a SCAN event: a follower scanned a scene's code again.
func (b *Bot) scan(ctx context.Context, msg Message, scene string) (Reply, error) {
	res, err := b.members.ScanOA(ctx, msg.AppID, msg.OpenID, scene)
	if err != nil {
		return Reply{}, err
	}
	return b.welcome(ctx, res, scene, false)
}

// welcome builds the reply to an arrival and credits the scene's bonus
// once per member and scene.
func (b *Bot) welcome(ctx context.Context, res members.ArrivalResult, scene string, follow bool) (Reply, error) {
	if _, invite := loyalty.ParseInviteScene(scene); res.UnknownScene && !invite {
		b.log.Warn("unknown scene; default welcome sent", "scene", scene, "member", res.Member.ID)
	}
	var credited int64
	text := DefaultWelcome
	if !follow {
		text = "欢迎回来！回复「签到」每日领积分。"
	}
	if sc := res.Scene; sc != nil {
		if sc.Welcome != "" {
			text = sc.Welcome
		}
		if sc.BonusPoints > 0 {
			applied, err := b.loyalty.Post(ctx, loyalty.Entry{
				MemberID: res.Member.ID, Delta: sc.BonusPoints, Kind: model.PointsSceneBonus,
				IdemKey: fmt.Sprintf("scene_bonus:%d:%s", res.Member.ID, sc.Scene), Note: "渠道礼: " + sc.Scene,
			})
			if err != nil {
				return Reply{}, err
			}
			if applied {
				credited = sc.BonusPoints
				text += fmt.Sprintf("\n已赠送 %d 积分。", sc.BonusPoints)
			}
		}
	}
	return Reply{Text: text, Kind: KindWelcome, Credited: credited}, nil
}
