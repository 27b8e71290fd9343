package handler_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzWeChatCallback feeds arbitrary message XML through the whole callback
// path, correctly signed and encrypted (so decoding is reached), and also as
// a raw body. Whatever arrives, the answer is 200 or a 4xx: never a 5xx or
// a panic. The fixtures in testdata/oa are the seed corpus, run by go test.
func FuzzWeChatCallback(f *testing.F) {
	files, _ := filepath.Glob("testdata/oa/*.xml")
	if len(files) == 0 {
		f.Fatal("no seed fixtures in testdata/oa")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, true)
		f.Add(b, false)
	}
	f.Add([]byte("<xml><MsgType>text</MsgType></xml>"), true)
	f.Add([]byte("<xml><FromUserName>o</FromUserName><MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_</EventKey></xml>"), true)
	e := newTestEnv(f)
	f.Fuzz(func(t *testing.T, payload []byte, encrypted bool) {
		now := time.Now()
		e.clock.Set(now)
		oa := e.oa
		if !encrypted {
			oa.AESKey = ""
		}
		signed, err := oa.Sign(payload, now)
		if err != nil {
			t.Skip("payload cannot be encrypted")
		}
		status, body := postTo(t, e.srv.URL+"/wechat/callback", signed.Query, signed.Body)
		if status != 200 && (status < 400 || status >= 500) {
			t.Errorf("status %d (%s) for payload %q", status, body, payload)
		}
	})
}
