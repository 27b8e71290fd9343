package handler_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/model"
)

// TestConsoleReads covers the console's reads: the KPI summary (brand and
// store), the member search with the targeting filter and its total, task
// progress in the list, a scene's stats, a member's timeline and the
// admin-only configuration, with each role's view.
func TestConsoleReads(t *testing.T) {
	e := newTestEnv(t)
	analyst := e.operator("c_analyst", model.OpAnalyst, "")
	manager := e.operator("c_manager", model.OpStoreManager, "sh001")
	sh := e.addCustomer("wm_c_sh", "上海客户", "g_sh", "sh001", 50)
	bj := e.addCustomer("wm_c_bj", "北京客户", "g_bj", "bj001", 30)
	e.db.Model(&model.Member{}).Where("id = ?", sh).Updates(map[string]any{"lifecycle": "active", "first_scene": "poster_sh", "subscribed": true})
	e.db.Create(&model.MemberEvent{MemberID: sh, Kind: model.EventScan, Scene: "poster_sh", CreatedAt: time.Now().UTC()})
	e.db.Create(&model.MemberEvent{MemberID: sh, Kind: model.EventFollow, Scene: "poster_sh", CreatedAt: time.Now().UTC()})
	e.db.Create(&model.CheckIn{MemberID: bj, Day: time.Now().In(mustLoadLocation("Asia/Shanghai")).Format(time.DateOnly), Streak: 1, Points: 5})

	var sum struct {
		Members, NewToday, Effective, CheckInsToday, PointsIssued, OpenTaskItems int64
	}
	get := e.getter(t)
	decodeSummary := func(token, path string) {
		t.Helper()
		var raw map[string]int64
		var tmp map[string]any
		if st := get(token, path, &tmp); st != 200 {
			t.Fatalf("GET %s = %d %v", path, st, tmp)
		}
		raw = map[string]int64{}
		for k, v := range tmp {
			if f, ok := v.(float64); ok {
				raw[k] = int64(f)
			}
		}
		sum.Members, sum.NewToday, sum.Effective = raw["members"], raw["new_today"], raw["effective"]
		sum.CheckInsToday, sum.PointsIssued = raw["checkins_today"], raw["points_issued"]
	}
	decodeSummary(testHQ, "/api/hq/metrics/summary")
	if sum.Members != 2 || sum.NewToday != 2 || sum.Effective != 2 || sum.CheckInsToday != 1 || sum.PointsIssued != 80 {
		t.Errorf("brand summary = %+v, want 2 members, 2 new today, 2 effective, 1 check-in, 80 points issued", sum)
	}
	decodeSummary(testHQ, "/api/hq/metrics/summary?store_code=bj001")
	if sum.Members != 1 || sum.CheckInsToday != 1 || sum.PointsIssued != 30 {
		t.Errorf("bj001 summary = %+v, want 1 member, 1 check-in, 30 points", sum)
	}
	decodeSummary(manager, "/api/hq/metrics/summary?store_code=bj001")
	if sum.Members != 1 || sum.CheckInsToday != 0 || sum.PointsIssued != 50 {
		t.Errorf("sh001 manager's summary = %+v, want their store's: 1 member, 0 check-ins, 50 points", sum)
	}

	checkMemberSearch(t, e, manager, sh, bj)
	checkTaskProgress(t, e, manager, sh, bj)
	checkSceneTimelineConfig(t, e, analyst, manager, sh, bj)
}

// getter is GET with a token, answering the status.
func (e *testEnv) getter(t *testing.T) func(token, path string, out any) int {
	return func(token, path string, out any) int {
		t.Helper()
		return e.hqAs(token, "GET", path, nil, out)
	}
}

// checkMemberSearch: the targeting filter, the total, the old parameters,
// and a store manager's store forced.
func checkMemberSearch(t *testing.T, e *testEnv, manager string, sh, bj int64) {
	get := e.getter(t)
	// The member list: the targeting filter, the total, the old parameters.
	var page struct {
		Members []model.MemberView
		Total   int64
	}
	for _, tc := range []struct {
		token, query string
		want         []int64
		total        int64
	}{
		{testHQ, "", []int64{bj, sh}, 2},
		{testHQ, "?limit=1", []int64{bj}, 2},
		{testHQ, "?limit=1&offset=1", []int64{sh}, 2},
		{testHQ, "?lifecycle=active", []int64{sh}, 1},
		{testHQ, "?scenes=poster_sh&subscribed=true", []int64{sh}, 1},
		{testHQ, "?subscribed=false", []int64{bj}, 1},
		{testHQ, "?store_codes=bj001,sh001&guide_userids=g_bj", []int64{bj}, 1},
		{testHQ, "?store_code=sh001", []int64{sh}, 1},
		{testHQ, "?external_userid=wm_c_bj", []int64{bj}, 1},
		{manager, "?store_codes=bj001", []int64{}, 0},
		{manager, "", []int64{sh}, 1},
	} {
		if st := get(tc.token, "/api/hq/members"+tc.query, &page); st != 200 {
			t.Fatalf("members%s = %d", tc.query, st)
		}
		got := []int64{}
		for _, m := range page.Members {
			got = append(got, m.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) || page.Total != tc.total {
			t.Errorf("members%s = %v total %d, want %v total %d", tc.query, got, page.Total, tc.want, tc.total)
		}
	}
	var bad map[string]any
	if st := get(testHQ, "/api/hq/members?activity_min=x", &bad); st != 400 || !strings.Contains(fmt.Sprint(bad), "activity_min") {
		t.Errorf("activity_min=x = %d %v, want 400 naming it", st, bad)
	}

}

// checkTaskProgress: items done and total in the list, a manager's store only.
func checkTaskProgress(t *testing.T, e *testEnv, manager string, sh, bj int64) {
	get := e.getter(t)
	// Task progress in the list, the manager's store only.
	task := e.storeTask("sh001")
	e.db.Create(&model.TaskStore{TaskID: task, StoreCode: "bj001"})
	for i, it := range []struct {
		member int64
		store  string
		status string
	}{{sh, "sh001", model.ItemDone}, {bj, "bj001", model.ItemOpen}} {
		e.db.Create(&model.TaskItem{TaskID: task, MemberID: it.member, GuideUserID: fmt.Sprint("g", i), StoreCode: it.store, Status: it.status})
	}
	var ts struct {
		Tasks []struct {
			ID           int64
			ItemProgress struct {
				Items     int64
				ItemsDone int64 `json:"items_done"`
			} `json:"item_progress"`
		}
	}
	get(testHQ, "/api/hq/tasks", &ts)
	if len(ts.Tasks) != 1 || ts.Tasks[0].ItemProgress.Items != 2 || ts.Tasks[0].ItemProgress.ItemsDone != 1 {
		t.Errorf("task list = %+v, want 1 of 2 items done", ts.Tasks)
	}
	get(manager, "/api/hq/tasks", &ts)
	if len(ts.Tasks) != 1 || ts.Tasks[0].ItemProgress.Items != 1 || ts.Tasks[0].ItemProgress.ItemsDone != 1 {
		t.Errorf("manager's task list = %+v, want their 1 item, done", ts.Tasks)
	}

}

// checkSceneTimelineConfig: a scene's stats, a member's timeline and the
// admin-only configuration.
func checkSceneTimelineConfig(t *testing.T, e *testEnv, analyst, manager string, sh, bj int64) {
	get := e.getter(t)
	// A scene's stats.
	var stats struct {
		Days    []string
		Series  map[string][]float64
		Current map[string]int64
	}
	if st := get(testHQ, "/api/hq/scenes/poster_sh/stats", &stats); st != 200 {
		t.Fatalf("scene stats = %d", st)
	}
	if stats.Current["scans"] != 1 || stats.Current["follows"] != 1 || stats.Current["members"] != 1 || stats.Current["adds"] != 0 || len(stats.Series["scans"]) != 30 {
		t.Errorf("scene stats = %+v, want 1 scan, 1 follow, 1 member over 30 days", stats)
	}
	if st := get(manager, "/api/hq/scenes/poster_sh/stats", nil); st != 403 {
		t.Errorf("manager's scene stats = %d, want 403", st)
	}

	// A member's timeline: a store manager sees only their store's.
	var tl struct{ Events []model.MemberEvent }
	get(testHQ, fmt.Sprintf("/api/hq/members/%d/timeline", sh), &tl)
	if len(tl.Events) != 2 || tl.Events[0].Scene != "poster_sh" {
		t.Errorf("timeline = %+v, want the scan and the follow", tl.Events)
	}
	if st := get(manager, fmt.Sprintf("/api/hq/members/%d/timeline", bj), nil); st != 404 {
		t.Errorf("manager's timeline of another store's member = %d, want 404", st)
	}

	// The configuration: admins only.
	var cfg struct{ Settings []map[string]any }
	if st := get(testHQ, "/api/hq/config", &cfg); st != 200 || cfg.Settings == nil {
		t.Errorf("config as admin = %d %+v", st, cfg)
	}
	for _, tok := range []string{analyst, manager} {
		if st := get(tok, "/api/hq/config", nil); st != 403 {
			t.Errorf("config as non-admin = %d, want 403", st)
		}
	}
}

// pngBytes is a small valid PNG.
func pngBytes(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// upload posts a multipart form with data in the field "image".
func (e *testEnv) upload(token, path, field string, data []byte) (int, string) {
	e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fw, _ := w.CreateFormFile(field, "img.png")
	if _, err := fw.Write(data); err != nil {
		e.t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		e.t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", e.srv.URL+path, &body)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRewardImage uploads a reward's picture, serves it, lists its URL,
// and refuses other files, oversized ones, unknown rewards and analysts.
func TestRewardImage(t *testing.T) {
	e := newTestEnv(t)
	analyst := e.operator("i_analyst", model.OpAnalyst, "")
	r := model.Reward{Name: "帆布袋", PointsCost: 100, Kind: model.RewardPhysical, Stock: 5, Active: true}
	if err := e.db.Create(&r).Error; err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/hq/rewards/%d/image", r.ID)
	pic := pngBytes(t)
	for _, tc := range []struct {
		token, field string
		data         []byte
		path         string
		want         int
		says         string
	}{
		{testHQ, "image", []byte("not an image at all"), path, 400, "不支持"},
		{testHQ, "image", []byte{}, path, 400, "图片为空"},
		{testHQ, "file", pic, path, 400, "image"},
		{testHQ, "image", append(bytes.Clone(pic), make([]byte, model.MaxRewardImageBytes)...), path, 413, "上限"},
		{testHQ, "image", pic, "/api/hq/rewards/999999/image", 404, ""},
		{analyst, "image", pic, path, 403, ""},
	} {
		if st, body := e.upload(tc.token, tc.path, tc.field, tc.data); st != tc.want || !strings.Contains(body, tc.says) {
			t.Errorf("upload %s (%d bytes) = %d %s, want %d saying %q", tc.field, len(tc.data), st, body, tc.want, tc.says)
		}
	}
	if n := e.count(&model.RewardImage{}); n != 0 {
		t.Fatalf("%d images stored after refusals, want 0", n)
	}
	if st, body := e.upload(testHQ, path, "image", pic); st != 200 || !strings.Contains(body, "image/png") {
		t.Fatalf("upload = %d %s", st, body)
	}
	var list struct {
		Rewards []struct {
			ID       int64
			ImageURL string `json:"image_url"`
		}
	}
	e.hq("GET", "/api/hq/rewards", nil, &list)
	if len(list.Rewards) != 1 || !strings.HasPrefix(list.Rewards[0].ImageURL, path+"?v=") {
		t.Fatalf("reward list = %+v, want the image URL", list.Rewards)
	}
	req, _ := http.NewRequest("GET", e.srv.URL+list.Rewards[0].ImageURL, nil)
	req.Header.Set("Authorization", "Bearer "+analyst)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || !bytes.Equal(got, pic) {
		t.Errorf("GET image = %d %s, %d bytes, want the PNG uploaded", resp.StatusCode, resp.Header.Get("Content-Type"), len(got))
	}
}

// TestPartialImport saves the valid rows of a CSV and lists each rejected
// row with its number and reason; without ?partial the import stays all
// or nothing.
func TestPartialImport(t *testing.T) {
	e := newTestEnv(t)
	csv := "code,name\nsh001,上海一店\n,无编码\nbj001,北京一店\nsh001,重复\n"
	st, body := e.hqRaw("POST", "/api/hq/stores/import", "text/csv", csv)
	if st != 400 || e.count(&model.Store{}) != 0 {
		t.Fatalf("all-or-nothing import = %d %s, %d stores saved", st, body, e.count(&model.Store{}))
	}
	st, body = e.hqRaw("POST", "/api/hq/stores/import?partial=true", "text/csv", csv)
	if st != 200 || !strings.Contains(body, `"created":2`) || !strings.Contains(body, `"row":2`) || !strings.Contains(body, `"row":4`) ||
		!strings.Contains(body, "重复") {
		t.Errorf("partial store import = %d %s, want 2 created, rows 2 and 4 rejected", st, body)
	}
	if n := e.count(&model.Store{}); n != 2 {
		t.Errorf("%d stores saved, want 2", n)
	}
	st, body = e.hqRaw("POST", "/api/hq/guides/import?partial=1", "text/csv",
		"userid,name,store_code\ng1,张三,sh001\ng2,李四,gz009\ng3,王五,bj001\n")
	if st != 200 || !strings.Contains(body, `"created":2`) || !strings.Contains(body, `"row":2`) || !strings.Contains(body, "gz009") {
		t.Errorf("partial guide import = %d %s, want 2 created and row 2 rejected for its store", st, body)
	}
}
