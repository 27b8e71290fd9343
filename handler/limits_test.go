package handler_test

import (
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/model"
)

// TestMemberCommandLimit: past 20 messages a minute a member gets a polite
// reply and nothing runs; other members are not affected; /metrics counts
// the refusals.
func TestMemberCommandLimit(t *testing.T) {
	e := newTestEnv(t)
	now := e.clock.Now()
	e.say(e.oa, e.oa.Subscribe("o_spammer", "", now))
	for i := 1; i <= 20; i++ {
		if got := e.say(e.oa, e.oa.Text("o_spammer", "积分", int64(1000+i), now)); strings.Contains(got, "太频繁") {
			t.Fatalf("message %d already limited: %q", i, got)
		}
	}
	if got := e.say(e.oa, e.oa.Text("o_spammer", "签到", 2000, now)); !strings.Contains(got, "操作太频繁") {
		t.Errorf("21st message = %q, want the polite limit reply", got)
	}
	if n := e.count(&model.CheckIn{}); n != 0 {
		t.Errorf("check-ins after the limited message = %d, want 0", n)
	}
	if got := e.say(e.oa, e.oa.Text("o_other", "签到", 3000, now)); !strings.Contains(got, "获得") {
		t.Errorf("another member's check-in = %q", got)
	}
	// Follow/unfollow churn is limited too.
	for i := 0; i < 8; i++ {
		e.say(e.oa, e.oa.Unsubscribe("o_churn", now.Add(-time.Duration(i)*time.Second)))
	}
	_, body := getWith(t, e.srv.URL+"/metrics", testHQ)
	for _, want := range []string{`siyu_limited_total{kind="command"} 1`, `siyu_limited_total{kind="follow"} 2`} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
