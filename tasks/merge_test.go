package tasks_test

import (
	"context"
	"strings"
	"testing"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/wx"
)

// TestMergeThroughTasks: an Official Account follower and a WeCom contact
// with the same unionid become one member with both sides' points and
// tags — whichever arrives first, or both at once — and the follower's
// tags reach WeCom.
func TestMergeThroughTasks(t *testing.T) {
	for _, order := range []string{"follower first", "contact first", "at once"} {
		t.Run(order, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			e.scene("poster", []string{"渠道:海报"}, "")
			e.scene("store_bj", []string{"门店:北京一店"}, "")
			appID := "wx" + e.corp
			e.up.SetOAUser(wx.OAUser{OpenID: "o_amy", UnionID: "u_amy", Subscribed: true})
			e.up.SetExternalContact(wx.ExternalContact{ExternalUserID: "wm_amy", Name: "Amy", UnionID: "u_amy", Type: 1,
				FollowUsers: []wx.FollowUser{{UserID: "g01"}}})

			follow := func() {
				f, err := e.members.FollowOA(ctx, appID, "o_amy", "poster")
				e.must(err)
				_, err = e.loy.Post(ctx, loyalty.Entry{MemberID: f.Member.ID, Delta: 30, Kind: model.PointsSceneBonus, IdemKey: "bonus:o_amy"})
				e.must(err)
				e.enqueue(tasks.NewResolveOAUnionIDTask(appID, "o_amy", "1"))
			}
			contact := func() { e.deliver(e.add("g01", "wm_amy", "store_bj", "")) }
			e.start()
			switch order {
			case "follower first":
				follow()
				e.idle()
				contact()
			case "contact first":
				contact()
				e.idle()
				follow()
			default:
				contact()
				follow()
			}
			e.idle()

			var live []model.Member
			e.db.Where("merged_into IS NULL").Find(&live)
			if len(live) != 1 {
				t.Fatalf("members = %d, want 1", len(live))
			}
			m, err := e.members.GetMember(ctx, live[0].ID)
			e.must(err)
			if m.OpenID != "o_amy" || m.ExternalUserID != "wm_amy" || m.UnionIDValue != "u_amy" || m.Points != 30 ||
				strings.Join(m.Tags, ",") != "渠道:海报,门店:北京一店" {
				t.Errorf("member = %+v", m)
			}
			got := e.tagNames("g01", "wm_amy")
			if len(got) != 2 {
				t.Errorf("WeCom tags = %v, want both sides' scene tags mirrored", got)
			}
		})
	}
}
