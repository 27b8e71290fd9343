package wx_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/siyu/siyu/wx"
)

const (
	msgSendPath     = "/cgi-bin/message/send"
	msgTemplatePath = "/cgi-bin/externalcontact/add_msg_template"
	msgResultPath   = "/cgi-bin/externalcontact/get_groupmsg_send_result"
)

func TestSendAppTextCard(t *testing.T) {
	c, srv := newClient(t)
	err := c.SendAppTextCard(ctxT(t), []string{"guide01", "guide02"}, "新任务", "本周拉新 20 人", "https://siyu.example/t/1")
	if err != nil {
		t.Fatal(err)
	}
	wantBody(t, srv, msgSendPath, `{"touser":"guide01|guide02","msgtype":"textcard","agentid":1000002,
		"textcard":{"title":"新任务","description":"本周拉新 20 人","url":"https://siyu.example/t/1"}}`)
	if got := tokenOwner(t, srv, msgSendPath); got != "agentsecret" {
		t.Errorf("message/send used %s's token, want the agent's", got)
	}
}

func TestSendAppTextBatchesRecipients(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	users := make([]string, 1500)
	for i := range users {
		users[i] = fmt.Sprintf("g%04d", i)
	}
	if err := c.SendAppText(ctx, users, "hello"); err != nil {
		t.Fatal(err)
	}
	calls := srv.Calls(msgSendPath)
	if len(calls) != 2 {
		t.Fatalf("%d message/send calls, want 2", len(calls))
	}
	body := lastBody(t, srv, msgSendPath)
	if n := len(strings.Split(body["touser"].(string), "|")); n != 500 {
		t.Errorf("second batch has %d users, want 500", n)
	}
	if diff := cmp.Diff(map[string]any{"content": "hello"}, body["text"]); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
	if err := c.SendAppText(ctx, nil, "nobody"); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, srv, map[string]int{msgSendPath: 2})
}

func TestGroupSend(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	externals := make([]string, 1500)
	for i := range externals {
		externals[i] = fmt.Sprintf("wm%04d", i)
	}
	msgID, err := c.AddMsgTemplate(ctx, "guide01", externals, "会员日全场 8 折")
	if err != nil {
		t.Fatal(err)
	}
	if msgID == "" {
		t.Fatal("empty msgid")
	}
	body := lastBody(t, srv, msgTemplatePath)
	if body["chat_type"] != "single" || body["sender"] != "guide01" || len(body["external_userid"].([]any)) != 1500 {
		t.Errorf("add_msg_template body = chat_type %v sender %v", body["chat_type"], body["sender"])
	}
	if diff := cmp.Diff(map[string]any{"content": "会员日全场 8 折"}, body["text"]); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}

	srv.SetGroupMsgStatus(msgID, "wm0007", 1)
	srv.SetGroupMsgStatus(msgID, "wm1499", 2)
	results, err := c.GetGroupMsgSendResult(ctx, msgID, "guide01")
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1500 {
		t.Fatalf("%d results, want 1500 across pages", len(results))
	}
	if results[7] != (wx.GroupMsgResult{ExternalUserID: "wm0007", Status: 1}) || results[1499].Status != 2 || results[0].Status != 0 {
		t.Errorf("results[0,7,1499] = %v %v %v", results[0], results[7], results[1499])
	}
	wantBody(t, srv, msgResultPath, `{"msgid":"`+msgID+`","userid":"guide01","limit":1000,"cursor":"1000"}`)
	wantCalls(t, srv, map[string]int{msgResultPath: 2})
}

func TestAddMsgTemplateRefusesEmptyTargets(t *testing.T) {
	c, srv := newClient(t)
	// An empty list would mean "all the sender's customers" to WeCom.
	if _, err := c.AddMsgTemplate(ctxT(t), "guide01", nil, "hi"); err == nil {
		t.Error("AddMsgTemplate with no external contacts succeeded")
	}
	if _, err := c.AddMsgTemplate(ctxT(t), "", []string{"wm1"}, "hi"); err == nil {
		t.Error("AddMsgTemplate with no sender succeeded")
	}
	wantCalls(t, srv, map[string]int{msgTemplatePath: 0})
}
