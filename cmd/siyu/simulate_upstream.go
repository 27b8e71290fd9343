package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/siyu/siyu/wx/wxtest"
)

const simulateUpstreamDesc = `Runs the fake WeChat and WeCom APIs (the ones the tests use) as a server, with
a small scripted world: guides guide01 and guide02, customers wm_demo_01..03 and
two customer groups (wr_demo_01, wr_demo_02). Point siyu serve at it with
SIYU_WECHAT_API_BASE and SIYU_WECOM_API_BASE; any app id, corp id and secrets
work. Sidebar OAuth codes are code_<userid>, e.g. code_guide01. Stop with Ctrl-C.`

// runSimulateUpstream serves the fake upstream until ctx ends.
func runSimulateUpstream(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("simulate upstream", "simulate upstream [--addr A]", simulateUpstreamDesc, stderr)
	addr := fs.String("addr", "127.0.0.1:9100", "listen address")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("simulate upstream: --addr %s: %w", *addr, err)
	}
	up := wxtest.New()
	world := up.LoadDemoWorld(time.Now().Unix())
	srv := &http.Server{Handler: up, ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "fake WeChat/WeCom upstream at %s\n  guides %s; customers %s; groups %s\n\n%s",
		base, strings.Join(world.Guides, ", "), strings.Join(world.Customers, ", "), strings.Join(world.Groups, ", "), upstreamHowTo(base))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	up.Release()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// upstreamHowTo prints the other two commands of the demo.
func upstreamHowTo(base string) string {
	env := "SIYU_WECHAT_API_BASE=" + base + " SIYU_WECOM_API_BASE=" + base +
		" SIYU_WECOM_CORPID=ww_demo SIYU_WECOM_TOKEN=demotoken SIYU_WECOM_AES_KEY=" + demoAESKey +
		" SIYU_WECOM_CONTACT_SECRET=demo SIYU_WECOM_AGENT_ID=1000002 SIYU_WECOM_AGENT_SECRET=demo" +
		" SIYU_WECHAT_APPID=wx_demo SIYU_WECHAT_SECRET=demo SIYU_WECHAT_TOKEN=demotoken SIYU_HQ_TOKEN=demo"
	return "in another terminal:\n  " + env + " siyu serve\nthen a customer group event:\n  " + env +
		" siyu simulate wecom-chat wr_demo_01 --change update --detail add_member --members wm_demo_01\n" +
		"and look: curl -H 'Authorization: Bearer demo' http://127.0.0.1:8080/api/hq/groups/wr_demo_01\n" +
		"企业微信扫码登录 in the console signs in as WeCom user hq01: bind it with\n  siyu operator add demo_ops --role operator --wecom hq01\n" +
		"and HQ tasks notify guides through the fake WeCom app, so their progress reaches 100 %.\n"
}

// demoAESKey is a 43-character EncodingAESKey for the demo only.
const demoAESKey = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
