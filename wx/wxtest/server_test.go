package wxtest_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siyu/siyu/wx/wxtest"
)

// get and post call the fake directly and decode its JSON answer.
func get(t *testing.T, srv *wxtest.Server, pathQuery string) map[string]any {
	t.Helper()
	return do(t, http.MethodGet, srv.URL()+pathQuery, "")
}

func post(t *testing.T, srv *wxtest.Server, pathQuery, body string) map[string]any {
	t.Helper()
	return do(t, http.MethodPost, srv.URL()+pathQuery, body)
}

func do(t *testing.T, method, url, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s %s: not JSON: %s", method, url, data)
	}
	return m
}

func code(m map[string]any) int {
	c, _ := m["errcode"].(float64)
	return int(c)
}

func wecomToken(t *testing.T, srv *wxtest.Server) string {
	t.Helper()
	m := get(t, srv, "/cgi-bin/gettoken?corpid=ww1&corpsecret=sec")
	tok, _ := m["access_token"].(string)
	if code(m) != 0 || tok == "" || m["expires_in"] != float64(7200) {
		t.Fatalf("gettoken = %v", m)
	}
	return tok
}

func TestTokensAreIssuedAndChecked(t *testing.T) {
	srv := wxtest.NewServer(t)
	tok := wecomToken(t, srv)
	if !strings.HasPrefix(tok, "wecom-sec-") {
		t.Errorf("token %q does not name its secret", tok)
	}
	oa := get(t, srv, "/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=s")
	if oa["access_token"] == nil || oa["expires_in"] != float64(7200) {
		t.Fatalf("OA token = %v", oa)
	}
	if c := code(get(t, srv, "/cgi-bin/token?grant_type=client_credential&appid=wx1")); c != 41004 {
		t.Errorf("token without secret: errcode %d, want 41004", c)
	}
	cases := map[string]int{
		"/cgi-bin/user/simplelist?department_id=1":                                 41001, // no token
		"/cgi-bin/user/simplelist?department_id=1&access_token=bogus":              40014,
		"/cgi-bin/user/simplelist?department_id=1&access_token=" + tok:             0,
		"/cgi-bin/user/info?openid=o1&access_token=" + tok:                         40014, // WeCom token on OA
		"/cgi-bin/user/info?openid=o1&access_token=" + oa["access_token"].(string): 0,
	}
	for pq, want := range cases {
		if got := code(get(t, srv, pq)); got != want {
			t.Errorf("GET %s: errcode %d, want %d", pq, got, want)
		}
	}
	srv.ExpireTokens()
	if got := code(get(t, srv, "/cgi-bin/user/simplelist?department_id=1&access_token="+tok)); got != 42001 {
		t.Errorf("expired token: errcode %d, want 42001", got)
	}
}

func TestFailNextCountsAndRecovers(t *testing.T) {
	srv := wxtest.NewServer(t)
	tok := wecomToken(t, srv)
	path := "/cgi-bin/externalcontact/mark_tag"
	srv.FailNext(path, 2, 45033)
	for i, want := range []int{45033, 45033, 40068} { // then the real answer: unknown tag
		got := post(t, srv, path+"?access_token="+tok, `{"userid":"u","external_userid":"e","add_tag":["x"]}`)
		if code(got) != want {
			t.Errorf("call %d: errcode %d, want %d", i, code(got), want)
		}
	}
	if n := srv.CallCount(path); n != 3 {
		t.Errorf("CallCount = %d, want 3", n)
	}
	calls := srv.Calls(path)
	if calls[0].Path != path || calls[0].Query.Get("access_token") != tok || !strings.Contains(string(calls[0].Body), `"userid":"u"`) {
		t.Errorf("recorded call = %+v", calls[0])
	}
}

func TestSetResponseAndReset(t *testing.T) {
	srv := wxtest.NewServer(t)
	tok := wecomToken(t, srv)
	path := "/cgi-bin/user/simplelist"
	srv.SetResponse(path, map[string]any{"errcode": 0, "errmsg": "ok", "userlist": []any{}})
	if m := get(t, srv, path+"?department_id=1&access_token="+tok); len(m["userlist"].([]any)) != 0 {
		t.Errorf("override not used: %v", m)
	}
	srv.Reset()
	if n := srv.CallCount(path); n != 0 {
		t.Errorf("CallCount after Reset = %d", n)
	}
	m := get(t, srv, path+"?department_id=1&fetch_child=1&access_token="+tok)
	if len(m["userlist"].([]any)) != 3 {
		t.Errorf("after Reset: %v", m)
	}
}

func TestHang(t *testing.T) {
	srv := wxtest.NewServer(t)
	path := "/cgi-bin/gettoken"
	srv.Hang(path, 3*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL()+path+"?corpid=a&corpsecret=b", nil)
	start := time.Now()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("hanging call answered")
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("client waited %v", d)
	}
	srv.Hang(path, 0)
	start = time.Now()
	wecomToken(t, srv)
	if d := time.Since(start); d > time.Second {
		t.Errorf("Hang(path, 0) did not stop hanging: %v", d)
	}
}

func TestUnknownPathAndWrongMethod(t *testing.T) {
	srv := wxtest.NewServer(t)
	resp, err := http.Get(srv.URL() + "/cgi-bin/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: HTTP %d", resp.StatusCode)
	}
	tok := wecomToken(t, srv)
	if c := code(get(t, srv, "/cgi-bin/externalcontact/mark_tag?access_token="+tok)); c != 43002 {
		t.Errorf("GET on a POST API: errcode %d, want 43002", c)
	}
	if c := code(post(t, srv, "/cgi-bin/externalcontact/mark_tag?access_token="+tok, "{not json")); c != 47001 {
		t.Errorf("bad JSON: errcode %d, want 47001", c)
	}
}

func TestConcurrentCallsAreCountedExactly(t *testing.T) {
	srv := wxtest.NewServer(t)
	tok := wecomToken(t, srv)
	srv.Hang("/cgi-bin/get_jsapi_ticket", 50*time.Millisecond)
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			resp, err := http.Get(srv.URL() + "/cgi-bin/get_jsapi_ticket?access_token=" + tok)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
		})
	}
	wg.Wait()
	if n := srv.CallCount("/cgi-bin/get_jsapi_ticket"); n != 40 {
		t.Errorf("CallCount = %d, want 40", n)
	}
	if m := srv.MaxConcurrent("/cgi-bin/get_jsapi_ticket"); m < 2 || m > 40 {
		t.Errorf("MaxConcurrent = %d, want several", m)
	}
}

func TestCorpTagsAndMarkTagState(t *testing.T) {
	srv := wxtest.NewServer(t)
	tok := wecomToken(t, srv)
	q := "?access_token=" + tok
	added := post(t, srv, "/cgi-bin/externalcontact/add_corp_tag"+q, `{"group_name":"等级","tag":[{"name":"金卡"}]}`)
	group := added["tag_group"].(map[string]any)
	tagID := group["tag"].([]any)[0].(map[string]any)["id"].(string)
	if c := code(post(t, srv, "/cgi-bin/externalcontact/add_corp_tag"+q,
		`{"group_id":"`+group["group_id"].(string)+`","tag":[{"name":"金卡"}]}`)); c != 40071 {
		t.Errorf("duplicate tag: errcode %d, want 40071", c)
	}
	list := post(t, srv, "/cgi-bin/externalcontact/get_corp_tag_list"+q, `{}`)
	if n := len(list["tag_group"].([]any)); n != 1 {
		t.Errorf("%d groups, want 1", n)
	}
	post(t, srv, "/cgi-bin/externalcontact/mark_tag"+q, `{"userid":"g1","external_userid":"wm1","add_tag":["`+tagID+`"]}`)
	if got := srv.ContactTags("g1", "wm1"); len(got) != 1 || got[0] != tagID {
		t.Errorf("ContactTags = %v", got)
	}
	ec := get(t, srv, "/cgi-bin/externalcontact/get?external_userid=wm1&access_token="+tok)
	fu := ec["follow_user"].([]any)[0].(map[string]any)
	tag := fu["tags"].([]any)[0].(map[string]any)
	if tag["tag_id"] != tagID || tag["tag_name"] != "金卡" || tag["group_name"] != "等级" || tag["type"] != float64(1) {
		t.Errorf("follow user tags = %v", fu["tags"])
	}
}
