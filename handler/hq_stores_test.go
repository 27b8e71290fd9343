package handler_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/siyu/siyu/model"
)

// hqRaw calls the HQ API with a raw body and content type.
func (e *testEnv) hqRaw(method, path, contentType, body string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+testHQ)
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHQStores(t *testing.T) {
	e := newTestEnv(t)
	var st model.Store
	if code := e.hq("POST", "/api/hq/stores", map[string]any{"code": "sh001", "name": "上海一店"}, &st); code != http.StatusCreated || st.Name != "上海一店" {
		t.Fatalf("create store = %d %+v", code, st)
	}
	if code := e.hq("POST", "/api/hq/stores", map[string]any{"code": "sh001", "name": "上海旗舰店"}, &st); code != http.StatusOK || st.Name != "上海旗舰店" {
		t.Errorf("update store = %d %+v", code, st)
	}
	for _, tc := range []struct {
		body any
		want int
	}{
		{map[string]any{"code": "a b"}, 400},
		{map[string]any{"code": ""}, 400},
		{map[string]any{"code": "x", "extra": 1}, 400},
		{`{"code": "x"`, 400},
	} {
		if code := e.hq("POST", "/api/hq/stores", tc.body, nil); code != tc.want {
			t.Errorf("POST %v = %d, want %d", tc.body, code, tc.want)
		}
	}
	status, body := e.hqRaw("POST", "/api/hq/stores/import", "text/csv; charset=utf-8", "\ufeffcode,name\nbj001,北京一店\ngz001, 广州一店\nsh001,上海一店\n")
	if status != 200 || !strings.Contains(body, `"created":2`) || !strings.Contains(body, `"updated":1`) {
		t.Errorf("CSV import = %d %s, want 2 created, 1 updated", status, body)
	}
	status, body = e.hqRaw("POST", "/api/hq/stores/import", "application/json", `[{"code":"sz001","name":"深圳一店"}]`)
	if status != 200 || !strings.Contains(body, `"created":1`) {
		t.Errorf("JSON import = %d %s", status, body)
	}
	for _, tc := range []struct{ ctype, body, want string }{
		{"text/csv", "name\nx\n", `no \"code\" column`},
		{"text/csv", "code,city\nx,y\n", `CSV column \"city\"`},
		{"text/csv", "code\nok1\nbad code\n", "row 2"},
		{"text/csv", "", "CSV is empty"},
		{"application/json", `{"code":"x"}`, "JSON array"},
		{"application/json", `[]`, "want 1-5000 stores"},
	} {
		status, body := e.hqRaw("POST", "/api/hq/stores/import", tc.ctype, tc.body)
		if status != 400 || !strings.Contains(body, tc.want) {
			t.Errorf("import %q = %d %s, want 400 mentioning %s", tc.body, status, body, tc.want)
		}
	}
	var list struct{ Stores []model.Store }
	if e.hq("GET", "/api/hq/stores", nil, &list); len(list.Stores) != 4 || list.Stores[0].Code != "bj001" {
		t.Errorf("stores = %+v, want 4 by code", list.Stores)
	}
}

func TestHQGuides(t *testing.T) {
	e := newTestEnv(t)
	e.hq("POST", "/api/hq/stores/import", []map[string]string{{"code": "sh001"}, {"code": "bj001"}}, nil)
	var g model.Guide
	if code := e.hq("POST", "/api/hq/guides", map[string]any{"userid": "g01", "name": "张三", "store_code": "sh001"}, &g); code != 201 || g.Role != model.RoleGuide {
		t.Fatalf("create guide = %d %+v, want 201 with role guide", code, g)
	}
	for _, tc := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"userid": "g02", "store_code": "nope"}, "does not exist"},
		{map[string]any{"userid": "g02", "role": "boss"}, "role"},
		{map[string]any{"userid": ""}, "userid"},
	} {
		var out struct{ Error struct{ Message string } }
		if code := e.hq("POST", "/api/hq/guides", tc.body, &out); code != 400 || !strings.Contains(out.Error.Message, tc.want) {
			t.Errorf("POST %v = %d %q, want 400 mentioning %q", tc.body, code, out.Error.Message, tc.want)
		}
	}
	status, body := e.hqRaw("POST", "/api/hq/guides/import", "text/csv",
		"userid,name,store_code,role\ng01,张三丰,sh001,guide\nm01,李店长,sh001,store_manager\ng03,王五,bj001,\n")
	if status != 200 || !strings.Contains(body, `"created":2`) || !strings.Contains(body, `"updated":1`) {
		t.Errorf("CSV import = %d %s", status, body)
	}
	var list struct{ Guides []model.Guide }
	e.hq("GET", "/api/hq/guides?store_code=sh001", nil, &list)
	if len(list.Guides) != 2 || list.Guides[0].Name != "张三丰" || list.Guides[1].Role != model.RoleStoreManager {
		t.Errorf("sh001 guides = %+v", list.Guides)
	}
	// Sync from WeCom's address book: the fake has guide01, guide02 and hq01.
	status, body = e.hqRaw("POST", "/api/hq/guides/sync?store_code=bj001", "application/json", "")
	if status != 200 || !strings.Contains(body, `"created":3`) {
		t.Fatalf("sync = %d %s, want 3 created", status, body)
	}
	e.hq("GET", "/api/hq/guides?store_code=bj001", nil, &list)
	if len(list.Guides) != 4 {
		t.Errorf("bj001 guides after sync = %d, want 4", len(list.Guides))
	}
	e.up.FailNext("/cgi-bin/user/simplelist", 1, 60011)
	if status, body := e.hqRaw("POST", "/api/hq/guides/sync", "application/json", ""); status != http.StatusBadGateway || !strings.Contains(body, "60011") {
		t.Errorf("sync refused by WeCom = %d %s, want 502 with the errcode", status, body)
	}
	if status, _ := e.hqRaw("POST", "/api/hq/guides/sync?department_id=x", "application/json", ""); status != 400 {
		t.Errorf("sync with a bad department = %d, want 400", status)
	}
}
