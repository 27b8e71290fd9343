package tasks_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/handover"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/wx"
)

const (
	pathGroupTransfer      = "/cgi-bin/externalcontact/groupchat/transfer"
	pathGroupOnJobTransfer = "/cgi-bin/externalcontact/groupchat/onjob_transfer"
)

// groups gives owner live customer groups, in Siyu and in the fake corp.
func (h *handoverEnv) groups(owner, store string, chatIDs ...string) {
	for _, id := range chatIDs {
		h.must(h.db.Create(&model.Group{ChatID: id, Name: "群" + id, Owner: owner, StoreCode: store}).Error)
		h.up.SetGroupChat(wx.GroupChat{ChatID: id, Name: "群" + id, Owner: owner})
	}
}

func (h *handoverEnv) group(chatID string) model.Group {
	h.t.Helper()
	var g model.Group
	h.must(h.db.Where("chat_id = ?", chatID).Take(&g).Error)
	return g
}

// TestHandoverMovesDepartedGuidesGroups: a departed guide's live groups
// go with the handover by default, spread over the store by how many
// groups each guide owns, through groupchat/transfer; a group WeCom
// refuses (new owner full) keeps its owner, says why and counts as
// failed, the others change owner in Siyu and WeCom; a dismissed group is
// left alone; the departed list counts the group left.
func TestHandoverMovesDepartedGuidesGroups(t *testing.T) {
	h := newHandoverEnv(t)
	ctx := context.Background()
	h.customers("g01", "wm_a")
	h.groups("g02", "s1", "wr_busy")
	h.groups("g01", "s1", "wr_1", "wr_2", "wr_3")
	now := time.Now()
	h.must(h.db.Create(&model.Group{ChatID: "wr_gone", Owner: "g01", StoreCode: "s1", DismissedAt: &now}).Error)
	_, err := h.svc.Depart(ctx, "g01", model.DepartByHQ)
	h.must(err)
	h.up.MarkUserDeparted("g01")
	h.up.RefuseGroupTransfer("wr_3", wx.GroupTakerFull)

	pv, err := h.svc.Preview(ctx, handover.Plan{From: "g01", ByStore: true})
	h.must(err)
	// g03 owns none and g02 one: g03 takes wr_1, g02 (tie, first) wr_2, g03 wr_3.
	if pv.Groups != 3 || pv.GroupsPerGuide["g03"] != 2 || pv.GroupsPerGuide["g02"] != 1 || pv.Customers != 1 {
		t.Fatalf("preview = %+v, want 1 customer and 3 groups (2 to g03, 1 to g02)", pv)
	}
	ho, err := h.svc.Create(ctx, handover.Plan{From: "g01", ByStore: true}, "")
	h.must(err)
	if ho.Groups != 3 || len(ho.GroupItems) != 3 {
		t.Fatalf("created handover: %d groups, %d group items; want 3 and 3", ho.Groups, len(ho.GroupItems))
	}
	h.waitFor("the group transfer", func() bool {
		return h.count(&model.HandoverGroup{}, "handover_id = ? AND status = ?", ho.ID, model.ItemPending) == 0
	})
	h.up.CompleteTransfers()
	h.waitFor("the handover to finish", func() bool { return h.handover(ho.ID).State == model.HandoverDone })

	got := h.handover(ho.ID)
	if got.GroupsSucceeded != 2 || got.GroupsFailed != 1 || got.Succeeded != 1 {
		t.Errorf("counts: groups %d succeeded, %d failed, customers %d succeeded; want 2, 1, 1", got.GroupsSucceeded, got.GroupsFailed, got.Succeeded)
	}
	if h.up.CallCount(pathGroupTransfer) == 0 || h.up.CallCount(pathGroupOnJobTransfer) != 0 {
		t.Errorf("group transfer calls: resigned %d, on-job %d; want the resigned API only",
			h.up.CallCount(pathGroupTransfer), h.up.CallCount(pathGroupOnJobTransfer))
	}
	for _, gi := range got.GroupItems {
		g := h.group(gi.ChatID)
		up, _ := h.up.GroupChat(gi.ChatID)
		switch gi.ChatID {
		case "wr_3":
			if gi.Status != model.ItemFailed || gi.ErrCode != wx.GroupTakerFull || !strings.Contains(gi.Reason, "上限") || g.Owner != "g01" || up.Owner != "g01" {
				t.Errorf("wr_3: %s %d %q, owner %s (WeCom %s); want failed 90503 with the reason, still g01's", gi.Status, gi.ErrCode, gi.Reason, g.Owner, up.Owner)
			}
		default:
			if gi.Status != model.ItemSucceeded || g.Owner != gi.ToUserID || up.Owner != gi.ToUserID || gi.ToUserID == "g01" {
				t.Errorf("%s: %s, owner %s (WeCom %s); want succeeded and owned by %s", gi.ChatID, gi.Status, g.Owner, up.Owner, gi.ToUserID)
			}
		}
	}
	if g := h.group("wr_gone"); g.Owner != "g01" {
		t.Errorf("the dismissed group's owner = %s, want g01 (not handed over)", g.Owner)
	}
	left, err := h.svc.ListDeparted(ctx)
	h.must(err)
	if len(left) != 1 || left[0].CustomersLeft != 0 || left[0].GroupsLeft != 1 {
		t.Errorf("departed guides = %+v, want g01 with no customer and 1 group left", left)
	}
}

// TestHandoverOnJobGroupsInBatches: an employed guide's 101 named groups
// go to a guide of another store through groupchat/onjob_transfer, 100
// per call, and take the new owner's store; a group named but not theirs
// is refused before anything is written; a resigned handover WeCom
// answers "owner has not left" (90500) for fails with that reason and
// moves nothing.
func TestHandoverOnJobGroupsInBatches(t *testing.T) {
	h := newHandoverEnv(t)
	ctx := context.Background()
	var chats []string
	for i := range 101 {
		chats = append(chats, fmt.Sprintf("wr_%03d", i))
	}
	h.groups("g02", "s1", chats...)
	h.groups("g03", "s1", "wr_other")

	_, err := h.svc.Create(ctx, handover.Plan{From: "g02", To: "g04", ChatIDs: []string{"wr_000", "wr_other"}}, "")
	var me *model.Error
	if !errors.As(err, &me) || me.Code != model.EINVALID || !strings.Contains(me.Message, "wr_other") {
		t.Errorf("a group of another guide: err %v, want invalid naming wr_other", err)
	}
	if n := h.count(&model.Handover{}); n != 0 {
		t.Fatalf("handovers after a refused plan = %d, want 0", n)
	}
	ho, err := h.svc.Create(ctx, handover.Plan{From: "g02", To: "g04", ChatIDs: chats}, "")
	h.must(err)
	h.waitFor("the handover to finish", func() bool { return h.handover(ho.ID).State == model.HandoverDone })
	calls := h.up.Calls(pathGroupOnJobTransfer)
	if len(calls) != 2 {
		t.Fatalf("onjob_transfer calls = %d, want 2 (100 + 1)", len(calls))
	}
	for i, want := range []int{100, 1} {
		var body struct {
			ChatIDs  []string `json:"chat_id_list"`
			NewOwner string   `json:"new_owner"`
		}
		h.must(json.Unmarshal(calls[i].Body, &body))
		if len(body.ChatIDs) != want || body.NewOwner != "g04" {
			t.Errorf("call %d: %d groups to %s, want %d to g04", i, len(body.ChatIDs), body.NewOwner, want)
		}
	}
	if n := h.count(&model.Group{}, "owner = ? AND store_code = ?", "g04", "s2"); n != 101 {
		t.Errorf("groups owned by g04 in s2 = %d, want 101", n)
	}
	if got := h.handover(ho.ID); got.GroupsSucceeded != 101 || got.Customers != 0 {
		t.Errorf("handover: %d groups succeeded, %d customers; want 101 and 0", got.GroupsSucceeded, got.Customers)
	}

	// Siyu holds g03 departed, WeCom does not: groupchat/transfer answers 90500.
	_, err = h.svc.Depart(ctx, "g03", model.DepartByHQ)
	h.must(err)
	ho, err = h.svc.Create(ctx, handover.Plan{From: "g03", To: "g02"}, "")
	h.must(err)
	h.waitFor("the handover to finish", func() bool { return h.handover(ho.ID).State == model.HandoverDone })
	gi := h.handover(ho.ID).GroupItems
	if len(gi) != 1 || gi[0].ErrCode != wx.GroupOwnerNotLeft || !strings.Contains(gi[0].Reason, "群主并未离职") || h.group("wr_other").Owner != "g03" {
		t.Errorf("resigned transfer of an employed owner's group: %+v, owner %s; want failed 90500, still g03's", gi, h.group("wr_other").Owner)
	}
}
