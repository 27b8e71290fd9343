package handler_test

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/siyu/siyu/model"
)

// lockedBuffer is a goroutine-safe log sink.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// TestLogsHashPlatformIDs: at info level the logs name a follower by a
// short hash, never by their openid.
func TestLogsHashPlatformIDs(t *testing.T) {
	logs := &lockedBuffer{}
	flaky := &flakyEnqueuer{}
	flaky.fails.Store(100) // the unionid look-up cannot be queued: logged as a warning
	e := newTestEnv(t, func(d *handlerDeps) {
		d.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
		d.OA.Secret = "oasecret"
		flaky.next = d.Enqueuer
		d.Enqueuer = flaky
	})
	const openid = "o_private_follower_123"
	e.say(e.oa, e.oa.Subscribe(openid, "", e.clock.Now()))
	s, _ := e.oa.Sign([]byte("<xml><ToUserName>x</ToUserName><FromUserName>"+openid+"</FromUserName><MsgType>text</MsgType></xml>"), e.clock.Now())
	s.Query.Set("timestamp", "1") // refused: outside the skew
	e.postRaw("/wechat/callback", s.Query, s.Body)
	out := logs.String()
	if !strings.Contains(out, "unionid not queued") || !strings.Contains(out, model.LogID(openid)) {
		t.Fatalf("logs lack the warning with the hashed openid:\n%s", out)
	}
	if strings.Contains(out, openid) {
		t.Errorf("logs carry the openid in clear:\n%s", out)
	}
}
