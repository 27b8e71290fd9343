package wxsim

import (
	"encoding/xml"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

const key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"

// TestOARoundTrip: what Sign encrypts, the platform's own algorithm
// (silenceper's DecryptMsg) decrypts with the AppID, and the signatures
// verify.
func TestOARoundTrip(t *testing.T) {
	oa := OA{AppID: "wxapp", Token: "tok", AESKey: key}
	plain := oa.Text("o_1", "签到", 42, time.Unix(1700000000, 0))
	s, err := oa.Sign(plain, time.Unix(1700000000, 0))
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Encrypt string `xml:"Encrypt"`
	}
	if err := xml.Unmarshal(s.Body, &env); err != nil {
		t.Fatal(err)
	}
	q := s.Query
	if util.Signature("tok", q.Get("timestamp"), q.Get("nonce"), env.Encrypt) != q.Get("msg_signature") ||
		util.Signature("tok", q.Get("timestamp"), q.Get("nonce")) != q.Get("signature") || q.Get("encrypt_type") != "aes" {
		t.Fatalf("signatures do not verify: %v", q)
	}
	_, got, err := util.DecryptMsg("wxapp", env.Encrypt, key)
	if err != nil || string(got) != string(plain) {
		t.Fatalf("decrypt = %q, %v; want the plaintext", got, err)
	}
	if _, _, err := util.DecryptMsg("wxother", env.Encrypt, key); err == nil {
		t.Error("decrypting with another AppID succeeded")
	}
}

func TestWeComRoundTrip(t *testing.T) {
	w := WeCom{CorpID: "ww1", Token: "tok", AESKey: key}
	s, err := w.Sign([]byte("<xml><Event>change_external_contact</Event></xml>"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Encrypt string `xml:"Encrypt"`
	}
	if err := xml.Unmarshal(s.Body, &env); err != nil {
		t.Fatalf("signed body %s: %v", s.Body, err)
	}
	if util.Signature("tok", s.Query.Get("timestamp"), s.Query.Get("nonce"), env.Encrypt) != s.Query.Get("msg_signature") {
		t.Fatal("msg_signature does not verify")
	}
	if _, got, err := util.DecryptMsg("ww1", env.Encrypt, key); err != nil || string(got) != "<xml><Event>change_external_contact</Event></xml>" {
		t.Fatalf("decrypt = %q, %v", got, err)
	}
}

func TestDecodeReplyPlainAndSuccess(t *testing.T) {
	oa := OA{AppID: "wxapp", Token: "tok"}
	if r, err := oa.DecodeReply([]byte("success")); err != nil || r.Content != "" {
		t.Errorf("success = %+v, %v", r, err)
	}
	r, err := oa.DecodeReply([]byte("<xml><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[你好]]></Content></xml>"))
	if err != nil || r.Content != "你好" {
		t.Errorf("plain reply = %+v, %v", r, err)
	}
}
