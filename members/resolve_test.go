package members_test

import (
	"context"
	"errors"
	"testing"

	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tagging"
)

func TestResolveMembers(t *testing.T) {
	db := modeltest.NewDB(t)
	ctx := context.Background()
	st := store.New(db)
	s := members.New(st, tagging.New(st, nil), nil)
	if err := db.Create(&model.Level{Name: "普通", Multiplier: 1}).Error; err != nil {
		t.Fatal(err)
	}
	a, err := s.FindOrCreateOAMember(ctx, "wxapp", "o_a")
	if err != nil {
		t.Fatal(err)
	}
	if a.Level != "普通" {
		t.Errorf("new member's level = %q, want the base level 普通", a.Level)
	}
	union := "u_b"
	b := model.Member{UnionID: &union}
	db.Create(&b)
	db.Create(&model.Identity{MemberID: b.ID, Platform: model.PlatformWeCom, AppID: "corp", ExternalID: "wm_b"})
	old := model.Member{MergedInto: &b.ID}
	db.Create(&old)
	db.Create(&model.Identity{MemberID: old.ID, Platform: model.PlatformOA, AppID: "wxapp", ExternalID: "o_old"})

	refs := []members.MemberRef{
		{OpenID: "o_a"},
		{UnionID: "u_b"},
		{ExternalUserID: "wm_b"},
		{MemberID: a.ID},
		{OpenID: "o_old"},                 // merged into b
		{MemberID: old.ID},                // merged into b
		{MemberID: a.ID, OpenID: "o_old"}, // member id first
		{OpenID: "o_nobody"},
		{MemberID: 99999},
		{},
	}
	want := []int64{a.ID, b.ID, b.ID, a.ID, b.ID, b.ID, a.ID, 0, 0, 0}
	got, err := s.ResolveMembers(ctx, refs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range refs {
		if got[i] != want[i] {
			t.Errorf("ResolveMembers(%s) = %d, want %d", refs[i], got[i], want[i])
		}
	}
	if _, err := s.ResolveMember(ctx, members.MemberRef{OpenID: "o_nobody"}); !errors.Is(err, model.ErrMemberNotFound) {
		t.Errorf("ResolveMember(unknown) = %v, want not found", err)
	}
	if _, err := s.ResolveMember(ctx, members.MemberRef{}); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("ResolveMember(empty) = %v, want invalid", err)
	}
}
