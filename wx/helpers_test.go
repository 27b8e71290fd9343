package wx_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
	"github.com/siyu/siyu/wx"
	"github.com/siyu/siyu/wx/wxtest"
)

// Token endpoint paths of the fake.
const (
	oaTokenPath = "/cgi-bin/token"
	wcTokenPath = "/cgi-bin/gettoken"
)

func TestMain(m *testing.M) {
	wx.QuietLibraryLogs()
	os.Exit(m.Run())
}

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

// testConfig configures both platforms against srv. The app and corp ids are
// unique per test, so token fetches are routed to this test's server even
// when another test's Client was created later.
func testConfig(t *testing.T, srv *wxtest.Server) wx.Config {
	t.Helper()
	id := nonWord.ReplaceAllString(t.Name(), "_")
	return wx.Config{
		WeChatAppID:        "wx_" + id,
		WeChatSecret:       "oasecret",
		WeComCorpID:        "ww_" + id,
		WeComAgentID:       "1000002",
		WeComAgentSecret:   "agentsecret",
		WeComContactSecret: "contactsecret",
		WeChatAPIBase:      srv.URL(),
		WeComAPIBase:       srv.URL(),
		HTTPTimeout:        2 * time.Second,
	}
}

// newClient returns a Client on a fresh fake, with cfg adjusted by opts.
func newClient(t *testing.T, opts ...func(*wx.Config)) (*wx.Client, *wxtest.Server) {
	t.Helper()
	srv := wxtest.NewServer(t)
	cfg := testConfig(t, srv)
	for _, o := range opts {
		o(&cfg)
	}
	c, err := wx.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, srv
}

// newRedis starts a miniredis and returns a client on it.
func newRedis(t *testing.T) redis.UniversalClient {
	t.Helper()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() {
		if err := rdb.Close(); err != nil {
			t.Error(err)
		}
	})
	return rdb
}

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// lastBody decodes the JSON body of the last call to path.
func lastBody(t *testing.T, srv *wxtest.Server, path string) map[string]any {
	t.Helper()
	calls := srv.Calls(path)
	if len(calls) == 0 {
		t.Fatalf("no call to %s", path)
	}
	var m map[string]any
	if err := json.Unmarshal(calls[len(calls)-1].Body, &m); err != nil {
		t.Fatalf("body of %s is not JSON: %v: %s", path, err, calls[len(calls)-1].Body)
	}
	return m
}

// wantBody compares the last JSON body sent to path with want (written as
// JSON, so numbers compare as float64).
func wantBody(t *testing.T, srv *wxtest.Server, path, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON: %v", err)
	}
	if diff := cmp.Diff(w, lastBody(t, srv, path)); diff != "" {
		t.Errorf("body of %s (-want +got):\n%s", path, diff)
	}
}

// wantCalls checks the call count of each path.
func wantCalls(t *testing.T, srv *wxtest.Server, counts map[string]int) {
	t.Helper()
	for path, n := range counts {
		if got := srv.CallCount(path); got != n {
			t.Errorf("CallCount(%s) = %d, want %d", path, got, n)
		}
	}
}

// tokenOwner returns who the access token of the last call to path was
// issued to: the app id for OA, the secret for WeCom.
func tokenOwner(t *testing.T, srv *wxtest.Server, path string) string {
	t.Helper()
	calls := srv.Calls(path)
	if len(calls) == 0 {
		t.Fatalf("no call to %s", path)
	}
	parts := strings.Split(calls[len(calls)-1].Query.Get("access_token"), "-")
	if len(parts) < 3 {
		t.Fatalf("unexpected token %q", calls[len(calls)-1].Query.Get("access_token"))
	}
	return parts[1]
}

// wantErrCode checks err is a *wx.Error with code.
func wantErrCode(t *testing.T, err error, code int) {
	t.Helper()
	_ = wantWxError(t, err, code) // it fails t itself; the error value is for callers that inspect it
}

// wantWxError checks err is a *wx.Error with code and returns it.
func wantWxError(t *testing.T, err error, code int) *wx.Error {
	t.Helper()
	var we *wx.Error
	if !errors.As(err, &we) {
		t.Fatalf("err = %v (%T), want *wx.Error %d", err, err, code)
	}
	if we.Code != code {
		t.Fatalf("errcode = %d, want %d (%v)", we.Code, code, err)
	}
	return we
}
