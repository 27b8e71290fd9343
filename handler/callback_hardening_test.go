package handler_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/wx/wxsim"
)

// TestPlainModeRefusedInSafeMode: with an AES key set, a plaintext callback
// (valid plain signature, no encrypt_type=aes) is refused and changes
// nothing; safe mode works.
func TestPlainModeRefusedInSafeMode(t *testing.T) {
	e := newTestEnv(t, func(d *handlerDeps) { d.Auth.AllowPlainOA = false })
	now := e.clock.Now()
	plain := wxsim.OA{AppID: testAppID, Token: testToken}
	for _, msg := range [][]byte{plain.Subscribe("o_victim", "", now), plain.Text("o_victim", "签到", 0, now)} {
		s, _ := plain.Sign(msg, now)
		if st, body := e.postRaw("/wechat/callback", s.Query, s.Body); st != http.StatusForbidden || !strings.Contains(string(body), "SIYU_WECHAT_ALLOW_PLAIN") {
			t.Errorf("plaintext callback in safe mode = %d %s, want 403 naming SIYU_WECHAT_ALLOW_PLAIN", st, body)
		}
	}
	if n := e.count(&model.Member{}); n != 0 {
		t.Errorf("%d members after refused plaintext callbacks, want 0", n)
	}
	if got := e.say(e.oa, e.oa.Text("o_victim", "签到", 0, now)); !strings.Contains(got, "获得") {
		t.Errorf("safe-mode check-in = %q", got)
	}
}

// TestCallbackReplayRefused: a captured (timestamp, nonce, signature)
// cannot carry another body; the platform's retry of the same body still
// gets the first reply.
func TestCallbackReplayRefused(t *testing.T) {
	for _, mode := range []struct {
		name string
		oa   func(wxsim.OA) wxsim.OA
	}{
		{"plaintext allowed", func(o wxsim.OA) wxsim.OA { o.AESKey = ""; return o }},
		{"safe", func(o wxsim.OA) wxsim.OA { return o }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			e := newTestEnv(t)
			oa := mode.oa(e.oa)
			now := e.clock.Now()
			e.say(oa, oa.Subscribe("o_owner", "", now))
			signed, _ := oa.Sign(oa.Text("o_owner", "积分", 42, now), now)
			st, first := e.postRaw("/wechat/callback", signed.Query, signed.Body)
			if st != 200 {
				t.Fatalf("first delivery = %d %s", st, first)
			}
			if st, again := e.postRaw("/wechat/callback", signed.Query, signed.Body); st != 200 || len(again) == 0 {
				t.Errorf("retry of the same body = %d %q, want 200 with the reply", st, again)
			}
			forged, _ := oa.Sign(oa.Text("o_attacker", "签到", 43, now), now)
			if st, body := e.postRaw("/wechat/callback", signed.Query, forged.Body); st != http.StatusForbidden {
				t.Errorf("another body under a used timestamp and nonce = %d %s, want 403", st, body)
			}
			if n := e.count(&model.CheckIn{}); n != 0 {
				t.Errorf("check-ins after the replay = %d, want 0", n)
			}
		})
	}
}
