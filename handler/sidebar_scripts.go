package handler

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/scripts"
)

// sidebarScripts serves GET /api/sidebar/scripts?q=&group=&external_userid=:
// the scripts visible to the guide's store, by group, with variables filled
// in for the customer when one is given.
func (s *Server) sidebarScripts(c *gin.Context) {
	g, storeName := guideOf(c)
	vars := scripts.ScriptVars{Name: "您", Guide: g.Name, Store: storeName}
	if ext := c.Query("external_userid"); ext != "" {
		m, err := s.customerFor(c, ext)
		if err != nil {
			writeError(c, err)
			return
		}
		if m.Nickname != "" {
			vars.Name = m.Nickname
		}
		vars.Points = strconv.FormatInt(m.Points, 10)
		vars.Level = m.Level
		if vars.Level == "" {
			vars.Level = "会员"
		}
	}
	groups, err := s.scripts.List(c.Request.Context(), scripts.ScriptQuery{Query: c.Query("q"), Group: c.Query("group"), StoreCode: scripts.GuideStore(g.StoreCode)})
	if err != nil {
		writeError(c, err)
		return
	}
	for gi := range groups {
		for si := range groups[gi].Scripts {
			sc := &groups[gi].Scripts[si]
			sc.Content = scripts.Fill(sc.Content, vars)
		}
	}
	respond(c, http.StatusOK, gin.H{"groups": groups})
}

// sidebarScriptSent serves POST /api/sidebar/scripts/{id}/sent: the page
// calls it after sendChatMessage succeeded, for HQ's usage counts.
func (s *Server) sidebarScriptSent(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	g, _ := guideOf(c)
	if err := s.scripts.CheckVisible(c.Request.Context(), id, scripts.GuideStore(g.StoreCode)); err != nil {
		writeError(c, err)
		return
	}
	if err := s.scripts.RecordSent(c.Request.Context(), id, g.UserID, s.loyalty.BusinessDay(s.now())); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
