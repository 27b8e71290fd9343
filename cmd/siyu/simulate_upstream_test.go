package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSimulateUpstream: `siyu simulate upstream` serves the fake APIs with
// the scripted world: a token, then a demo group with its members; it
// stops when the context ends.
func TestSimulateUpstream(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- runSimulateUpstream(ctx, []string{"--addr", addr}, out, io.Discard)
	}()
	base := "http://" + addr
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for tok.AccessToken == "" {
		if time.Now().After(deadline) {
			t.Fatalf("upstream never answered; output: %s", out.String())
		}
		time.Sleep(10 * time.Millisecond) // poll until the listener is up
		if resp, err := http.Get(base + "/cgi-bin/gettoken?corpid=ww_demo&corpsecret=demo"); err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&tok)
			resp.Body.Close()
		}
	}
	resp, err := http.Post(base+"/cgi-bin/externalcontact/groupchat/get?access_token="+tok.AccessToken, "application/json",
		strings.NewReader(`{"chat_id":"wr_demo_01","need_name":1}`))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		GroupChat struct {
			Name       string `json:"name"`
			MemberList []struct {
				UserID string `json:"userid"`
				State  string `json:"state"`
			} `json:"member_list"`
		} `json:"group_chat"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got.GroupChat.Name != "上海一店福利群" || len(got.GroupChat.MemberList) != 3 || got.GroupChat.MemberList[1].State != "grp_demo" {
		t.Errorf("demo group = %+v", got)
	}
	if !strings.Contains(out.String(), "SIYU_WECOM_API_BASE="+base) || !strings.Contains(out.String(), "siyu serve") {
		t.Errorf("output does not say how to run serve against it:\n%s", out.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run = %v, want nil after the context ends", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("upstream did not stop")
	}
}
