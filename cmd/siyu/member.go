package main

import (
	"github.com/siyu/siyu/config"
	"github.com/siyu/siyu/handler"
)

// memberCentre configures the member centre: it signs members in through
// the Official Account, so without the account's secret sign-in answers 503.
func (a *app) memberCentre() handler.MemberCentre {
	mc := handler.MemberCentre{PublicURL: a.cfg.PublicURL}
	if a.cfg.WeChat.AppID != "" && a.cfg.WeChat.Secret != "" {
		mc.WeChat = a.wx
	}
	if a.cfg.MemberPosterBG != "" {
		// Validate checked the file at start; a failure here (it changed
		// since) falls back to the drawn background.
		bg, err := config.LoadImage(a.cfg.MemberPosterBG)
		if err != nil {
			a.log.Warn("invite poster background not loaded; drawing one", "file", a.cfg.MemberPosterBG, "err", err)
		}
		mc.PosterBackground = bg
	}
	return mc
}
