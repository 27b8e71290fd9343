package members_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/servicetest"
)

func TestAddWeComContactAppliesScene(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	e.Scene("store_sh001", []string{"门店:上海一店", "渠道:企微"}, "sh001", "g_default")
	at := e.Now.Add(-time.Minute)
	res := e.Add("g01", "wm_alice", "store_sh001", at)
	if !res.NewMember || !res.NewRelation || res.Scene == nil {
		t.Fatalf("first add = %+v, want a new member, a new relation and the scene", res)
	}
	m, err := e.Members.GetMember(ctx, res.Member.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.ExternalUserID != "wm_alice" || m.FirstScene != "store_sh001" || m.StoreCode != "sh001" || m.GuideUserID != "g01" ||
		strings.Join(m.Tags, ",") != "渠道:企微,门店:上海一店" {
		t.Errorf("member = %+v; want wm_alice, scene store_sh001, store sh001, guide g01 (who added), both tags", m)
	}
	if again := e.Add("g01", "wm_alice", "store_sh001", at); again.NewRelation || again.Member.ID != m.ID {
		t.Errorf("replayed add = %+v, want the same member and no new relation", again)
	}
	if n := e.Count(&model.GuideRelation{}); n != 1 {
		t.Errorf("relations = %d, want 1", n)
	}
	if n := e.Count(&model.MemberEvent{}, "kind = ?", model.EventWeComAdd); n != 1 {
		t.Errorf("wecom_add events = %d, want 1", n)
	}
	// A second guide adding the same customer is a second relation of the same member.
	if other := e.Add("g02", "wm_alice", "", at.Add(time.Second)); !other.NewRelation || other.Member.ID != m.ID {
		t.Errorf("second guide's add = %+v, want a new relation of member %d", other, m.ID)
	}
	rels, _ := e.Members.ActiveRelations(ctx, m.ID)
	if len(rels) != 2 {
		t.Errorf("active relations = %d, want 2", len(rels))
	}
}

func TestAddWeComContactStoreFromGuide(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	if _, _, err := e.Guides.SaveStore(ctx, model.Store{Code: "bj01", Name: "北京一店"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.Guides.SaveGuide(ctx, model.Guide{UserID: "g_bj", StoreCode: "bj01"}); err != nil {
		t.Fatal(err)
	}
	res := e.Add("g_bj", "wm_bob", "no_such_scene", e.Now)
	if !res.UnknownScene || res.Member.StoreCode != "bj01" || res.Member.FirstScene != "no_such_scene" {
		t.Errorf("add = %+v; want unknown scene, the guide's store bj01, attribution kept", res)
	}
}

// TestRelationHistory: whatever order and however often the events come,
// the history ends up the same, and churn is recorded once per deletion.
func TestRelationHistory(t *testing.T) {
	type step struct {
		op  string // add, del-guide, del-customer, del-transfer
		min int    // minutes after t0
	}
	type row struct {
		added, ended int // minutes; -1 for none
		by           string
	}
	cases := []struct {
		name   string
		steps  []step
		want   []row
		churns int64
	}{
		{"add then guide deletes", []step{{"add", 1}, {"del-guide", 2}}, []row{{1, 2, "guide"}}, 1},
		{"replays", []step{{"add", 1}, {"add", 1}, {"del-customer", 2}, {"del-customer", 2}, {"add", 1}}, []row{{1, 2, "customer"}}, 1},
		{"delete before add", []step{{"del-customer", 2}, {"add", 1}}, []row{{1, 2, "customer"}}, 1},
		{"re-added", []step{{"add", 1}, {"del-guide", 2}, {"add", 3}}, []row{{1, 2, "guide"}, {3, -1, ""}}, 1},
		{"late replay after re-add", []step{{"add", 1}, {"del-guide", 2}, {"add", 3}, {"add", 1}, {"del-guide", 2}}, []row{{1, 2, "guide"}, {3, -1, ""}}, 1},
		{"stale delete", []step{{"add", 3}, {"del-guide", 2}}, []row{{3, -1, ""}}, 0},
		{"transfer is not churn", []step{{"add", 1}, {"del-transfer", 2}}, []row{{1, 2, "transfer"}}, 0},
		{"delete without add", []step{{"del-guide", 2}}, []row{{-1, 2, "guide"}}, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := servicetest.New(t)
			t0 := e.Now.Add(-time.Hour)
			at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
			for _, s := range tc.steps {
				if s.op == "add" {
					e.Add("g01", "wm_x", "", at(s.min))
				} else {
					e.Del("g01", "wm_x", strings.TrimPrefix(s.op, "del-"), at(s.min))
				}
			}
			var rows []model.GuideRelation
			e.DB.Order("id").Find(&rows)
			var got []row
			for _, r := range rows {
				g := row{-1, -1, r.EndedBy}
				if r.AddedAt != nil {
					g.added = int(r.AddedAt.Sub(t0) / time.Minute)
				}
				if r.EndedAt != nil {
					g.ended = int(r.EndedAt.Sub(t0) / time.Minute)
				}
				if (r.ActiveKey != nil) != (r.EndedAt == nil) {
					t.Errorf("relation %d: active key %v but ended at %v", r.ID, r.ActiveKey, r.EndedAt)
				}
				got = append(got, g)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("history = %v, want %v", got, tc.want)
			}
			if n := e.Count(&model.MemberEvent{}, "kind = ?", model.EventWeComChurn); n != tc.churns {
				t.Errorf("churn events = %d, want %d", n, tc.churns)
			}
		})
	}
}

func TestEndWeComRelationResult(t *testing.T) {
	e := servicetest.New(t)
	e.Add("g01", "wm_y", "", e.Now.Add(-time.Hour))
	first := e.Del("g01", "wm_y", model.EndedByCustomer, e.Now)
	if !first.Ended || !first.Changed || first.Relation.ID == 0 {
		t.Errorf("delete = %+v, want ended and changed", first)
	}
	replay := e.Del("g01", "wm_y", model.EndedByCustomer, e.Now)
	if !replay.Ended || replay.Changed || replay.Relation.ID != first.Relation.ID {
		t.Errorf("replayed delete = %+v, want ended (same relation), not changed", replay)
	}
	if _, err := e.Members.EndWeComRelation(context.Background(), members.WeComDeparture{CorpID: servicetest.TestCorp, GuideUserID: "g", ExternalUserID: "x", By: "nobody"}); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("unknown By = %v, want EINVALID", err)
	}
}

// TestConcurrentAdds: the same add delivered several times at once makes
// one member, one relation and one event.
func TestConcurrentAdds(t *testing.T) {
	e := servicetest.New(t)
	e.Scene("s1", []string{"渠道:企微"}, "", "")
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := e.Members.AddWeComContact(context.Background(), members.WeComArrival{
				CorpID: servicetest.TestCorp, GuideUserID: "g01", ExternalUserID: "wm_z", State: "s1", At: e.Now}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for table, want := range map[any]int64{&model.Member{}: 1, &model.Identity{}: 1, &model.GuideRelation{}: 1, &model.MemberEvent{}: 1, &model.MemberTag{}: 1} {
		if n := e.Count(table); n != want {
			t.Errorf("%T rows = %d, want %d", table, n, want)
		}
	}
}

// TestDeleteRebindsGuide: when the bound guide's relation ends, the member
// is bound to the guide of their earliest remaining relation, or to none.
func TestDeleteRebindsGuide(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	first := e.Add("g01", "wm_r", "", e.Now.Add(-2*time.Hour))
	e.Add("g02", "wm_r", "", e.Now.Add(-time.Hour))
	guideOf := func() string {
		m, err := e.Members.GetMember(ctx, first.Member.ID)
		if err != nil {
			t.Fatal(err)
		}
		return m.GuideUserID
	}
	if g := guideOf(); g != "g01" {
		t.Fatalf("bound guide = %q, want g01 (who added first)", g)
	}
	e.Del("g01", "wm_r", model.EndedByCustomer, e.Now)
	if g := guideOf(); g != "g02" {
		t.Errorf("after g01's relation ended: bound guide = %q, want g02", g)
	}
	e.Del("g02", "wm_r", model.EndedByGuide, e.Now.Add(time.Minute))
	if g := guideOf(); g != "" {
		t.Errorf("after every relation ended: bound guide = %q, want none", g)
	}
}
