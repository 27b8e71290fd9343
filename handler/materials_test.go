package handler_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/siyu/siyu/handler"
	"github.com/siyu/siyu/handover"
	"github.com/siyu/siyu/materials"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/wx"
)

// withLibrary wires the material library and the handover service on the
// env's database, Redis and fake upstream.
func withLibrary(d *handler.Deps) {
	st := store.New(d.DB)
	client := d.SidebarWeCom.(*wx.Client)
	d.Materials = materials.New(st, materials.Options{Redis: d.Redis, Prefix: d.Prefix, Media: client})
	d.Handover = handover.New(st, client, d.Enqueuer, handover.Options{})
}

// newLibraryEnv is the sidebar env (stores, guides, Alice) with the library.
func newLibraryEnv(t *testing.T) *sidebarEnv {
	t.Helper()
	e := newTestEnv(t, withLibrary)
	for _, st := range []model.Store{{Code: "sh001", Name: "上海一店"}, {Code: "bj001", Name: "北京一店"}} {
		e.db.Create(&st)
	}
	for _, g := range []model.Guide{
		{UserID: "g_sh_1", Name: "小王", StoreCode: "sh001", Role: model.RoleGuide},
		{UserID: "g_sh_2", Name: "小李", StoreCode: "sh001", Role: model.RoleGuide},
		{UserID: "g_bj_1", Name: "小赵", StoreCode: "bj001", Role: model.RoleGuide},
	} {
		e.db.Create(&g)
	}
	e.addCustomer("wm_alice", "Alice", "g_sh_1", "sh001", 120)
	return &sidebarEnv{testEnv: e, upstream: e.up}
}

// upload posts a multipart material to the HQ API.
func (e *sidebarEnv) upload(fields map[string]string, name string, data []byte) (int, string) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if name != "" {
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(data)
	}
	_ = mw.Close()
	return e.hqRaw("POST", "/api/hq/materials", mw.FormDataContentType(), buf.String())
}

func testPNG(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 16, 16))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestHQMaterialsAPI: HQ uploads an image over multipart (201), a bad one
// is refused with 400 and a clear message and stores nothing, a guide lists
// only what is open to their store, and a guide of another store cannot send
// or preview it.
func TestHQMaterialsAPI(t *testing.T) {
	e := newLibraryEnv(t)
	code, body := e.upload(map[string]string{"type": "image", "title": "新品海报", "store_codes": "sh001", "tags": "新品"}, "poster.png", testPNG(t))
	var m model.Material
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &m) != nil || m.ID == 0 || !m.Enabled || m.Size == 0 {
		t.Fatalf("upload = %d %s", code, body)
	}
	code, body = e.upload(map[string]string{"type": "image", "title": "坏图"}, "virus.exe", []byte("MZ not an image, really not"))
	if code != http.StatusBadRequest || !strings.Contains(body, "只支持") {
		t.Errorf("bad upload = %d %s, want 400 saying which formats", code, body)
	}
	if n := e.count(&model.Material{}); n != 1 {
		t.Errorf("materials stored = %d, want 1 (the refused one not stored)", n)
	}
	sh, bj := e.guideClient("g_sh_1"), e.guideClient("g_bj_1")
	var list struct{ Materials []model.Material }
	if code := call(t, sh, "GET", e.srv.URL+"/api/sidebar/materials?q=海报", "", &list); code != 200 || len(list.Materials) != 1 {
		t.Errorf("sh001 guide's list = %d %+v, want the poster", code, list)
	}
	if code := call(t, bj, "GET", e.srv.URL+"/api/sidebar/materials", "", &list); code != 200 || len(list.Materials) != 0 {
		t.Errorf("bj001 guide's list = %d %+v, want none", code, list)
	}
	id := itoa(m.ID)
	if code := call(t, bj, "POST", e.srv.URL+"/api/sidebar/materials/"+id+"/send", `{}`, nil); code != http.StatusNotFound {
		t.Errorf("bj001 guide sending sh001's poster = %d, want 404", code)
	}
	if code := call(t, bj, "GET", e.srv.URL+"/api/sidebar/materials/"+id+"/content", "", nil); code != http.StatusNotFound {
		t.Errorf("bj001 guide previewing sh001's poster = %d, want 404", code)
	}
	if code := e.hq("PUT", "/api/hq/materials/"+id, map[string]any{"type": "image", "title": "新品海报", "enabled": false}, nil); code != 200 {
		t.Errorf("switching it off = %d", code)
	}
	if code := call(t, sh, "GET", e.srv.URL+"/api/sidebar/materials", "", &list); code != 200 || len(list.Materials) != 0 {
		t.Errorf("list after switching off = %+v, want none", list)
	}
}

// TestHQHandoverAPI: depart a guide, preview and create a handover through
// the HQ API; an unknown guide is 404 and a bad plan 400.
func TestHQHandoverAPI(t *testing.T) {
	e := newLibraryEnv(t)
	if code := e.hq("POST", "/api/hq/guides/g_nobody/depart", nil, nil); code != http.StatusNotFound {
		t.Errorf("depart unknown guide = %d, want 404", code)
	}
	var d model.GuideDeparture
	if code := e.hq("POST", "/api/hq/guides/g_sh_1/depart", nil, &d); code != 200 || d.Source != model.DepartByHQ {
		t.Errorf("depart = %d %+v", code, d)
	}
	var pv handover.Preview
	if code := e.hq("POST", "/api/hq/handovers/preview", map[string]any{"from": "g_sh_1", "by_store": true}, &pv); code != 200 ||
		pv.Customers != 1 || pv.PerGuide["g_sh_2"] != 1 || pv.Kind != model.HandoverResigned {
		t.Errorf("preview = %d %+v, want Alice to g_sh_2, resigned", code, pv)
	}
	if code := e.hq("POST", "/api/hq/handovers", map[string]any{"from": "g_sh_1"}, nil); code != http.StatusBadRequest {
		t.Errorf("plan without to or by_store = %d, want 400", code)
	}
	var h model.Handover
	if code := e.hq("POST", "/api/hq/handovers", map[string]any{"from": "g_sh_1", "to": "g_sh_2"}, &h); code != http.StatusCreated || len(h.Items) != 1 {
		t.Fatalf("create = %d %+v", code, h)
	}
	var got model.Handover
	if code := e.hq("GET", "/api/hq/handovers/"+itoa(h.ID), nil, &got); code != 200 || len(got.Items) != 1 || got.Items[0].ExternalUserID != "wm_alice" {
		t.Errorf("get = %d %+v", code, got)
	}
	e.up.AddUnassigned("g_left", "wm_zoe", 1700000000)
	var un struct{ Customers []wx.Unassigned }
	if code := e.hq("GET", "/api/hq/handovers/unassigned", nil, &un); code != 200 || len(un.Customers) != 1 || un.Customers[0].ExternalUserID != "wm_zoe" {
		t.Errorf("unassigned = %d %+v, want wm_zoe of g_left", code, un)
	}
	if n := len(e.outboxEvents("handover.started")); n != 1 {
		t.Errorf("handover.started events = %d, want 1", n)
	}
}

// TestSidebarSendsMaterialInBrowser: in headless Chromium the guide taps a
// material; the page sends it through sendChatMessage with the media id
// the fake WeCom issued for the one upload.
func TestSidebarSendsMaterialInBrowser(t *testing.T) {
	chrome := chromiumPath(t)
	e := newLibraryEnv(t)
	if code, body := e.upload(map[string]string{"type": "image", "title": "门店海报"}, "p.png", testPNG(t)); code != http.StatusCreated {
		t.Fatalf("upload = %d %s", code, body)
	}
	ctx := openChromium(t, chrome)
	var sent []map[string]any
	err := chromedp.Run(ctx,
		openSidebar(e.srv.URL, wxStub),
		chromedp.Poll(`document.querySelectorAll('#materials li[data-material]').length === 1`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Click(`#materials li[data-material] button`, chromedp.ByQuery),
		chromedp.Poll(`window.__sent.length === 1`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(`window.__sent`, &sent),
	)
	if err != nil {
		t.Fatalf("sending a material from the page: %v\npage: %s", err, pageText(ctx))
	}
	img, _ := sent[0]["image"].(map[string]any)
	mediaID, _ := img["mediaid"].(string)
	if sent[0]["msgtype"] != "image" || mediaID == "" || !e.up.MediaUploaded(mediaID) {
		t.Errorf("sendChatMessage(%v), want an image with the uploaded media id", sent[0])
	}
	if n := e.up.CallCount("/cgi-bin/media/upload"); n != 1 {
		t.Errorf("uploads = %d, want 1", n)
	}
	if n := e.count(&model.MaterialUsage{}, "guide_user_id = ? AND external_user_id = ?", "g_sh_1", "wm_alice"); n != 1 {
		t.Errorf("usage rows = %d, want 1", n)
	}
	var usage struct {
		Usage []materials.UsageRow `json:"usage"`
	}
	var m model.Material
	if err := e.db.Take(&m).Error; err != nil {
		t.Fatal(err)
	}
	if code := e.hq("GET", "/api/hq/materials/"+itoa(m.ID)+"/usage", nil, &usage); code != 200 || len(usage.Usage) != 1 ||
		usage.Usage[0].GuideUserID != "g_sh_1" || usage.Usage[0].Sends != 1 || usage.Usage[0].Customers != 1 {
		t.Errorf("GET usage of the material: %d %+v, want g_sh_1 with 1 send to 1 customer", code, usage.Usage)
	}
	if code := e.hq("GET", "/api/hq/materials/999999/usage", nil, nil); code != http.StatusNotFound {
		t.Errorf("usage of an unknown material: %d, want 404", code)
	}
}
