package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/siyu/siyu/config"
	"github.com/siyu/siyu/wx/wxsim"
)

// simulateWeCom runs a wecom-* action of `siyu simulate`: it builds the
// event as WeCom does, signs and encrypts it and posts it repeat times.
func simulateWeCom(ctx context.Context, cfg config.Config, base string, repeat int, args []string, stdout, stderr io.Writer) error {
	action, params := args[0], args[1:]
	if cfg.WeCom.CorpID == "" || cfg.WeCom.Token == "" || cfg.WeCom.AESKey == "" {
		return usageError{"set SIYU_WECOM_CORPID, SIYU_WECOM_TOKEN and SIYU_WECOM_AES_KEY to the server's values"}
	}
	wc := wxsim.WeCom{CorpID: cfg.WeCom.CorpID, Token: cfg.WeCom.Token, AESKey: cfg.WeCom.AESKey}
	client := &http.Client{Timeout: 10 * time.Second}
	if action == "wecom-verify" {
		return wecomVerify(ctx, client, base, wc, stdout)
	}
	fs := newFlags("simulate "+action, "simulate "+action+" <id> [flags]", "Posts one WeCom event; see siyu simulate --help.", stderr)
	guide := fs.String("guide", "g_demo_guide", "the guide's WeCom userid")
	state := fs.String("state", "", "wecom-add: the contact-way state (a scene)")
	welcome := fs.String("welcome-code", "", "wecom-add: the WelcomeCode (default: a fresh one)")
	by := fs.String("by", "customer", "wecom-del: who deleted whom: customer (del_follow_user), guide (del_external_contact) or transfer")
	change := fs.String("change", "update", "wecom-tag: create, update, delete or shuffle; wecom-chat: create, update or dismiss")
	detail := fs.String("detail", "", "wecom-chat: add_member, del_member, change_owner, change_name or change_notice")
	chatMembers := fs.String("members", "", "wecom-chat: comma-separated userids that joined or left")
	joinScene := fs.Int("join-scene", 3, "wecom-chat add_member: 1 invited, 2 by link, 3 by QR code")
	if len(params) == 0 || strings.HasPrefix(params[0], "-") {
		fs.Usage()
		return usageError{fmt.Sprintf("simulate %s: give the id first, then flags", action)}
	}
	id := params[0]
	if err := parseFlags(fs, params[1:]); err != nil {
		return err
	}
	now := time.Now()
	var plain []byte
	switch action {
	case "wecom-add":
		code := *welcome
		if code == "" {
			code = fmt.Sprintf("WELCOME%d", now.UnixNano())
		}
		plain = wc.AddExternalContact(*guide, id, *state, code, now)
	case "wecom-edit":
		plain = wc.EditExternalContact(*guide, id, now)
	case "wecom-del":
		switch *by {
		case "customer":
			plain = wc.DelFollowUser(*guide, id, now)
		case "guide":
			plain = wc.DelExternalContact(*guide, id, "", now)
		case "transfer":
			plain = wc.DelExternalContact(*guide, id, "DELETE_BY_TRANSFER", now)
		default:
			return usageError{fmt.Sprintf("simulate wecom-del: --by %q: want customer, guide or transfer", *by)}
		}
	case "wecom-tag":
		plain = wc.ChangeExternalTag(id, "tag", *change, now)
	case "wecom-chat":
		var ids []string
		if *chatMembers != "" {
			ids = strings.Split(*chatMembers, ",")
		}
		js := 0
		if *detail == "add_member" {
			js = *joinScene
		}
		plain = wc.ChangeExternalChat(id, *change, *detail, ids, js, 0, now)
	default:
		return usageError{fmt.Sprintf("simulate: unknown action %q", action)}
	}
	signed, err := wc.Sign(plain, now)
	if err != nil {
		return err
	}
	for i := 0; i < max(repeat, 1); i++ {
		if err := postWeCom(ctx, client, base, signed); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s %s: accepted (the server queued it)\n", action, id)
	}
	return nil
}

// postWeCom posts a signed WeCom callback; anything but 200 is an error
// carrying the server's message.
func postWeCom(ctx context.Context, client *http.Client, base string, s wxsim.Signed) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/wecom/callback?"+s.Query.Encode(), bytes.NewReader(s.Body))
	req.Header.Set("Content-Type", "text/xml")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post callback: %w (is `siyu serve` running at %s?)", err, base)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("server answered %s: %s", resp.Status, strings.TrimSpace(string(raw)))
	}
	return nil
}

func wecomVerify(ctx context.Context, client *http.Client, base string, wc wxsim.WeCom, stdout io.Writer) error {
	q, err := wc.Verify("siyu-wecom-echo", time.Now())
	if err != nil {
		return err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/wecom/callback?"+q.Encode(), nil)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || string(raw) != "siyu-wecom-echo" {
		return fmt.Errorf("WeCom URL verification failed: %s %s", resp.Status, raw)
	}
	fmt.Fprintln(stdout, "WeCom URL verification OK: the server decrypted and echoed echostr")
	return nil
}
