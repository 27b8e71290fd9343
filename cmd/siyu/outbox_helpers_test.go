package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx/wxtest"
)

// outboxEnv is the environment of a Siyu wired to the fake upstream: the
// test's database (MySQL when TEST_MYSQL_DSN is set), the given Redis URL
// ("" = embedded) and a free HTTP port.
func outboxEnv(t *testing.T, up *wxtest.Server, redisURL string) map[string]string {
	t.Helper()
	_, prefix := taskstest.NewRedis(t) // a unique prefix
	env := testEnvVars(t)
	delete(env, "SIYU_WECHAT_AES_KEY") // plaintext callbacks
	env["SIYU_HTTP_ADDR"] = freeAddr(t)
	env["SIYU_REDIS_URL"] = redisURL
	env["SIYU_REDIS_PREFIX"] = prefix
	env["SIYU_WECHAT_SECRET"] = "oasecret"
	env["SIYU_WECHAT_API_BASE"] = up.URL()
	env["SIYU_WECOM_API_BASE"] = up.URL()
	env["SIYU_WECOM_CORPID"] = "ww_outbox_" + strconv.FormatInt(time.Now().UnixNano()%1e9, 10)
	env["SIYU_WECOM_AGENT_ID"] = "1000002"
	env["SIYU_WECOM_AGENT_SECRET"] = "agentsecret"
	env["SIYU_WECOM_CONTACT_SECRET"] = "contactsecret"
	env["SIYU_LOG_LEVEL"] = "warn"
	return env
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// startRun runs `siyu <args>` in-process until the test ends; a server is
// waited for until it answers /healthz.
func startRun(t *testing.T, env map[string]string, args ...string) {
	t.Helper()
	runUntilEnd(t, env, args...)
	if args[0] == "serve" {
		waitReady(t, "http://"+env["SIYU_HTTP_ADDR"])
	}
}

// serveReady runs `siyu serve` in-process until the test ends and waits
// until it answers /readyz (its database and Redis reachable); it returns
// the server's base URL.
func serveReady(t *testing.T, env map[string]string) string {
	t.Helper()
	runUntilEnd(t, env, "serve")
	base := "http://" + env["SIYU_HTTP_ADDR"]
	waitAnswers(t, base+"/readyz")
	return base
}

// runUntilEnd runs `siyu <args>` in-process and stops it when the test
// ends, failing the test if it ended with an error of its own and showing
// its log when the test failed.
func runUntilEnd(t *testing.T, env map[string]string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, args, func(k string) string { return env[k] }, logs, logs) }()
	t.Cleanup(func() {
		cancel()
		// A process stopped by the test's end while still starting up (a
		// second worker migrating) ends with the cancellation: not a failure.
		if err := <-done; err != nil && !stoppedByTest(ctx, err) {
			t.Errorf("%v: %v", args, err)
		}
		if t.Failed() {
			t.Logf("%v log:\n%s", args, logs.String())
		}
	})
}

// stoppedByTest reports whether err is the cancellation the test's own end
// caused (some drivers lose the wrapped context error on the way up).
func stoppedByTest(ctx context.Context, err error) bool {
	return ctx.Err() != nil && (errors.Is(err, context.Canceled) || strings.Contains(err.Error(), context.Canceled.Error()))
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	waitAnswers(t, base+"/healthz")
}

// waitAnswers waits until a GET of url answers 200.
func waitAnswers(t *testing.T, url string) {
	t.Helper()
	waitFor(t, func() bool {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == 200
	})
}

// hqCall sends an HQ API request and decodes the answer into out.
func hqCall(t *testing.T, base, method, path string, in, out any, header ...string) int {
	t.Helper()
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest(method, base+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer e2e-hq-token")
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s = %d %s: %v", method, path, resp.StatusCode, raw, err)
		}
	}
	return resp.StatusCode
}

// openDB opens the database the environment names, for assertions.
func openDB(t *testing.T, env map[string]string) *gorm.DB {
	t.Helper()
	db, err := model.Open(context.Background(), model.DBOptions{MySQLDSN: env["SIYU_MYSQL_DSN"], DataDir: env["SIYU_DATA_DIR"]})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s, err := db.DB()
		if err == nil {
			err = s.Close()
		}
		if err != nil {
			t.Errorf("close the assertions' database: %v", err)
		}
	})
	return db
}

// childEnvVar carries the environment of a re-executed test binary.
const childEnvVar = "SIYU_TEST_CHILD_ENV"

// startChild re-executes this test binary to run `siyu <args>` in a
// process of its own (see TestRunChild), so the test can kill it -9.
func startChild(t *testing.T, env map[string]string, args ...string) *exec.Cmd {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"env": env, "args": args})
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnvVar+"="+string(b))
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := killChild(cmd); err != nil {
			t.Errorf("stop the child: %v", err)
		}
		if t.Failed() {
			t.Logf("child log:\n%s", out.String())
		}
	})
	return cmd
}

// TestRunChild is not a test of its own: it is the body of the process
// startChild starts, and returns at once in a normal run.
func TestRunChild(t *testing.T) {
	raw := os.Getenv(childEnvVar)
	if raw == "" {
		return
	}
	var spec struct {
		Env  map[string]string
		Args []string
	}
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), spec.Args, func(k string) string { return spec.Env[k] }, os.Stdout, os.Stderr)
	t.Fatalf("child %v ended: %v", spec.Args, err)
}

// killChild kills a child started by startChild (-9) and reaps it; a child
// already reaped is left alone. Being killed is the exit it expects, so only
// a failure to kill or to wait is an error.
func killChild(cmd *exec.Cmd) error {
	if cmd.ProcessState != nil {
		return nil
	}
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	var exit *exec.ExitError
	if err := cmd.Wait(); err != nil && !errors.As(err, &exit) {
		return err
	}
	return nil
}
