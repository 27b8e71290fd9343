// Package groups keeps WeCom customer groups (客户群): the group rows and
// their members as change_external_chat events and groupchat/get tell
// them, the 加入群聊 codes whose state is a scene, the capacity watch on
// those codes' groups, and the HQ reads (lists, a group with members,
// joins and quits per day).
package groups

import (
	"context"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/wx"
)

// WarnAt is the member count at which a group code's group is reported as
// nearly full: WeCom lets 200 in through a QR code.
const WarnAt = 180

// Service is the customer-group service over one database.
type Service struct {
	st      *store.Store
	db      *gorm.DB
	members *members.Service
	loyalty *loyalty.Service
	wc      wx.WeComGroups
	now     func() time.Time
	log     *slog.Logger
}

// Options are the Service's collaborators; Loyalty nil credits no scene
// bonus, WeCom nil answers code calls with wx.ErrNotConfigured.
type Options struct {
	Members *members.Service
	Loyalty *loyalty.Service
	WeCom   wx.WeComGroups
	Now     func() time.Time
	Logger  *slog.Logger
}

// New returns a Service on st's database.
func New(st *store.Store, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Service{st: st, db: st.DB(), members: o.Members, loyalty: o.Loyalty, wc: o.WeCom, now: o.Now, log: o.Logger}
}

// WeCom returns the group API client, or wx.ErrNotConfigured.
func (s *Service) WeCom() (wx.WeComGroups, error) {
	if s.wc == nil {
		return nil, wx.ErrNotConfigured
	}
	return s.wc, nil
}

// utc is t in UTC to the second, as the platform sends times.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func unix(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

var _ = context.Background
