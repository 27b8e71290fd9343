package handler_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
	"github.com/siyu/siyu/wx/wxsim"
)

// chat sends text as the member and checks the reply fits WeChat's limits.
func (e *testEnv) chat(openid, text string) string {
	e.t.Helper()
	reply := e.say(e.oa, e.oa.Text(openid, text, 0, e.clock.Now()))
	if n := utf8.RuneCountInString(reply); n > 600 || len(reply) > 2048 {
		e.t.Errorf("reply to %q is %d characters, %d bytes: over the limit", text, n, len(reply))
	}
	return reply
}

// TestChatMall: 兑换 lists what the member can redeem, 兑换 <编号> redeems,
// 我的券 shows the coupon, 积分明细 the entries.
func TestChatMall(t *testing.T) {
	e := newTestEnv(t)
	e.fixedDay() // a check-in or cap per business day
	m := e.follower("o_mall")
	e.credit(m, 250)
	tpl := e.template(map[string]any{"name": "咖啡券", "kind": "gift", "gift": "美式咖啡", "valid_days": 7})
	coffee := e.reward(map[string]any{"name": "咖啡", "points_cost": 200, "kind": "coupon", "coupon_template_id": tpl.ID, "stock": 3})
	bag := e.reward(map[string]any{"name": "帆布袋", "points_cost": 300, "kind": "physical", "stock": 3, "pickup_stores": []string{"sh001"}})
	gold := e.reward(map[string]any{"name": "金卡礼", "points_cost": 10, "kind": "virtual", "stock": 3, "min_level": "金卡"})

	list := e.chat("o_mall", "兑换")
	if !strings.Contains(list, fmt.Sprintf("【%d】咖啡 — 200 积分", coffee.ID)) || !strings.Contains(list, fmt.Sprintf("【%d】帆布袋 — 300 积分（还差 50）", bag.ID)) ||
		strings.Contains(list, "金卡礼") || !strings.Contains(list, "当前积分 250") {
		t.Errorf("兑换 = %q", list)
	}
	got := e.chat("o_mall", fmt.Sprintf(" 兑换 %d ", coffee.ID))
	if !strings.Contains(got, "兑换成功") || !strings.Contains(got, "剩余 50 积分") || !strings.Contains(got, "券码") {
		t.Fatalf("兑换 %d = %q", coffee.ID, got)
	}
	for _, tc := range []struct{ say, want string }{
		{fmt.Sprintf("兑换%d", bag.ID), "积分不足"},
		{fmt.Sprintf("REDEEM #%d", gold.ID), "仅限金卡"},
		{"兑换 9999", "没有编号为 9999"},
		{"我的券", "美式咖啡"},
		{"积分明细", "兑换：咖啡 -200"},
		{"等级", "再获得 500 成长值即可升级为银卡"},
		{"邀请", fmt.Sprintf("ref_%d", m)},
		{"帮助", "我的券"},
	} {
		if got := e.chat("o_mall", tc.say); !strings.Contains(got, tc.want) {
			t.Errorf("%s = %q, want it to contain %q", tc.say, got, tc.want)
		}
	}
	// A platform retry of the redeem message gets the first reply and
	// redeems nothing more.
	body := e.oa.Text("o_mall", fmt.Sprintf("兑换 %d", coffee.ID), 0, e.clock.Now())
	e.credit(m, 400)
	first, second := e.say(e.oa, body), e.say(e.oa, body)
	if first != second || e.count(&model.Redemption{}) != 2 {
		t.Errorf("retry: %q then %q, %d redemptions; want the same reply, 2 redemptions", first, second, e.count(&model.Redemption{}))
	}
}

// TestChatUpgrade: the check-in whose growth crosses a threshold upgrades
// and records the level.changed event the one level-up notice comes from.
func TestChatUpgrade(t *testing.T) {
	e := newTestEnv(t)
	e.fixedDay() // a check-in or cap per business day
	m := e.follower("o_lvl")
	body := map[string]any{"order_id": "G1", "member_id": m, "amount_fen": 49900, "paid_at": e.clock.Now().Format(time.RFC3339)}
	if st := e.hq("POST", "/api/hq/orders", body, nil); st != 201 {
		t.Fatalf("order = %d", st)
	}
	if got := e.chat("o_lvl", "签到"); !strings.Contains(got, "签到成功") {
		t.Errorf("check-in = %q, want it credited", got)
	}
	if ups := e.levelUps(m); len(ups) != 1 || ups[0].To != "银卡" {
		t.Errorf("level-up events = %+v, want one to 银卡", ups)
	}
	if got := e.member(m).Level; got != "银卡" {
		t.Errorf("level = %q, want 银卡", got)
	}
}

// TestFollowAndReferral: the first follow earns the follow bonus once; a
// friend's first follow through the member's invite scene credits the
// member once, never for re-follows, duplicate deliveries or self-invites.
func TestFollowAndReferral(t *testing.T) {
	e := newTestEnv(t)
	e.fixedDay() // a check-in or cap per business day
	if st := e.hq("PUT", "/api/hq/earning-rules/follow", map[string]any{"points": 20}, nil); st != 200 {
		t.Fatalf("enable follow bonus = %d", st)
	}
	now := e.clock.Now()
	welcome := e.say(e.oa, e.oa.Subscribe("o_inviter", "", now))
	if !strings.Contains(welcome, "关注礼 20 积分") {
		t.Errorf("welcome = %q, want the follow bonus", welcome)
	}
	inviter := e.follower("o_inviter") // subscribes again (a retry-free re-delivery): no second bonus
	if got := e.member(inviter).Points; got != 20 {
		t.Fatalf("inviter points = %d, want 20", got)
	}
	scene := fmt.Sprintf("ref_%d", inviter)
	friend := e.oa.Subscribe("o_friend", scene, now)
	if got := e.say(e.oa, friend); !strings.Contains(got, "关注礼") {
		t.Errorf("friend's welcome = %q", got)
	}
	e.say(e.oa, friend) // the platform delivers it again
	e.say(e.oa, e.oa.Unsubscribe("o_friend", now.Add(time.Second)))
	e.say(e.oa, e.oa.Subscribe("o_friend", scene, now.Add(2*time.Second))) // re-follow
	e.say(e.oa, e.oa.Scan("o_friend", scene, now.Add(3*time.Second)))
	if got := e.member(inviter).Points; got != 70 {
		t.Errorf("inviter points = %d, want 20 + one referral of 50", got)
	}
	if n := e.count(&model.PointsEntry{}, "kind = ?", model.ChannelReferral); n != 1 {
		t.Errorf("referral entries = %d, want 1", n)
	}
	if evs := e.outboxEvents(outbox.KindReferralCredited); len(evs) != 1 || !strings.Contains(evs[0].Payload, fmt.Sprintf(`"member_id":%d,`, inviter)) {
		t.Errorf("referral events = %+v, want one for the inviter", evs)
	}
	// A new follower through a code naming the id they are about to get.
	var next int64
	e.db.Model(&model.Member{}).Select("MAX(id) + 1").Scan(&next)
	e.say(e.oa, e.oa.Subscribe("o_self", fmt.Sprintf("ref_%d", next), now))
	if n := e.count(&model.PointsEntry{}, "kind = ?", model.ChannelReferral); n != 1 {
		t.Errorf("referral entries after a self-invite = %d, want 1", n)
	}
	// The plaintext path reads the scene the same way.
	plain := wxsim.OA{AppID: testAppID, Token: testToken}
	e.say(plain, plain.Subscribe("o_friend2", "ref_999999", now))
	if n := e.count(&model.PointsEntry{}, "kind = ?", model.ChannelReferral); n != 1 {
		t.Errorf("referral entries after an unknown inviter = %d, want 1", n)
	}
}
