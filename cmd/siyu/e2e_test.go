package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx"
	"github.com/siyu/siyu/wx/wxtest"
)

// TestEndToEndWeCom starts the whole server on a free port, wired to the
// fake upstream, and drives it over HTTP as WeCom and HQ would: a scene, a
// guide adding a customer through it (posted by `siyu simulate`), and the
// effects — member, tags mirrored, welcome sent.
func TestEndToEndWeCom(t *testing.T) {
	up := wxtest.NewServer(t)
	_, prefix := taskstest.NewRedis(t) // a unique prefix, cleaned up afterwards
	base, getenv := startE2EServer(t, up.URL(), prefix)
	hq := e2eHQ(t, base)
	if code := hq("POST", "/api/hq/scenes", map[string]any{"scene": "store_e2e", "tags": []string{"门店:端到端"}, "welcome": "欢迎光临"}, nil); code != 201 {
		t.Fatalf("create scene = %d", code)
	}
	if code := hq("POST", "/api/hq/guides", map[string]any{"userid": "g01", "name": "导购"}, nil); code != 201 {
		t.Fatalf("create guide = %d", code)
	}
	var cw struct {
		QRCode string `json:"qr_code"`
	}
	if code := hq("POST", "/api/hq/contact-ways", map[string]any{"scene": "store_e2e", "guides": []string{"g01"}}, &cw); code != 201 || cw.QRCode == "" {
		t.Fatalf("contact way = %d %+v", code, cw)
	}
	up.SetExternalContact(wx.ExternalContact{ExternalUserID: "wm_e2e", Name: "E2E", Type: 1, FollowUsers: []wx.FollowUser{{UserID: "g01", State: "store_e2e"}}})
	var out bytes.Buffer
	if err := run(context.Background(), []string{"simulate", "--url", base, "--repeat", "3", "wecom-add", "wm_e2e", "--guide", "g01", "--state", "store_e2e"},
		getenv, &out, &out); err != nil {
		t.Fatalf("simulate: %v\n%s", err, out.String())
	}
	waitFor(t, func() bool {
		var res struct {
			Members []struct{ Tags []string } `json:"members"`
		}
		hq("GET", "/api/hq/members?external_userid=wm_e2e", nil, &res)
		return len(res.Members) == 1 && strings.Join(res.Members[0].Tags, ",") == "门店:端到端" &&
			up.CallCount("/cgi-bin/externalcontact/mark_tag") == 1 && up.CallCount("/cgi-bin/externalcontact/send_welcome_msg") == 1
	})
	// Nothing more arrives: every task the add queued, scheduled ones
	// included, has run.
	waitDrained(t, base)
	if n, w := up.CallCount("/cgi-bin/externalcontact/mark_tag"), up.CallCount("/cgi-bin/externalcontact/send_welcome_msg"); n != 1 || w != 1 {
		t.Errorf("mark_tag = %d, welcome = %d; want 1 each", n, w)
	}
	if body := string(up.Calls("/cgi-bin/externalcontact/send_welcome_msg")[0].Body); !strings.Contains(body, "欢迎光临") {
		t.Errorf("welcome body = %s", body)
	}
}

// startE2EServer runs `siyu serve` on a free port, wired to the fake
// upstream at upURL, MySQL and Redis (under prefix), until the test ends; it
// returns the server's base URL and its environment.
func startE2EServer(t *testing.T, upURL, prefix string) (string, func(string) string) {
	t.Helper()
	addr := freeAddr(t)
	env := map[string]string{
		"SIYU_HTTP_ADDR": addr, "SIYU_DATA_DIR": t.TempDir(), "SIYU_MYSQL_DSN": modeltest.DSN(t),
		"SIYU_REDIS_URL": os.Getenv("TEST_REDIS_URL"), "SIYU_REDIS_PREFIX": prefix, "SIYU_HQ_TOKEN": "e2e-hq-token",
		"SIYU_WECOM_CORPID": "ww_e2e_corp", "SIYU_WECOM_TOKEN": "e2e-token", "SIYU_WECOM_AES_KEY": "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut",
		"SIYU_WECOM_CONTACT_SECRET": "contactsecret", "SIYU_WECOM_AGENT_ID": "1000002", "SIYU_WECOM_AGENT_SECRET": "agentsecret",
		"SIYU_WECOM_API_BASE": upURL, "SIYU_WECHAT_API_BASE": upURL, "SIYU_LOG_LEVEL": "warn",
	}
	base := serveReady(t, env)
	return base, func(k string) string { return env[k] }
}

// e2eHQ returns a caller of the HQ API at base: it sends in as JSON,
// decodes the answer into out (unless nil) and returns the status.
func e2eHQ(t *testing.T, base string) func(method, path string, in, out any) int {
	return func(method, path string, in, out any) int {
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		req, err := http.NewRequest(method, base+path, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer e2e-hq-token")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		if out != nil && resp.StatusCode < 300 {
			if err := json.Unmarshal(raw, out); err != nil {
				t.Fatalf("%s %s: %v in %s", req.Method, req.URL.Path, err, raw)
			}
		}
		return resp.StatusCode
	}
}

// waitDrained waits until the server's /metrics shows no task pending,
// running, due for a retry or scheduled for later, three reads in a row
// (a finishing task may queue another).
func waitDrained(t *testing.T, base string) {
	t.Helper()
	quiet := 0
	waitFor(t, func() bool {
		req, err := http.NewRequest("GET", base+"/metrics", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer e2e-hq-token") // an admin key reads /metrics
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != 200 || !strings.Contains(string(raw), "siyu_queue_up 1") {
			t.Fatalf("metrics = %d, %v; want the queue gauges", resp.StatusCode, err)
		}
		busy := false
		for _, line := range strings.Split(string(raw), "\n") {
			if !strings.HasPrefix(line, "siyu_queue_tasks{") || strings.HasSuffix(line, " 0") {
				continue
			}
			for _, st := range []string{`state="pending"`, `state="active"`, `state="scheduled"`, `state="retry"`} {
				busy = busy || strings.Contains(line, st)
			}
		}
		if busy {
			quiet = 0
		} else {
			quiet++
		}
		return quiet >= 3
	})
}

// waitFor polls ok until it holds. The deadline is generous because a
// process started by the test migrates the schema first, which on a loaded
// 2-core CI machine has taken over 20 s; a pass never waits for it.
func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
