package taskstest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// RedisServer is a redis-server of the test's own, which it may stop,
// restart and flush without touching anyone else's Redis.
type RedisServer struct {
	t    testing.TB
	port int
	cmd  *exec.Cmd
	dir  string
}

// StartRedisServer starts a redis-server on a free port. Without the binary
// the test fails when TEST_REDIS_URL is set (CI promises real Redis) and
// is skipped otherwise.
func StartRedisServer(t testing.TB) *RedisServer {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		if UsingRedis() {
			t.Fatalf("TEST_REDIS_URL is set but redis-server is not installed: %v", err)
		}
		t.Skip("redis-server not installed; set TEST_REDIS_URL (and install it) to run this test")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	r := &RedisServer{t: t, port: port, dir: t.TempDir()}
	r.Start()
	t.Cleanup(r.Stop)
	return r
}

// URL is the server's redis:// URL.
func (r *RedisServer) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", r.port) }

// Start starts the server (empty: it keeps nothing on disk) and waits
// until it answers.
func (r *RedisServer) Start() {
	r.t.Helper()
	r.cmd = exec.Command("redis-server", "--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", r.dir, "--logfile", filepath.Join(r.dir, "redis.log"))
	if err := r.cmd.Start(); err != nil {
		r.t.Fatalf("start redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.ping() != nil {
		if time.Now().After(deadline) {
			r.t.Fatalf("redis-server on port %d does not answer", r.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server; what it held is gone. A failure to kill or reap
// it fails the test.
func (r *RedisServer) Stop() {
	if r.cmd == nil {
		return
	}
	if err := r.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		r.t.Errorf("kill redis-server: %v", err)
	}
	var exit *exec.ExitError
	if err := r.cmd.Wait(); err != nil && !errors.As(err, &exit) {
		r.t.Errorf("wait for redis-server: %v", err)
	}
	r.cmd = nil
}

// CloseAtEnd closes c (a client, queue or sweeper) when t ends and fails t
// if that fails.
func CloseAtEnd(t testing.TB, what string, c interface{ Close() error }) {
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("close %s: %v", what, err)
		}
	})
}

// Flush empties the server, as a failover to an empty replica would.
func (r *RedisServer) Flush() {
	r.t.Helper()
	if _, err := r.do("FLUSHALL"); err != nil {
		r.t.Fatalf("flush: %v", err)
	}
}

func (r *RedisServer) ping() error {
	_, err := r.do("PING")
	return err
}

// do sends one inline command and reads the first line of the answer.
func (r *RedisServer) do(cmd string) (answer string, err error) {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", r.port), time.Second)
	if err != nil {
		return "", err
	}
	defer func() { err = errors.Join(err, c.Close()) }()
	if err := c.SetDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return "", err
	}
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		return "", err
	}
	buf := make([]byte, 256)
	n, err := c.Read(buf)
	if err != nil {
		return "", err
	}
	if n > 0 && buf[0] == '-' {
		return "", fmt.Errorf("redis: %s", bytes.TrimSpace(buf[1:n]))
	}
	return string(bytes.TrimSpace(buf[:n])), nil
}
