package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/siyu/siyu/config"
	"github.com/siyu/siyu/wx/wxsim"
)

const simulateDesc = `Signs (and, with SIYU_WECHAT_AES_KEY, encrypts) Official Account callbacks exactly
as WeChat does, posts them to a running server and prints the member's reply.
It reads the same SIYU_WECHAT_* variables as the server.

Actions:
  subscribe [scene]     follow, optionally through a scene's QR code (qrscene_<scene>)
  scan <scene>          an existing follower scans a scene's code
  text <content>        send a text message, e.g. text 签到
  checkin               same as: text 签到
  click <KEY>           menu click, e.g. click CHECKIN
  unsubscribe           unfollow
  verify                URL verification (GET with echostr)
  populate              fill a fresh database with a believable brand (see simulate populate -h)
  demo [scene]          the whole loop: create the scene (needs SIYU_HQ_TOKEN), follow
                        through it, check in twice, ask for points, show the member

WeCom contact events (signed and encrypted with SIYU_WECOM_CORPID, SIYU_WECOM_TOKEN
and SIYU_WECOM_AES_KEY; flags go after the action):
  wecom-verify                      URL verification (GET with an encrypted echostr)
  wecom-add <external_userid>       a guide adds a customer [--guide g] [--state scene]
                                    [--welcome-code code]
  wecom-edit <external_userid>      a guide edits the customer's remark or tags [--guide g]
  wecom-del <external_userid>       a deletion [--guide g] [--by customer|guide|transfer]
  wecom-tag <tag_id>                a corp tag changed [--change create|update|delete]
  wecom-chat <chat_id>              a customer group changed [--change create|update|dismiss]
                                    [--detail add_member|del_member|change_owner|change_name|
                                    change_notice] [--members id,id] [--join-scene 3]

  upstream [--addr 127.0.0.1:9100]  run the fake WeChat/WeCom APIs with a scripted world
                                    (see siyu simulate upstream --help)`

func runSimulate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "populate" { // fills a database through the services, no server needed
		return runPopulate(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) > 0 && args[0] == "upstream" {
		return runSimulateUpstream(ctx, args[1:], stdout, stderr)
	}
	fs := newFlags("simulate", "simulate [flags] <action> [args]", simulateDesc, stderr)
	baseURL := fs.String("url", "http://127.0.0.1:8080", "the server's base URL")
	openID := fs.String("openid", "o_demo_member", "the member's openid")
	compat := fs.Bool("compat", false, "compatible mode: plaintext and ciphertext side by side (needs the AES key)")
	plain := fs.Bool("plain", false, "plaintext mode even when SIYU_WECHAT_AES_KEY is set")
	repeat := fs.Int("repeat", 1, "deliver the same callback this many times, as platform retries do")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	if rest := fs.Args(); len(rest) > 0 && strings.HasPrefix(rest[0], "wecom-") {
		return simulateWeCom(ctx, cfg, strings.TrimRight(*baseURL, "/"), *repeat, rest, stdout, stderr)
	}
	if cfg.WeChat.Token == "" {
		return usageError{"set SIYU_WECHAT_TOKEN (and SIYU_WECHAT_APPID, SIYU_WECHAT_AES_KEY for safe mode) to the server's values"}
	}
	sim := simulator{
		oa:     wxsim.OA{AppID: cfg.WeChat.AppID, Token: cfg.WeChat.Token, AESKey: cfg.WeChat.AESKey, Compat: *compat},
		base:   strings.TrimRight(*baseURL, "/"),
		client: &http.Client{Timeout: 10 * time.Second},
		out:    stdout,
		hq:     cfg.HQToken,
	}
	if *plain {
		sim.oa.AESKey = ""
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return usageError{"simulate: no action given"}
	}
	action, params := rest[0], rest[1:]
	switch action {
	case "verify":
		return sim.verify(ctx)
	case "demo":
		scene := "store_sh001"
		if len(params) > 0 {
			scene = params[0]
		}
		return sim.demo(ctx, *openID, scene)
	}
	body, known, err := sim.callback(action, params, *openID, time.Now())
	if !known {
		fs.Usage()
		return usageError{fmt.Sprintf("simulate: unknown action %q", action)}
	}
	if err != nil {
		return err
	}
	for i := 0; i < max(*repeat, 1); i++ {
		reply, err := sim.post(ctx, body)
		if err != nil {
			return err
		}
		sim.print(reply)
	}
	return nil
}

// callback builds the Official Account callback body of action (one of
// subscribe, scan, text, checkin, click, unsubscribe) from openID with its
// params. known is false for any other action; err is a usage error for a
// missing param.
func (s simulator) callback(action string, params []string, openID string, now time.Time) (body []byte, known bool, err error) {
	arg := func(i int, what string) (string, error) {
		if len(params) <= i {
			return "", usageError{fmt.Sprintf("simulate %s: missing %s", action, what)}
		}
		return params[i], nil
	}
	switch action {
	case "subscribe":
		scene := "" // optional: a plain follow has none
		if len(params) > 0 {
			scene = params[0]
		}
		return s.oa.Subscribe(openID, scene, now), true, nil
	case "scan":
		scene, err := arg(0, "scene")
		if err != nil {
			return nil, true, err
		}
		return s.oa.Scan(openID, scene, now), true, nil
	case "text":
		if len(params) == 0 {
			return nil, true, usageError{"simulate text: missing content"}
		}
		return s.oa.Text(openID, strings.Join(params, " "), 0, now), true, nil
	case "checkin":
		return s.oa.Text(openID, "签到", 0, now), true, nil
	case "click":
		key, err := arg(0, "menu key")
		if err != nil {
			return nil, true, err
		}
		return s.oa.Click(openID, key, now), true, nil
	case "unsubscribe":
		return s.oa.Unsubscribe(openID, now), true, nil
	}
	return nil, false, nil
}

// simulator posts signed callbacks and reads replies.
type simulator struct {
	oa     wxsim.OA
	base   string
	client *http.Client
	out    io.Writer
	hq     string
}

// post signs body, posts it and decodes the reply. A 4xx/5xx is an error
// carrying the server's message.
func (s simulator) post(ctx context.Context, body []byte) (wxsim.Reply, error) {
	signed, err := s.oa.Sign(body, time.Now())
	if err != nil {
		return wxsim.Reply{}, err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.base+"/wechat/callback?"+signed.Query.Encode(), bytes.NewReader(signed.Body))
	req.Header.Set("Content-Type", "text/xml")
	resp, err := s.client.Do(req)
	if err != nil {
		return wxsim.Reply{}, fmt.Errorf("post callback: %w (is `siyu serve` running at %s?)", err, s.base)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return wxsim.Reply{}, fmt.Errorf("server answered %s: %s", resp.Status, strings.TrimSpace(string(raw)))
	}
	return s.oa.DecodeReply(raw)
}

func (s simulator) print(r wxsim.Reply) {
	if r.Content == "" {
		fmt.Fprintln(s.out, "(no reply: the server answered success)")
		return
	}
	fmt.Fprintf(s.out, "reply to %s:\n%s\n", r.ToUserName, indent(r.Content))
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }

func (s simulator) verify(ctx context.Context) error {
	q := s.oa.Verify("siyu-echo-check", time.Now())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/wechat/callback?"+q.Encode(), nil)
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(raw) != "siyu-echo-check" {
		return fmt.Errorf("URL verification failed: %s %s", resp.Status, raw)
	}
	fmt.Fprintln(s.out, "URL verification OK: the server echoed echostr")
	return nil
}

// demo walks a new member through the loop and prints what they would see.
func (s simulator) demo(ctx context.Context, openID, scene string) error {
	if s.hq != "" {
		sc := map[string]any{"scene": scene, "tags": []string{"门店:上海一店", "渠道:海报"}, "store_code": "sh001",
			"guide_userid": "g_sh001_01", "welcome": "欢迎来到上海一店！回复「签到」每日领积分。", "bonus_points": 10}
		if err := s.hqJSON(ctx, http.MethodPost, "/api/hq/scenes", sc, nil); err != nil {
			return err
		}
		fmt.Fprintf(s.out, "HQ: scene %s saved (tags 门店:上海一店, 渠道:海报; 10 bonus points)\n", scene)
		if err := s.demoReward(ctx); err != nil {
			return err
		}
	} else {
		fmt.Fprintln(s.out, "(SIYU_HQ_TOKEN not set: not creating the scene; the member gets the default welcome)")
	}
	steps := []struct {
		say  string
		body []byte
	}{
		{"member scans the store's QR code and follows", s.oa.Subscribe(openID, scene, time.Now())},
		{"member sends 签到", s.oa.Text(openID, "签到", 0, time.Now())},
		{"member sends 签到 again", s.oa.Text(openID, "签到", 0, time.Now())},
		{"member sends 积分", s.oa.Text(openID, "积分", 0, time.Now())},
		{"member sends 兑换 (the points mall)", s.oa.Text(openID, "兑换", 0, time.Now())},
		{"member sends 兑换 1", s.oa.Text(openID, "兑换 1", 0, time.Now())},
		{"member sends 我的券", s.oa.Text(openID, "我的券", 0, time.Now())},
	}
	for _, st := range steps {
		fmt.Fprintf(s.out, "\n> %s\n", st.say)
		r, err := s.post(ctx, st.body)
		if err != nil {
			return err
		}
		s.print(r)
	}
	if s.hq != "" {
		var res struct {
			Members []json.RawMessage `json:"members"`
		}
		if err := s.hqJSON(ctx, http.MethodGet, "/api/hq/members?openid="+openID, nil, &res); err != nil {
			return err
		}
		if len(res.Members) > 0 {
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, res.Members[0], "  ", "  "); err != nil {
				return fmt.Errorf("HQ member view is not JSON: %w", err)
			}
			fmt.Fprintf(s.out, "\nHQ sees the member:\n  %s\n", pretty.String())
		}
	}
	return nil
}

// hqJSON calls the HQ API with the bearer token.
func (s simulator) hqJSON(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(ctx, method, s.base+path, body)
	req.Header.Set("Authorization", "Bearer "+s.hq)
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s %s", method, path, resp.Status, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// demoReward makes sure the points mall has a 30-point coffee coupon, so
// the demo can redeem it. A reward already there from an earlier demo is
// reused.
func (s simulator) demoReward(ctx context.Context) error {
	var rewards struct {
		Rewards []struct {
			Name string `json:"name"`
		} `json:"rewards"`
	}
	if err := s.hqJSON(ctx, http.MethodGet, "/api/hq/rewards", nil, &rewards); err != nil {
		return err
	}
	for _, r := range rewards.Rewards {
		if r.Name == "咖啡券" {
			return nil
		}
	}
	var tpl struct {
		ID int64 `json:"id"`
	}
	if err := s.hqJSON(ctx, http.MethodPost, "/api/hq/coupon-templates", map[string]any{
		"name": "咖啡券", "kind": "gift", "gift": "美式咖啡一杯", "valid_days": 30}, &tpl); err != nil {
		return err
	}
	if err := s.hqJSON(ctx, http.MethodPost, "/api/hq/rewards", map[string]any{
		"name": "咖啡券", "points_cost": 30, "kind": "coupon", "coupon_template_id": tpl.ID, "stock": 100, "per_member_limit": 1}, nil); err != nil {
		return err
	}
	fmt.Fprintln(s.out, "HQ: reward 咖啡券 (30 points, stock 100) on sale in the points mall")
	return nil
}
