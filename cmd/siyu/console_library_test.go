package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// libraryPages are the material library and handover pages, checked after
// seedLibrary gave them something to show.
var libraryPages = []consolePage{
	{"/console/materials", "materials", "春季新品海报"},
	{"/console/handover", "handover", "交接记录"},
}

// seedCall makes one HQ API call with the console's token and decodes the
// answer into out (when given); it fails the test on a status >= 300.
func seedCall(t *testing.T, base, method, path, contentType string, body []byte, out any) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer console-token")
	req.Header.Set("Idempotency-Key", fmt.Sprintf("seed-%s-%d", strings.ReplaceAll(path, "/", "-"), len(body)))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&e) // best effort: it explains the failure
		t.Fatalf("%s %s: HTTP %d %v", method, path, resp.StatusCode, e)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

// posterPNG is a small poster: a coloured block with a band, as a PNG.
func posterPNG(t *testing.T, c color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 120, 120))
	for y := range 120 {
		for x := range 120 {
			p := c
			if y > 80 {
				p = color.RGBA{255, 255, 255, 255}
			}
			img.Set(x, y, p)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// seedLibrary fills the material library (two posters, a link, a
// mini-program card) and hands the first store's first guide over: HQ
// marks them departed and spreads their customers over the store.
func seedLibrary(t *testing.T, base string) {
	t.Helper()
	for i, m := range []map[string]string{
		{"type": "image", "title": "春季新品海报", "group": "新品", "tags": "春季,海报", "description": "门店陈列同款，适合发给老客"},
		{"type": "image", "title": "会员日满减海报", "group": "活动", "tags": "会员日", "enabled": "false"},
	} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range m {
			_ = mw.WriteField(k, v) // a bytes.Buffer does not fail
		}
		fw, _ := mw.CreateFormFile("file", fmt.Sprintf("poster%d.png", i))
		_, _ = fw.Write(posterPNG(t, []color.RGBA{{59, 110, 245, 255}, {214, 51, 108, 255}}[i]))
		_ = mw.Close()
		seedCall(t, base, "POST", "/api/hq/materials", mw.FormDataContentType(), buf.Bytes(), nil)
	}
	// The mini-program card's cover, served on this machine: the browser
	// check allows no unreachable host.
	cover := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(posterPNG(t, color.RGBA{245, 166, 35, 255}))
	}))
	t.Cleanup(cover.Close)
	for _, m := range []map[string]any{
		{"type": "link", "title": "春季穿搭指南", "group": "内容", "url": "https://example.com/spring", "tags": []string{"穿搭"}, "description": "品牌公众号文章"},
		{"type": "miniprogram", "title": "积分商城", "group": "小程序", "appid": "wx1234567890abcdef", "page": "pages/mall/index.html", "cover_url": cover.URL + "/mall-cover.png", "enabled": true},
	} {
		b, _ := json.Marshal(m)
		seedCall(t, base, "POST", "/api/hq/materials", "application/json", b, nil)
	}
	var gs struct {
		Guides []struct {
			UserID    string `json:"userid"`
			StoreCode string `json:"store_code"`
		} `json:"guides"`
	}
	seedCall(t, base, "GET", "/api/hq/guides", "", nil, &gs)
	if len(gs.Guides) < 2 {
		t.Fatalf("guides = %d, want at least 2 to hand over", len(gs.Guides))
	}
	from := gs.Guides[len(gs.Guides)-1]
	seedCall(t, base, "POST", "/api/hq/guides/"+from.UserID+"/depart", "", nil, nil)
	b, _ := json.Marshal(map[string]any{"from": from.UserID, "by_store": true})
	seedCall(t, base, "POST", "/api/hq/handovers", "application/json", b, nil)
	// A second departed guide, still waiting for a handover.
	seedCall(t, base, "POST", "/api/hq/guides/"+gs.Guides[len(gs.Guides)-2].UserID+"/depart", "", nil, nil)
}
