package handler

import (
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/web/console"
)

// consoleTypes are the content types of the console's files; the platform's
// MIME table may lack some (.mjs, .woff2) or be empty in a container.
var consoleTypes = map[string]string{
	".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
	".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
	".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".ico": "image/x-icon",
	".json": "application/json", ".woff": "font/woff", ".woff2": "font/woff2", ".ttf": "font/ttf",
	".map": "application/json",
}

// consolePage serves the HQ console at /console/: a built file when the path
// names one, otherwise index.html so deep links (/console/members/12) reload
// to the right page. Hashed bundles under assets/ never change and are cached
// for a year; index.html is revalidated every time so a new build is seen at
// once.
func consolePage(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean("/"+c.Param("file")), "/")
	b, err := fs.ReadFile(console.Files, name)
	if name == "" || err != nil {
		if strings.HasPrefix(name, "assets/") { // a missing bundle is a 404, not the page
			c.JSON(http.StatusNotFound, gin.H{"error": gin.H{"code": "not_found", "message": "no such file: " + name}})
			return
		}
		name = "index.html"
		if b, err = fs.ReadFile(console.Files, name); err != nil {
			c.JSON(http.StatusNotFound, gin.H{"error": gin.H{"code": "not_found", "message": "控制台未构建：在 web/console 运行 npm run build"}})
			return
		}
	}
	ctype := consoleTypes[path.Ext(name)]
	if ctype == "" {
		ctype = mime.TypeByExtension(path.Ext(name))
	}
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	c.Header("Content-Type", ctype)
	c.Header("X-Content-Type-Options", "nosniff")
	if strings.HasPrefix(name, "assets/") {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "no-cache")
	}
	c.Status(http.StatusOK)
	_, _ = c.Writer.Write(b) // a client gone mid-answer is not ours to report
}
