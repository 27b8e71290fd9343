package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/siyu/siyu/config"
	"github.com/siyu/siyu/wx"
)

const oaMenuDesc = `Sets the Official Account's custom menu through the menu API. Without
--file the menu is 签到 (the CHECKIN key the bot answers), 会员中心 and 积分商城
(the member centre at SIYU_PUBLIC_URL/m/). A file holds WeChat's own format:
{"button": [{"type": "click", "name": "签到", "key": "CHECKIN"}, ...]}.
Needs SIYU_WECHAT_APPID and SIYU_WECHAT_SECRET.`

// runOA runs `siyu oa <action>`; the one action is menu.
func runOA(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "menu" {
		fmt.Fprintf(stderr, "Usage: siyu oa menu [--file F]\n\n%s\n", oaMenuDesc)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return usageError{"want: siyu oa menu [--file F]"}
	}
	fs := newFlags("oa menu", "oa menu [--file F]", oaMenuDesc, stderr)
	file := fs.String("file", "", "a JSON menu in WeChat's format; empty: the default menu")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	buttons, err := loadMenu(*file, cfg.PublicURL)
	if err != nil {
		return err
	}
	if cfg.WeChat.AppID == "" || cfg.WeChat.Secret == "" {
		return usageError{"set SIYU_WECHAT_APPID and SIYU_WECHAT_SECRET"}
	}
	client, err := wx.New(wx.Config{WeChatAppID: cfg.WeChat.AppID, WeChatSecret: cfg.WeChat.Secret, WeChatAPIBase: cfg.WeChat.APIBase})
	if err != nil {
		return err
	}
	if err := client.CreateMenu(ctx, buttons); err != nil {
		return fmt.Errorf("menu not set: %w", err)
	}
	for _, b := range buttons {
		fmt.Fprintf(stdout, "%s\t%s%s\n", b.Name, b.Key, b.URL)
	}
	fmt.Fprintf(stdout, "menu set: %d buttons\n", len(buttons))
	return nil
}

// loadMenu reads the menu file, or builds the default menu on publicURL.
func loadMenu(file, publicURL string) ([]wx.MenuButton, error) {
	if file == "" {
		if !strings.HasPrefix(publicURL, "http") {
			return nil, usageError{"the default menu links the member centre: set SIYU_PUBLIC_URL (https://…), or give --file"}
		}
		base := strings.TrimRight(publicURL, "/")
		return []wx.MenuButton{
			{Type: "click", Name: "签到", Key: "CHECKIN"},
			{Type: "view", Name: "会员中心", URL: base + "/m/"},
			{Type: "view", Name: "积分商城", URL: base + "/m/#/mall"},
		}, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var menu struct {
		Button []wx.MenuButton `json:"button"`
	}
	if err := json.Unmarshal(b, &menu); err != nil {
		return nil, fmt.Errorf("%s: not a menu (%v)", file, err)
	}
	if len(menu.Button) == 0 || len(menu.Button) > 3 {
		return nil, fmt.Errorf("%s: a menu has 1-3 buttons, got %d", file, len(menu.Button))
	}
	return menu.Button, nil
}
