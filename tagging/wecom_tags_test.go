package tagging_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/servicetest"
	"github.com/siyu/siyu/tagging"
)

func TestCorpTagNames(t *testing.T) {
	for _, tc := range []struct{ siyu, group, name string }{
		{"门店:上海一店", "门店", "上海一店"},
		{"VIP", tagging.DefaultCorpTagGroup, "VIP"},
		{":x", tagging.DefaultCorpTagGroup, ":x"},
		{"a:b:c", "a", "b:c"},
	} {
		g, n := tagging.CorpTagOf(tc.siyu)
		if g != tc.group || n != tc.name {
			t.Errorf("CorpTagOf(%q) = %q, %q; want %q, %q", tc.siyu, g, n, tc.group, tc.name)
		}
		if back := tagging.SiyuTagName(g, n); back != tc.siyu {
			t.Errorf("SiyuTagName(%q, %q) = %q, want %q back", g, n, back, tc.siyu)
		}
	}
}

// TestApplyWeComDetails: the guides' tags become wecom-source tags, except
// those Siyu put on itself; a tag removed in WeCom comes off.
func TestApplyWeComDetails(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	e.Scene("s", []string{"门店:上海一店"}, "", "")
	id := e.Add("g01", "wm_a", "s", e.Now).Member.ID
	details := func(tags ...tagging.CorpTag) members.WeComDetails {
		return members.WeComDetails{CorpID: servicetest.TestCorp, ExternalUserID: "wm_a", Name: "阿丽", Avatar: "http://a/1",
			Follows: []members.WeComFollow{{UserID: "g01", Remark: "老客户", Tags: tags}}}
	}
	shop := tagging.CorpTag{ID: "et1", Group: "门店", Name: "上海一店"}
	vip := tagging.CorpTag{ID: "et2", Group: "等级", Name: "VIP"}
	plain := tagging.CorpTag{ID: "et3", Group: tagging.DefaultCorpTagGroup, Name: "爱运动"}
	if _, err := e.Members.ApplyWeComDetails(ctx, details(shop, vip, plain)); err != nil {
		t.Fatal(err)
	}
	m, _ := e.Members.GetMember(ctx, id)
	if m.Nickname != "阿丽" || m.Avatar != "http://a/1" || strings.Join(m.Tags, ",") != "爱运动,等级:VIP,门店:上海一店" {
		t.Errorf("member = %+v", m)
	}
	if n := e.Count(&model.MemberTag{}, "source = ?", model.TagSourceWeCom); n != 2 {
		t.Errorf("wecom-source tags = %d, want 2 (the scene's own tag is not doubled)", n)
	}
	if n := e.Count(&model.GuideRelation{}, "remark = ?", "老客户"); n != 1 {
		t.Errorf("relation remark not recorded")
	}
	if _, err := e.Members.ApplyWeComDetails(ctx, details(shop)); err != nil { // VIP and 爱运动 taken off in WeCom
		t.Fatal(err)
	}
	m, _ = e.Members.GetMember(ctx, id)
	if strings.Join(m.Tags, ",") != "门店:上海一店" {
		t.Errorf("tags after removal in WeCom = %v, want only the scene's", m.Tags)
	}
	ids, _ := e.Tags.WeComTagIDs(ctx, servicetest.TestCorp, []string{"等级:VIP", "门店:上海一店", "none"})
	if ids["等级:VIP"] != "et2" || ids["门店:上海一店"] != "et1" || len(ids) != 2 {
		t.Errorf("recorded tag ids = %v", ids)
	}
}

// TestReconcileWeComTags: a tag renamed in WeCom renames the members' tag; a
// deleted one comes off them; tags of other sources stay.
func TestReconcileWeComTags(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	id := e.Add("g01", "wm_b", "", e.Now).Member.ID
	vip := tagging.CorpTag{ID: "et2", GroupID: "g1", Group: "等级", Name: "VIP"}
	old := tagging.CorpTag{ID: "et4", GroupID: "g1", Group: "等级", Name: "旧"}
	if _, err := e.Members.ApplyWeComDetails(ctx, members.WeComDetails{CorpID: servicetest.TestCorp, ExternalUserID: "wm_b",
		Follows: []members.WeComFollow{{UserID: "g01", Tags: []tagging.CorpTag{vip, old}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Tags.EditTags(ctx, id, []string{"等级:旧"}, nil, model.TagSourceManual); err != nil {
		t.Fatal(err)
	}
	renamed := vip
	renamed.Name = "SVIP"
	stale, err := e.Tags.ReconcileWeComTags(ctx, servicetest.TestCorp, []tagging.CorpTag{renamed})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range stale {
		names = append(names, s.Group+":"+s.Name)
	}
	slices.Sort(names)
	if strings.Join(names, ",") != "等级:VIP,等级:旧" {
		t.Errorf("stale = %v, want the old name of the renamed tag and the deleted tag", names)
	}
	m, _ := e.Members.GetMember(ctx, id)
	if strings.Join(m.Tags, ",") != "等级:SVIP,等级:旧" {
		t.Errorf("tags = %v, want the renamed tag, and 旧 kept from its manual source", m.Tags)
	}
}

func TestEditTagsAndMirroredTags(t *testing.T) {
	e := servicetest.New(t)
	ctx := context.Background()
	e.Scene("s", []string{"渠道:海报"}, "", "")
	id := e.Add("g01", "wm_c", "s", e.Now).Member.ID
	if _, err := e.Tags.EditTags(ctx, id, []string{"VIP", " 爱运动 "}, nil, model.TagSourceManual); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Tags.EditTags(ctx, id, nil, []string{"爱运动"}, model.TagSourceManual); err != nil {
		t.Fatal(err)
	}
	got, _ := e.Tags.MirroredTags(ctx, id)
	if strings.Join(got, ",") != "VIP,渠道:海报" {
		t.Errorf("mirrored = %v, want scene and manual tags", got)
	}
	if _, err := e.Tags.EditTags(ctx, id, []string{strings.Repeat("长", 31)}, nil, model.TagSourceManual); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("overlong tag = %v, want EINVALID", err)
	}
	if _, err := e.Tags.EditTags(ctx, 99999, []string{"x"}, nil, model.TagSourceManual); err != model.ErrMemberNotFound {
		t.Errorf("unknown member = %v, want ErrMemberNotFound", err)
	}
}
