package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestOperatorCommand creates the first admin from the command line, logs
// in with it over HTTP, makes and revokes a key, and reads the metrics on
// the internal listener without auth.
func TestOperatorCommand(t *testing.T) {
	env := testEnvVars(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	env["SIYU_METRICS_ADDR"] = ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	var out, errOut bytes.Buffer
	op := func(stdin string, args ...string) error {
		out.Reset()
		errOut.Reset()
		return runOperator(ctx, args, getenv, strings.NewReader(stdin), &out, &errOut)
	}
	if err := op("short\n", "add", "boss", "--role", "admin"); err == nil {
		t.Errorf("add with a 5-character password: no error")
	}
	if err := op("", "add", "boss", "--role", "admin"); err == nil {
		t.Errorf("add without a password: no error")
	}
	if err := op("first-admin-pw\n", "add", "boss", "--role", "admin", "--name", "老板"); err != nil {
		t.Fatalf("add: %v %s", err, errOut.String())
	}
	if err := op("pw-of-manager\n", "add", "mgr", "--role", "store_manager"); err == nil || !strings.Contains(err.Error(), "store_code") {
		t.Errorf("store manager without --store = %v, want a store_code error", err)
	}
	if err := op("", "key", "boss"); err != nil || !strings.HasPrefix(out.String(), "sy_") {
		t.Fatalf("key = %v %q", err, out.String())
	}
	key := strings.TrimSpace(out.String())
	if err := op("", "list"); err != nil || !strings.Contains(out.String(), "boss") || !strings.Contains(out.String(), "老板") {
		t.Errorf("list = %v %q", err, out.String())
	}

	sctx, cancel := context.WithCancel(ctx)
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(sctx, []string{"serve", "--worker=false"}, getenv, logs, logs) }()
	base := "http://" + waitForAddr(t, logs, done)
	defer func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("serve did not stop")
		}
	}()
	if code, _ := getBearer(t, base+"/api/hq/operators", key); code != 200 {
		t.Errorf("operators with the CLI key = %d, want 200", code)
	}
	resp, err := http.Post(base+"/api/auth/login", "application/json", strings.NewReader(`{"username":"boss","password":"first-admin-pw"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("login with the CLI password = %v %v", resp.StatusCode, err)
	}
	if code, body := get(t, "http://"+env["SIYU_METRICS_ADDR"]+"/metrics"); code != 200 || !strings.Contains(body, "siyu_callbacks_total") && !strings.Contains(body, "go_goroutines") {
		t.Errorf("internal metrics listener = %d", code)
	}
	prefix := key[:strings.LastIndex(key, "_")]
	if err := op("", "revoke-key", prefix); err != nil {
		t.Fatalf("revoke-key: %v", err)
	}
	if code, _ := getBearer(t, base+"/api/hq/operators", key); code != 401 {
		t.Errorf("operators with the revoked key = %d, want 401", code)
	}
	if err := op("", "disable", "boss"); err != nil {
		t.Fatal(err)
	}
	resp, _ = http.Post(base+"/api/auth/login", "application/json", strings.NewReader(`{"username":"boss","password":"first-admin-pw"}`))
	if resp.StatusCode != 401 {
		t.Errorf("login of a disabled operator = %d, want 401", resp.StatusCode)
	}
}
