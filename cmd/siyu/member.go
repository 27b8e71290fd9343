package main

import "github.com/siyu/siyu/handler"

// memberCentre configures the member centre: it signs members in through
// the Official Account, so without the account's secret sign-in answers 503.
func (a *app) memberCentre() handler.MemberCentre {
	mc := handler.MemberCentre{PublicURL: a.cfg.PublicURL}
	if a.cfg.WeChat.AppID != "" && a.cfg.WeChat.Secret != "" {
		mc.WeChat = a.wx
	}
	return mc
}
