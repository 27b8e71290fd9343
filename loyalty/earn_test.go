package loyalty_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// TestReferral: an inviter is credited once per invitee; a self-invite, a
// repeat, or a code for a member who did not exist yet credit nothing.
func TestReferral(t *testing.T) {
	e := newEnv(t)
	inviter := e.member(0)
	invitee := e.member(0)
	for _, tc := range []struct {
		name             string
		inviter, invitee int64
		want             int64
	}{
		{"first follow", inviter, invitee, 50},
		{"duplicate delivery", inviter, invitee, 0},
		{"self invite", invitee, invitee, 0},
		{"invitee invites inviter back", invitee, inviter, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.s.CreditReferral(e.ctx, tc.inviter, tc.invitee)
			if err != nil || (got.Applied && got.Points != tc.want) || (!got.Applied && tc.want != 0) {
				t.Errorf("CreditReferral = %+v, %v; want %d points", got, err, tc.want)
			}
		})
	}
	if p1, p2 := e.get(inviter).Points, e.get(invitee).Points; p1 != 50 || p2 != 0 {
		t.Errorf("balances = %d, %d; want 50, 0", p1, p2)
	}
	for _, tc := range []struct {
		scene string
		id    int64
		ok    bool
	}{{"ref_12", 12, true}, {"ref_012", 0, false}, {"ref_x", 0, false}, {"ref_-1", 0, false}, {"store_1", 0, false}} {
		if id, ok := loyalty.ParseInviteScene(tc.scene); id != tc.id || ok != tc.ok {
			t.Errorf("ParseInviteScene(%q) = %d %v, want %d %v", tc.scene, id, ok, tc.id, tc.ok)
		}
	}
}

// TestInteractionCaps: share earns 5 up to 15 a day, also under
// concurrency; event ids count once.
func TestInteractionCaps(t *testing.T) {
	e := newEnv(t)
	m := e.member(0)
	errs := parallel(10, func(i int) error {
		_, err := e.s.RecordInteraction(e.ctx, loyalty.Interaction{EventID: fmt.Sprintf("share-%d", i), Type: model.ChannelShare, MemberID: m})
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := e.get(m); got.Points != 15 || got.Growth != 3 {
		t.Errorf("after 10 shares: %d points %d growth, want 15 and 3", got.Points, got.Growth)
	}
	again, err := e.s.RecordInteraction(e.ctx, loyalty.Interaction{EventID: "share-0", Type: model.ChannelShare, MemberID: m})
	if err != nil || again.Applied {
		t.Errorf("repeated event = %+v, %v; want not applied", again, err)
	}
	if _, err := e.s.RecordInteraction(e.ctx, loyalty.Interaction{EventID: "share-0", Type: model.ChannelShare, MemberID: e.member(0)}); model.ErrorCode(err) != model.ECONFLICT {
		t.Errorf("event id reused for another member = %v, want conflict", err)
	}
	if _, err := e.s.RecordInteraction(e.ctx, loyalty.Interaction{EventID: "x", Type: "like", MemberID: m}); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("unknown type = %v, want invalid", err)
	}
	e.clk.Add(24 * time.Hour)
	if got, _ := e.s.RecordInteraction(e.ctx, loyalty.Interaction{EventID: "share-next", Type: model.ChannelShare, MemberID: m}); got.Points != 5 {
		t.Errorf("next day = %+v, want 5 points", got)
	}
	if got, _ := e.s.RecordInteraction(e.ctx, loyalty.Interaction{EventID: "review-1", Type: model.ChannelReview, MemberID: m}); got.Points != 10 {
		t.Errorf("review = %+v, want 10 points", got)
	}
}

func TestFollowBirthdayAdjust(t *testing.T) {
	e := newEnv(t)
	m := e.member(0)
	for i, want := range []bool{true, false} {
		got, err := e.s.EarnFollow(e.ctx, m)
		if err != nil || got.Applied != want || got.Points != 20 {
			t.Errorf("follow %d = %+v, %v; want applied=%v, 20 points", i, got, err, want)
		}
	}
	if err := e.s.SetBirthday(e.ctx, m, "1990-03-11"); err != nil {
		t.Fatal(err)
	}
	leap := e.member(0)
	if err := e.s.SetBirthday(e.ctx, leap, "02-29"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"02-30", "13-01", "1990/03/11", ""} {
		if err := e.s.SetBirthday(e.ctx, m, bad); model.ErrorCode(err) != model.EINVALID {
			t.Errorf("SetBirthday(%q) = %v, want invalid", bad, err)
		}
	}
	day := time.Date(2025, 3, 11, 0, 5, 0, 0, shanghai)
	for run := range 2 {
		got, err := e.s.CreditBirthdays(e.ctx, day)
		if err != nil || len(got) != 1-run {
			t.Errorf("birthday run %d = %+v, %v; want %d credits", run, got, err, 1-run)
		}
	}
	if got, _ := e.s.CreditBirthdays(e.ctx, time.Date(2025, 2, 28, 1, 0, 0, 0, shanghai)); len(got) != 1 || got[0].MemberID != leap {
		t.Errorf("28 Feb 2025 = %+v, want the 29 Feb member", got)
	}
	if got := e.get(m).Points; got != 120 {
		t.Errorf("balance = %d, want 20 follow + 100 birthday", got)
	}
	if _, err := e.s.AdjustPoints(e.ctx, loyalty.Adjustment{MemberID: m, Delta: -500, Reason: "纠错", RequestID: "adj-1"}); !errors.Is(err, model.ErrInsufficientPoints) {
		t.Errorf("debit past the balance = %v, want insufficient points", err)
	}
	for range 2 {
		if got, err := e.s.AdjustPoints(e.ctx, loyalty.Adjustment{MemberID: m, Delta: -20, Reason: "纠错", RequestID: "adj-2"}); err != nil || got.Balance != 100 {
			t.Errorf("adjust = %+v, %v; want balance 100", got, err)
		}
	}
}

// TestDisabledRuleEarnsNothing: switching a channel off stops its credits.
func TestDisabledRuleEarnsNothing(t *testing.T) {
	e := newEnv(t)
	if _, err := e.s.SaveEarningRule(e.ctx, model.EarningRule{Channel: model.ChannelFollow, Points: 20}); err != nil {
		t.Fatal(err)
	}
	m := e.member(0)
	if got, err := e.s.EarnFollow(e.ctx, m); err != nil || got.Points != 0 || e.count(&model.PointsEntry{}) != 0 {
		t.Errorf("EarnFollow with the rule off = %+v, %v", got, err)
	}
	if _, err := e.s.SaveEarningRule(e.ctx, model.EarningRule{Channel: model.ChannelShare, CapPoints: 10}); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("cap without period = %v, want invalid", err)
	}
}
