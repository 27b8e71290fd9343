package handler

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/web/console"
)

// TestConsolePage serves the embedded console: index.html for the root and
// for deep links (revalidated every time), hashed bundles with their type
// and a year's cache, and a 404 for a bundle that does not exist.
func TestConsolePage(t *testing.T) {
	gin.SetMode(gin.TestMode)
	r := gin.New()
	r.GET("/console/*file", consolePage)
	get := func(path string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		return w
	}
	index, err := fs.ReadFile(console.Files, "index.html")
	if err != nil {
		t.Fatalf("the console build is not embedded: %v", err)
	}
	for _, path := range []string{"/console/", "/console/members/12", "/console/tasks/new?rfm=x", "/console/../../etc/passwd"} {
		w := get(path)
		if w.Code != 200 || w.Body.String() != string(index) {
			t.Errorf("%s = %d, want index.html", path, w.Code)
		}
		if ct, cc := w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"); ct != "text/html; charset=utf-8" || cc != "no-cache" {
			t.Errorf("%s: Content-Type %q, Cache-Control %q", path, ct, cc)
		}
	}
	js, _ := fs.Glob(console.Files, "assets/*.js")
	css, _ := fs.Glob(console.Files, "assets/*.css")
	if len(js) == 0 || len(css) == 0 {
		t.Fatalf("no bundles embedded: %v %v", js, css)
	}
	for file, ctype := range map[string]string{js[0]: "text/javascript; charset=utf-8", css[0]: "text/css; charset=utf-8"} {
		w := get("/console/" + file)
		want, _ := fs.ReadFile(console.Files, file)
		if w.Code != 200 || w.Body.String() != string(want) {
			t.Errorf("%s = %d, want the file", file, w.Code)
		}
		if ct, cc := w.Header().Get("Content-Type"), w.Header().Get("Cache-Control"); ct != ctype || !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("%s: Content-Type %q, Cache-Control %q", file, ct, cc)
		}
	}
	if w := get("/console/assets/missing-abc123.js"); w.Code != 404 || !strings.Contains(w.Header().Get("Content-Type"), "json") {
		t.Errorf("missing bundle = %d %q, want a JSON 404", w.Code, w.Header().Get("Content-Type"))
	}
}
