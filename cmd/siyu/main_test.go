package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siyu/siyu/model/modeltest"
)

// syncBuffer is a goroutine-safe log sink the test can search.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testEnvVars is the server's environment: the test database and Redis
// when CI provides them, else the embedded defaults in a temp dir.
func testEnvVars(t *testing.T) map[string]string {
	env := map[string]string{
		"SIYU_HTTP_ADDR":      "127.0.0.1:0",
		"SIYU_DATA_DIR":       t.TempDir(),
		"SIYU_HQ_TOKEN":       "e2e-hq-token",
		"SIYU_METRICS_TOKEN":  "e2e-metrics-token",
		"SIYU_WECHAT_APPID":   "wxe2e0000000000000",
		"SIYU_WECHAT_TOKEN":   "e2e-token",
		"SIYU_WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
		"SIYU_REDIS_PREFIX":   "siyue2e" + time.Now().Format("150405.000000"),
	}
	if dsn := modeltest.DSN(t); dsn != "" {
		env["SIYU_MYSQL_DSN"] = dsn
	}
	if url := testRedisURL(); url != "" {
		env["SIYU_REDIS_URL"] = url
	}
	return env
}

// TestServeEndToEnd starts the whole server through run, as `siyu serve`
// does, on :0, drives the member loop with `siyu simulate demo`, checks the
// operations endpoints, and shuts it down gracefully.
func TestServeEndToEnd(t *testing.T) {
	env := testEnvVars(t)
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, getenv, logs, logs) }()

	addr := waitForAddr(t, logs, done)
	base := "http://" + addr

	for _, path := range []string{"/healthz", "/readyz"} {
		if code, body := get(t, base+path); code != 200 {
			t.Errorf("GET %s = %d %s", path, code, body)
		}
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"simulate", "--url", base, "--openid", "o_e2e", "demo", "store_e2e"}, getenv, &out, &out); err != nil {
		t.Fatalf("simulate demo: %v\n%s", err, out.String())
	}
	for _, want := range []string{"欢迎来到上海一店", "获得 5 积分", "关注礼 20 积分", "当前积分：35", "已经签到过了", "兑换成功", "券码", `"first_scene": "store_e2e"`, "门店:上海一店"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("simulate demo output lacks %q:\n%s", want, out.String())
		}
	}
	if code, _ := get(t, base+"/metrics"); code != http.StatusUnauthorized {
		t.Errorf("metrics without a token = %d, want 401", code)
	}
	if code, body := getBearer(t, base+"/metrics", env["SIYU_METRICS_TOKEN"]); code != 200 || !strings.Contains(body, `siyu_checkins_total{result="credited"} 1`) ||
		!strings.Contains(body, `siyu_points_credited_total 35`) {
		t.Errorf("metrics = %d, want check-in and points series:\n%s", code, grep(body, "siyu_"))
	}
	if code, _ := get(t, base+"/api/hq/members?openid=o_e2e"); code != http.StatusUnauthorized {
		t.Errorf("HQ API without token = %d, want 401", code)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve returned %v after shutdown", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not shut down within 30 s")
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Errorf("no shutdown log:\n%s", logs.String())
	}
}

func TestInvalidConfigStopsStart(t *testing.T) {
	env := map[string]string{"SIYU_WECHAT_AES_KEY": "short", "SIYU_WECHAT_APPID": "wx1"}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SIYU_WECHAT_AES_KEY") {
		t.Errorf("serve with a bad AES key = %v, want an error naming SIYU_WECHAT_AES_KEY", err)
	}
}

func TestHelpAndUsage(t *testing.T) {
	var out bytes.Buffer
	for _, cmd := range []string{"serve", "worker", "migrate", "simulate"} {
		out.Reset()
		err := run(context.Background(), []string{cmd, "--help"}, func(string) string { return "" }, &out, &out)
		if err == nil || exitCode(err) != 0 || !strings.Contains(out.String(), "Usage: siyu "+cmd) {
			t.Errorf("siyu %s --help = %v (exit %d): %q", cmd, err, exitCode(err), out.String())
		}
	}
	if err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, &out, &out); exitCode(err) != 2 {
		t.Errorf("unknown command exit = %d, want 2", exitCode(err))
	}
}

func TestMigrate(t *testing.T) {
	env := testEnvVars(t)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, &out, &out); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "schema up to date") {
		t.Errorf("migrate output = %q", out.String())
	}
}

var listenRe = regexp.MustCompile(`msg=listening addr=(\S+)`)

// serveStartLimit bounds how long serve may take to start. Before it
// listens it migrates the whole schema (as each `siyu operator` command
// does), which on a loaded machine's shared MySQL took over 20 s; serve
// logs nothing meanwhile. Serve's promise is to listen once started, not a
// start-up time, so the bound only catches a server that never starts.
const serveStartLimit = 3 * time.Minute

// waitForAddr waits for the server's "listening" log line.
func waitForAddr(t *testing.T, logs *syncBuffer, done <-chan error) string {
	t.Helper()
	start := time.Now()
	deadline := start.Add(serveStartLimit)
	for time.Now().Before(deadline) {
		if m := listenRe.FindStringSubmatch(logs.String()); m != nil {
			t.Logf("serve listening after %s", time.Since(start).Round(time.Millisecond))
			return m[1]
		}
		select {
		case err := <-done:
			t.Fatalf("serve exited early: %v\n%s", err, logs.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("server did not log its address within %s:\n%s", serveStartLimit, logs.String())
	return ""
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	return getBearer(t, url, "")
}

// getBearer GETs url with token as a bearer token ("" sends none).
func getBearer(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

func grep(s, substr string) string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		if strings.Contains(sc.Text(), substr) {
			out = append(out, sc.Text())
		}
	}
	return strings.Join(out, "\n")
}
