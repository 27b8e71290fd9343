package tasks

import (
	"context"
	"errors"
	"fmt"

	"github.com/siyu/siyu/members"
)

// OAMessenger sends Official Account messages to a follower.
// wx.OfficialAccount implements it. A customer-service message reaches
// only members who wrote to the account in the last 48 hours; the
// platform refuses others (45015), and the task retries.
type OAMessenger interface {
	SendCustomText(ctx context.Context, openid, text string) error
}

// ErrNoMessenger fails message tasks while no Official Account messenger is
// configured; they are retried, so they go out once one is.
var ErrNoMessenger = errors.New("no Official Account messenger configured (SIYU_WECHAT_APPID/SECRET and the wx client); the message stays queued and is retried")

// sendToMember sends text to the member's Official Account openid. A member
// without one (a WeCom-only contact) is skipped: there is nobody to send
// to, and retrying would not change that.
func sendToMember(ctx context.Context, m OAMessenger, mem *members.Service, memberID int64, text string) (sent bool, err error) {
	if m == nil {
		return false, ErrNoMessenger
	}
	member, err := mem.GetMember(ctx, memberID)
	if err != nil {
		return false, err
	}
	if member.OpenID == "" {
		return false, nil
	}
	if err := m.SendCustomText(ctx, member.OpenID, text); err != nil {
		return false, fmt.Errorf("send to member %d: %w", memberID, err)
	}
	return true, nil
}
