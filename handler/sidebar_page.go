package handler

import (
	"embed"
	"io/fs"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// web holds the sidebar page: plain HTML, CSS and JavaScript, served from
// the binary with no build step.
//
//go:embed web/sidebar
var web embed.FS

var sidebarFiles, _ = fs.Sub(web, "web/sidebar")

// sidebarPage serves /sidebar/ and its assets. The page must not be cached
// stale inside WeCom's webview, so HTML is revalidated every time.
func (s *Server) sidebarPage(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("file"), "/")
	if name == "" {
		name = "index.html"
	}
	b, err := fs.ReadFile(sidebarFiles, name)
	if err != nil {
		respond(c, http.StatusNotFound, gin.H{"error": gin.H{"code": "not_found", "message": "no such file: " + name}})
		return
	}
	ctype := map[string]string{".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
	for ext, t := range ctype {
		if strings.HasSuffix(name, ext) {
			c.Header("Content-Type", t)
		}
	}
	if strings.HasSuffix(name, ".html") {
		c.Header("Cache-Control", "no-cache")
	} else {
		c.Header("Cache-Control", "public, max-age=300")
	}
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(b) // the client is gone if this fails; nobody to tell
}

// sidebarConfig serves GET /api/sidebar/config: what the page needs before
// sign-in (the corp and agent for OAuth and the JS-SDK).
func (s *Server) sidebarConfig(c *gin.Context) {
	respond(c, http.StatusOK, gin.H{"corpid": s.wecomCorpID, "agentid": s.wecomAgentID, "configured": s.sidebarWX != nil, "state": sidebarState.issue(c)})
}

// sidebarMe serves GET /api/sidebar/me: the signed-in guide.
func (s *Server) sidebarMe(c *gin.Context) {
	g, storeName := guideOf(c)
	respond(c, http.StatusOK, gin.H{"userid": g.UserID, "name": g.Name, "role": g.Role, "store_code": g.StoreCode, "store_name": storeName})
}
