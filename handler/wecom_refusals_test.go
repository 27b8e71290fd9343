package handler_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/silenceper/wechat/v2/util"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx/wxsim"
)

// wecomResign builds a WeCom callback around an arbitrary Encrypt value,
// correctly signed, so only the ciphertext is at fault.
func wecomResign(wc wxsim.WeCom, now time.Time, encrypted string) (url.Values, []byte) {
	ts := fmt.Sprint(now.Unix())
	q := url.Values{"timestamp": {ts}, "nonce": {"n0nce"}, "msg_signature": {util.Signature(wc.Token, ts, "n0nce", encrypted)}}
	return q, []byte(fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>", wc.CorpID, encrypted))
}

// wecomEncrypt encrypts plain for the corp as WeCom does.
func wecomEncrypt(t *testing.T, wc wxsim.WeCom, plain []byte) string {
	t.Helper()
	enc, err := util.EncryptMsg([]byte("0123456789abcdef"), plain, wc.CorpID, wc.AESKey)
	if err != nil {
		t.Fatal(err)
	}
	return string(enc)
}

// TestWeComRefusals: every forged or malformed callback is a 4xx that
// writes nothing and queues nothing.
func TestWeComRefusals(t *testing.T) {
	e := newTestEnv(t)
	for _, tc := range weComRefusals(t, e) {
		t.Run(tc.name, func(t *testing.T) {
			q, body := tc.mutate()
			status, resp := e.postRaw("/wecom/callback", q, body)
			if status != tc.want {
				t.Errorf("status = %d (%s), want %d", status, resp, tc.want)
			}
			if !strings.Contains(string(resp), `"message"`) {
				t.Errorf("refusal body %q does not say what is wrong", resp)
			}
		})
	}
	for _, table := range []any{&model.Member{}, &model.Identity{}, &model.GuideRelation{}, &model.MemberEvent{}} {
		if n := e.count(table); n != 0 {
			t.Errorf("%T rows = %d after refusals, want 0", table, n)
		}
	}
	if c := taskstest.QueueCounts(t, e.rdb, e.prefix); c != (taskstest.Counts{}) {
		t.Errorf("queues = %+v after refusals, want nothing queued", c)
	}
}

// refusal is a forged or malformed callback and the status it must get.
type refusal struct {
	name   string
	mutate func() (url.Values, []byte)
	want   int
}

// weComRefusals are the callbacks TestWeComRefusals posts: each one changes
// a good "customer added" callback in one way.
func weComRefusals(t *testing.T, e *testEnv) []refusal {
	now := e.clock.Now()
	good := e.wc.AddExternalContact("g01", "wm_mallory", "", "WC-X", now)
	sign := func(wc wxsim.WeCom, plain []byte, at time.Time) (url.Values, []byte) {
		s, err := wc.Sign(plain, at)
		if err != nil {
			t.Fatal(err)
		}
		return s.Query, s.Body
	}
	otherCorp, otherKey, otherToken := e.wc, e.wc, e.wc
	otherCorp.CorpID = "ww_other_corp"
	otherKey.AESKey = testAESKey
	otherToken.Token = "not-our-token"
	return []refusal{
		{"bad msg_signature", func() (url.Values, []byte) {
			q, b := sign(e.wc, good, now)
			q.Set("msg_signature", strings.Repeat("0", 40))
			return q, b
		}, 403},
		{"another token", func() (url.Values, []byte) { return sign(otherToken, good, now) }, 403},
		{"tampered ciphertext", func() (url.Values, []byte) {
			enc := []byte(wecomEncrypt(t, e.wc, good))
			enc[40] ^= 'A' ^ 'B' // still base64, no longer the message
			if enc[40] == '=' {
				enc[41] ^= 1
			}
			return wecomResign(e.wc, now, string(enc))
		}, 400},
		{"wrong CorpID", func() (url.Values, []byte) { return sign(otherCorp, good, now) }, 400},
		{"another AES key", func() (url.Values, []byte) { return sign(otherKey, good, now) }, 400},
		{"bad base64", func() (url.Values, []byte) { return wecomResign(e.wc, now, "!!!not-base64!!!") }, 400},
		{"stale timestamp", func() (url.Values, []byte) { return sign(e.wc, good, now.Add(-10*time.Minute)) }, 403},
		{"missing timestamp", func() (url.Values, []byte) {
			q, b := sign(e.wc, good, now)
			q.Del("timestamp")
			return q, b
		}, 400},
		{"not XML", func() (url.Values, []byte) {
			q, _ := sign(e.wc, good, now)
			return q, []byte("not xml")
		}, 400},
		{"no Encrypt", func() (url.Values, []byte) {
			q, _ := sign(e.wc, good, now)
			return q, []byte("<xml><ToUserName>x</ToUserName></xml>")
		}, 400},
		{"decrypts to non-XML", func() (url.Values, []byte) { return wecomResign(e.wc, now, wecomEncrypt(t, e.wc, []byte("{json}"))) }, 400},
		{"addressed to another corp", func() (url.Values, []byte) {
			plain := []byte(strings.Replace(string(good), e.wc.CorpID, "ww_other", 1))
			return wecomResign(e.wc, now, wecomEncrypt(t, e.wc, plain))
		}, 400},
		{"add without customer", func() (url.Values, []byte) {
			plain := []byte(fmt.Sprintf("<xml><ToUserName>%s</ToUserName><CreateTime>%d</CreateTime><MsgType>event</MsgType><Event>change_external_contact</Event><ChangeType>add_external_contact</ChangeType><UserID>g01</UserID></xml>", e.wc.CorpID, now.Unix()))
			return sign(e.wc, plain, now)
		}, 400},
		{"oversized body", func() (url.Values, []byte) {
			q, b := sign(e.wc, good, now)
			return q, append(b, make([]byte, 1<<20)...)
		}, 413},
	}
}
