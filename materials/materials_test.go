package materials_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siyu/siyu/materials"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx"
	"github.com/siyu/siyu/wx/wxtest"
)

const pathUpload = "/cgi-bin/media/upload"

var corpSeq atomic.Int64

type env struct {
	t      *testing.T
	st     *store.Store
	rdb    *tasks.Redis
	prefix string
	up     *wxtest.Server
	client *wx.Client
	offset atomic.Int64 // the clock's lead over the wall clock, ns
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db := modeltest.NewDB(t)
	rdb, prefix := taskstest.NewRedis(t)
	up := wxtest.NewServer(t)
	corp := fmt.Sprintf("wwmat%d%d", time.Now().UnixNano()%1e6, corpSeq.Add(1))
	client, err := wx.New(wx.Config{WeComCorpID: corp, WeComAgentID: "1000002", WeComAgentSecret: "agentsecret",
		WeComContactSecret: "contactsecret", WeComAPIBase: up.URL(), HTTPTimeout: 2 * time.Second, Redis: rdb.Client, KeyPrefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, st: store.New(db), rdb: rdb, prefix: prefix, up: up, client: client}
}

// service is one instance's library; several share the database and Redis.
// Its clock is e's (moved by advance).
func (e *env) service(ttl time.Duration) *materials.Service {
	return materials.New(e.st, materials.Options{Redis: e.rdb.Client, Prefix: e.prefix, Media: e.client, MediaTTL: ttl, Now: e.now})
}

func (e *env) now() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }

// advance moves the services' clock forward.
func (e *env) advance(d time.Duration) { e.offset.Add(int64(d)) }

func pngBytes(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 8, 8))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func (e *env) count(table any) int64 {
	var n int64
	if err := e.st.DB().Model(table).Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestBadUploadsAreRefused: a wrong format, an oversized image and a
// missing file are refused with a message that says why, and nothing is
// stored.
func TestBadUploadsAreRefused(t *testing.T) {
	e := newEnv(t)
	s := e.service(0)
	ctx := context.Background()
	cases := []struct {
		name string
		up   *materials.Upload
		want string
	}{
		{"exe as image", &materials.Upload{Name: "a.exe", Data: []byte("MZ\x90\x00 not an image at all")}, "只支持"},
		{"png named jpg but text", &materials.Upload{Name: "a.png", Data: []byte("hello, world, not a png")}, "只支持"},
		{"too large", &materials.Upload{Name: "big.png", Data: append(pngBytes(t), make([]byte, 10<<20)...)}, "10 MB"},
		{"missing", nil, "需要上传文件"},
	}
	for _, c := range cases {
		_, err := s.Save(ctx, model.Material{Type: model.MaterialImage, Title: "海报"}, c.up)
		var me *model.Error
		if !errors.As(err, &me) || me.Code != model.EINVALID || !strings.Contains(me.Message, c.want) {
			t.Errorf("%s: err %v, want invalid saying %q", c.name, err, c.want)
		}
	}
	if n, c := e.count(&model.Material{}), e.count(&model.MaterialContent{}); n != 0 || c != 0 {
		t.Errorf("stored %d materials, %d contents after refusals; want none", n, c)
	}
	if _, err := s.Save(ctx, model.Material{Type: model.MaterialLink, Title: "文章", URL: "ftp://x"}, nil); err == nil {
		t.Errorf("a link without http(s): no error")
	}
}

// TestOneUploadUnderConcurrentFirstSends: 20 guides on two instances send
// an image no one sent before; WeCom gets one upload and every payload
// carries its media id. After the cached id expires, the next send uploads
// again.
func TestOneUploadUnderConcurrentFirstSends(t *testing.T) {
	e := newEnv(t)
	a, b := e.service(0), e.service(0) // media ids kept 3 days less 1 hour
	ctx := context.Background()
	data := pngBytes(t)
	m, err := a.Save(ctx, model.Material{Type: model.MaterialImage, Title: "新品海报", Enabled: true, TagList: []string{"新品"}, StoreList: []string{"s1"}},
		&materials.Upload{Name: "poster.png", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	got, ct, err := b.Content(ctx, m.ID)
	if err != nil || !bytes.Equal(got, data) || ct != "image/png" {
		t.Fatalf("content from another instance: %d bytes %q %v; want the upload", len(got), ct, err)
	}
	e.up.Hang(pathUpload, 200*time.Millisecond) // a slow upload: the others must wait, not upload
	ids := make([]string, 20)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := []*materials.Service{a, b}[i%2]
			g := model.Guide{UserID: fmt.Sprintf("g%02d", i), StoreCode: "s1"}
			p, err := svc.Send(ctx, g, m.ID, "wm_1")
			if err != nil {
				t.Errorf("send %d: %v", i, err)
				return
			}
			ids[i] = p["image"].(map[string]string)["mediaid"]
		}()
	}
	wg.Wait()
	e.up.Hang(pathUpload, 0)
	if n := e.up.CallCount(pathUpload); n != 1 {
		t.Fatalf("uploads = %d, want 1 for 20 concurrent first sends", n)
	}
	for i, id := range ids {
		if id == "" || id != ids[0] || !e.up.MediaUploaded(id) {
			t.Errorf("send %d: media id %q, want the one upload's %q", i, id, ids[0])
		}
	}
	// 70 hours on the id is still used; past 71 (shortly before WeCom's 72)
	// it is uploaded again.
	e.advance(70 * time.Hour)
	if _, err := b.Send(ctx, model.Guide{UserID: "g01", StoreCode: "s1"}, m.ID, "wm_2"); err != nil || e.up.CallCount(pathUpload) != 1 {
		t.Fatalf("send after 70 h: %v, uploads %d; want the cached id", err, e.up.CallCount(pathUpload))
	}
	e.advance(time.Hour + time.Minute)
	p, err := a.Send(ctx, model.Guide{UserID: "g01", StoreCode: "s1"}, m.ID, "wm_2")
	if err != nil {
		t.Fatal(err)
	}
	if n := e.up.CallCount(pathUpload); n != 2 || p["image"].(map[string]string)["mediaid"] == ids[0] {
		t.Errorf("after expiry: uploads %d, media id %v; want a second upload with a new id", n, p["image"])
	}
	usage, err := a.Usage(ctx, time.Time{}, time.Time{}, "s1")
	if err != nil {
		t.Fatal(err)
	}
	var sends int64
	for _, u := range usage {
		sends += u.Sends
	}
	if len(usage) != 20 || sends != 22 {
		t.Errorf("usage rows %d with %d sends; want 20 guides and 22 sends", len(usage), sends)
	}
}

// TestScopeSearchAndCards: guides see only materials switched on and open
// to their store, found by title or tag; links and mini-program cards send
// without an upload; a failed WeCom upload says so and caches nothing.
func TestScopeSearchAndCards(t *testing.T) {
	e := newEnv(t)
	s := e.service(0)
	ctx := context.Background()
	save := func(m model.Material, up *materials.Upload) model.Material {
		t.Helper()
		saved, err := s.Save(ctx, m, up)
		if err != nil {
			t.Fatal(err)
		}
		return saved
	}
	link := save(model.Material{Type: model.MaterialLink, Title: "秋冬穿搭", URL: "https://example.com/a", CoverURL: "https://example.com/c.png", TagList: []string{"穿搭"}, Enabled: true}, nil)
	mp := save(model.Material{Type: model.MaterialMiniProgram, Title: "会员商城", AppID: "wxmini", Page: "pages/index", CoverURL: "https://example.com/m.png", StoreList: []string{"s2"}, Enabled: true}, nil)
	off := save(model.Material{Type: model.MaterialLink, Title: "下架活动", URL: "https://example.com/off", Enabled: false}, nil)
	img := save(model.Material{Type: model.MaterialImage, Title: "门店海报", Enabled: true}, &materials.Upload{Name: "p.png", Data: pngBytes(t)})

	list, err := s.List(ctx, materials.Query{StoreCode: "s1", EnabledOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, m := range list {
		titles = append(titles, m.Title)
	}
	if strings.Join(titles, ",") != "门店海报,秋冬穿搭" {
		t.Errorf("s1 guide sees %v, want the poster and the link (not s2's card, not the one switched off)", titles)
	}
	if found, _ := s.List(ctx, materials.Query{Q: "穿搭", StoreCode: "s1", EnabledOnly: true}); len(found) != 1 || found[0].ID != link.ID {
		t.Errorf("search 穿搭 = %v, want the link", found)
	}
	g1, g2 := model.Guide{UserID: "g01", StoreCode: "s1"}, model.Guide{UserID: "g04", StoreCode: "s2"}
	if _, err := s.Send(ctx, g1, mp.ID, ""); !errors.Is(err, model.ErrMaterialNotFound) {
		t.Errorf("s1 guide sending s2's card: %v, want not found", err)
	}
	if _, err := s.Send(ctx, g1, off.ID, ""); !errors.Is(err, model.ErrMaterialNotFound) {
		t.Errorf("sending a material switched off: %v, want not found", err)
	}
	p, err := s.Send(ctx, g2, mp.ID, "wm_1")
	if err != nil || p["msgtype"] != "miniprogram" || p["miniprogram"].(map[string]string)["appid"] != "wxmini" {
		t.Errorf("mini-program payload %v, %v", p, err)
	}
	p, err = s.Send(ctx, g1, link.ID, "wm_1")
	if err != nil || p["msgtype"] != "news" || p["news"].(map[string]string)["link"] != "https://example.com/a" {
		t.Errorf("link payload %v, %v", p, err)
	}
	e.up.FailNext(pathUpload, 1, 40005)
	var me *model.Error
	if _, err := s.Send(ctx, g1, img.ID, ""); !errors.As(err, &me) || me.Code != model.EUPSTREAM {
		t.Errorf("send while WeCom refuses the upload: %v, want upstream", err)
	}
	if _, err := s.Send(ctx, g1, img.ID, ""); err != nil {
		t.Errorf("send after the refusal: %v, want a fresh upload", err)
	}
	if n := e.up.CallCount(pathUpload); n != 2 {
		t.Errorf("uploads = %d, want 2 (the refused one cached nothing)", n)
	}
}
