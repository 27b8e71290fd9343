package handler

import (
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	memberweb "github.com/siyu/siyu/web/member"
)

var memberFiles = memberweb.Files()

// memberPage serves /m/ and its built assets; any other path under /m/
// gets index.html, so a deep link reloads into the app. HTML is revalidated
// every time (WeChat's browser caches hard); hashed assets are immutable.
func (s *Server) memberPage(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean("/"+c.Param("file")), "/")
	b, err := fs.ReadFile(memberFiles, name)
	if name == "" || err != nil {
		if strings.HasPrefix(name, "assets/") {
			c.JSON(http.StatusNotFound, gin.H{"error": gin.H{"code": "not_found", "message": "no such file: " + name}})
			return
		}
		name = "index.html"
		if b, err = fs.ReadFile(memberFiles, name); err != nil {
			c.JSON(http.StatusNotFound, gin.H{"error": gin.H{"code": "not_found", "message": "the member centre is not built"}})
			return
		}
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	if strings.HasPrefix(name, "assets/") {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	c.Data(http.StatusOK, ctype, b)
}
