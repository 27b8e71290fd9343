package handler_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/wx/wxsim"
)

func TestURLVerification(t *testing.T) {
	e := newTestEnv(t)
	q := e.oa.Verify("echo-123", e.clock.Now())
	resp, err := http.Get(e.srv.URL + "/wechat/callback?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 64)
	n, _ := resp.Body.Read(buf)
	if resp.StatusCode != 200 || string(buf[:n]) != "echo-123" {
		t.Fatalf("verify = %d %q, want 200 echo-123", resp.StatusCode, buf[:n])
	}
	q.Set("signature", "0000")
	resp2, _ := http.Get(e.srv.URL + "/wechat/callback?" + q.Encode())
	resp2.Body.Close()
	if resp2.StatusCode != http.StatusForbidden {
		t.Errorf("verify with bad signature = %d, want 403", resp2.StatusCode)
	}
}

// TestMemberLoop is the first thing a member does: follow through a store's
// code, get tagged, check in, check in again, ask for points.
func TestMemberLoop(t *testing.T) {
	for _, mode := range []struct {
		name string
		oa   func(wxsim.OA) wxsim.OA
	}{
		{"safe", func(o wxsim.OA) wxsim.OA { return o }},
		{"compat", func(o wxsim.OA) wxsim.OA { o.Compat = true; return o }},
		{"plaintext", func(o wxsim.OA) wxsim.OA { o.AESKey = ""; return o }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			e := newTestEnv(t)
			e.fixedDay() // a check-in or cap per business day
			oa := mode.oa(e.oa)
			scene := map[string]any{"scene": "store_sh001", "tags": []string{"门店:上海一店", "渠道:海报"},
				"store_code": "sh001", "guide_userid": "g_sh001_01", "welcome": "欢迎来到上海一店", "bonus_points": 10}
			if st := e.hq("POST", "/api/hq/scenes", scene, nil); st != http.StatusCreated {
				t.Fatalf("create scene = %d, want 201", st)
			}
			if st := e.hq("POST", "/api/hq/scenes", scene, nil); st != http.StatusOK {
				t.Fatalf("update scene = %d, want 200", st)
			}
			now := e.clock.Now()
			welcome := e.say(oa, oa.Subscribe("o_alice", "store_sh001", now))
			if !strings.Contains(welcome, "欢迎来到上海一店") || !strings.Contains(welcome, "10 积分") {
				t.Errorf("welcome = %q, want the scene's welcome and the bonus", welcome)
			}
			first := e.say(oa, oa.Text("o_alice", " 签到 ", 0, now))
			if !strings.Contains(first, "获得 5 积分") || !strings.Contains(first, "当前积分：15") || !strings.Contains(first, "连续签到 1 天") {
				t.Errorf("first check-in = %q, want 5 credited, balance 15, streak 1", first)
			}
			second := e.say(oa, oa.Click("o_alice", "CHECKIN", now))
			if !strings.Contains(second, "已经签到") || !strings.Contains(second, "当前积分：15") {
				t.Errorf("second check-in = %q, want 'already' with balance 15", second)
			}
			if got := e.say(oa, oa.Text("o_alice", "POINTS", 0, now)); !strings.Contains(got, "15") {
				t.Errorf("points = %q, want 15", got)
			}
			if got := e.say(oa, oa.Text("o_alice", "help", 0, now)); !strings.Contains(got, "签到") {
				t.Errorf("help = %q, want the commands", got)
			}

			var res struct{ Members []model.MemberView }
			if st := e.hq("GET", "/api/hq/members?openid=o_alice", nil, &res); st != 200 || len(res.Members) != 1 {
				t.Fatalf("find member = %d, %d members", st, len(res.Members))
			}
			m := res.Members[0]
			if m.Points != 15 || m.FirstScene != "store_sh001" || m.StoreCode != "sh001" || m.GuideUserID != "g_sh001_01" ||
				!m.Subscribed || m.CheckinStreak != 1 || m.OpenID != "o_alice" || strings.Join(m.Tags, ",") != "渠道:海报,门店:上海一店" {
				t.Errorf("member = %+v", m)
			}
			var byTag struct{ Members []model.MemberView }
			e.hq("GET", "/api/hq/members?tag=门店:上海一店", nil, &byTag)
			if len(byTag.Members) != 1 {
				t.Errorf("members by tag = %d, want 1", len(byTag.Members))
			}
			e.checkLedger()
		})
	}
}

func TestUnknownSceneGetsDefaultWelcome(t *testing.T) {
	e := newTestEnv(t)
	got := e.say(e.oa, e.oa.Subscribe("o_bob", "no_such_scene", e.clock.Now()))
	if !strings.Contains(got, "欢迎关注") {
		t.Errorf("welcome = %q, want the default welcome", got)
	}
	var m struct{ Members []model.MemberView }
	e.hq("GET", "/api/hq/members?openid=o_bob", nil, &m)
	if len(m.Members) != 1 || m.Members[0].FirstScene != "no_such_scene" || len(m.Members[0].Tags) != 0 {
		t.Errorf("member = %+v, want attribution kept and no tags", m.Members)
	}
}

func TestScanRecordsTouchAndUnsubscribe(t *testing.T) {
	e := newTestEnv(t)
	e.hq("POST", "/api/hq/scenes", map[string]any{"scene": "poster_a", "tags": []string{"渠道:海报"}}, nil)
	e.hq("POST", "/api/hq/scenes", map[string]any{"scene": "event_b", "tags": []string{"活动:双11"}}, nil)
	now := e.clock.Now()
	e.say(e.oa, e.oa.Subscribe("o_carol", "poster_a", now))
	e.say(e.oa, e.oa.Scan("o_carol", "event_b", now.Add(time.Second)))
	if got := e.say(e.oa, e.oa.Unsubscribe("o_carol", now.Add(2*time.Second))); got != "" {
		t.Errorf("unsubscribe reply = %q, want none", got)
	}
	var res struct{ Members []model.MemberView }
	e.hq("GET", "/api/hq/members?openid=o_carol", nil, &res)
	m := res.Members[0]
	if m.FirstScene != "poster_a" || m.Subscribed || strings.Join(m.Tags, ",") != "活动:双11,渠道:海报" {
		t.Errorf("member = %+v, want first scene poster_a, unsubscribed, both tags", m)
	}
	if n := e.count(&model.MemberEvent{}, "member_id = ? AND kind = ?", m.ID, model.EventScan); n != 1 {
		t.Errorf("scan events = %d, want 1", n)
	}
	if n := e.count(&model.MemberEvent{}, "member_id = ? AND kind = ?", m.ID, model.EventUnfollow); n != 1 {
		t.Errorf("unfollow events = %d, want 1", n)
	}
}

// TestRetriesTakeEffectOnce delivers the same MsgId three times at once:
// one check-in, and every delivery gets the same reply.
func TestRetriesTakeEffectOnce(t *testing.T) {
	e := newTestEnv(t)
	e.fixedDay() // a check-in or cap per business day
	now := e.clock.Now()
	e.say(e.oa, e.oa.Subscribe("o_dave", "", now))
	body := e.oa.Text("o_dave", "签到", 0, now)
	replies := make([]string, 3)
	var wg sync.WaitGroup
	for i := range replies {
		wg.Add(1)
		go func() { defer wg.Done(); replies[i] = e.say(e.oa, body) }()
	}
	wg.Wait()
	for i, r := range replies {
		if !strings.Contains(r, "签到成功") {
			t.Errorf("delivery %d reply = %q, want the first delivery's 签到成功", i, r)
		}
	}
	if n := e.count(&model.CheckIn{}); n != 1 {
		t.Errorf("check-ins = %d, want 1", n)
	}
	if n := e.count(&model.PointsEntry{}, "kind = ?", model.PointsCheckIn); n != 1 {
		t.Errorf("check-in ledger entries = %d, want 1", n)
	}
	// The same follow event delivered twice records one follow.
	follow := e.oa.Subscribe("o_erin", "", now)
	e.say(e.oa, follow)
	e.say(e.oa, follow)
	if n := e.count(&model.MemberEvent{}, "kind = ?", model.EventFollow); n != 2 { // dave + erin
		t.Errorf("follow events = %d, want 2", n)
	}
	e.checkLedger()
}

// TestConcurrentCheckIns: 50 members each checking in twice at once are
// each credited once, and every balance equals its ledger.
func TestConcurrentCheckIns(t *testing.T) {
	e := newTestEnv(t)
	e.fixedDay() // a check-in or cap per business day
	now := e.clock.Now()
	const members = 50
	for i := range members {
		e.say(e.oa, e.oa.Subscribe(fmt.Sprintf("o_m%02d", i), "", now))
	}
	var wg sync.WaitGroup
	for i := range members {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				e.say(e.oa, e.oa.Text(fmt.Sprintf("o_m%02d", i), "签到", 0, now)) // distinct MsgIds: not retries
			}()
		}
	}
	wg.Wait()
	if n := e.count(&model.CheckIn{}); n != members {
		t.Errorf("check-ins = %d, want %d", n, members)
	}
	var total int64
	e.db.Model(&model.Member{}).Select("COALESCE(SUM(points),0)").Scan(&total)
	if total != members*5 {
		t.Errorf("total points = %d, want %d", total, members*5)
	}
	e.checkLedger()
}

// TestRefusals: every malformed or forged callback is a 4xx that writes
// nothing.
func TestRefusals(t *testing.T) {
	e := newTestEnv(t)
	for _, tc := range oaRefusals(t, e) {
		t.Run(tc.name, func(t *testing.T) {
			q, body := tc.mutate()
			status, resp := e.postRaw("/wechat/callback", q, body)
			if status != tc.want {
				t.Errorf("status = %d (%s), want %d", status, resp, tc.want)
			}
			if !strings.Contains(string(resp), `"message"`) {
				t.Errorf("refusal body %q does not say what is wrong", resp)
			}
		})
	}
	for _, table := range []any{&model.Member{}, &model.Identity{}, &model.CheckIn{}, &model.PointsEntry{}, &model.MemberEvent{}} {
		if n := e.count(table); n != 0 {
			t.Errorf("%T rows = %d after refusals, want 0", table, n)
		}
	}
}

// oaRefusals are the callbacks TestRefusals posts: each one changes a good
// signed check-in text in one way.
func oaRefusals(t *testing.T, e *testEnv) []refusal {
	now := e.clock.Now()
	good := e.oa.Text("o_mallory", "签到", 0, now)
	sign := func(oa wxsim.OA, at time.Time) wxsim.Signed {
		s, err := oa.Sign(good, at)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	otherApp := e.oa
	otherApp.AppID = "wx_other_app_id"
	otherKey := e.oa
	otherKey.AESKey = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210abcdefg"
	return []refusal{
		{"bad signature", func() (url.Values, []byte) {
			s := sign(e.oa, now)
			s.Query.Set("signature", strings.Repeat("0", 40))
			return s.Query, s.Body
		}, 403},
		{"bad msg_signature", func() (url.Values, []byte) {
			s := sign(e.oa, now)
			s.Query.Set("msg_signature", strings.Repeat("0", 40))
			return s.Query, s.Body
		}, 403},
		{"stale timestamp", func() (url.Values, []byte) { s := sign(e.oa, now.Add(-10*time.Minute)); return s.Query, s.Body }, 403},
		{"future timestamp", func() (url.Values, []byte) { s := sign(e.oa, now.Add(10*time.Minute)); return s.Query, s.Body }, 403},
		{"missing timestamp", func() (url.Values, []byte) {
			s := sign(e.oa, now)
			s.Query.Del("timestamp")
			return s.Query, s.Body
		}, 400},
		{"another AppID", func() (url.Values, []byte) { s := sign(otherApp, now); return s.Query, s.Body }, 400},
		{"another AES key", func() (url.Values, []byte) { s := sign(otherKey, now); return s.Query, s.Body }, 400},
		{"bad base64", func() (url.Values, []byte) { return resign(e.oa, now, "!!!not-base64!!!") }, 400},
		{"bad padding", func() (url.Values, []byte) { return resign(e.oa, now, badPadding(t, e.oa)) }, 400},
		{"not XML", func() (url.Values, []byte) {
			s := sign(e.oa, now)
			return s.Query, []byte("this is not xml")
		}, 400},
		{"truncated body", func() (url.Values, []byte) {
			s := sign(e.oa, now)
			return s.Query, s.Body[:len(s.Body)/2]
		}, 400},
		{"plaintext not XML", func() (url.Values, []byte) {
			p := e.oa
			p.AESKey = ""
			s, err := p.Sign([]byte("{json: true}"), now)
			if err != nil {
				t.Fatal(err)
			}
			return s.Query, s.Body
		}, 400},
		{"plaintext without sender", func() (url.Values, []byte) {
			p := e.oa
			p.AESKey = ""
			s, err := p.Sign([]byte("<xml><MsgType>text</MsgType><Content>签到</Content></xml>"), now)
			if err != nil {
				t.Fatal(err)
			}
			return s.Query, s.Body
		}, 400},
		{"encrypted payload not XML", func() (url.Values, []byte) { return resign(e.oa, now, encrypt(t, e.oa, []byte("not xml at all"))) }, 400},
		{"oversized body", func() (url.Values, []byte) {
			s := sign(e.oa, now)
			return s.Query, append(s.Body, make([]byte, 1<<20)...)
		}, 413},
	}
}

func TestCallbackNotConfigured(t *testing.T) {
	e := newTestEnv(t, func(d *handlerDeps) { d.OA.Token = "" })
	s, _ := e.oa.Sign(e.oa.Text("o_x", "签到", 0, e.clock.Now()), e.clock.Now())
	if status, _ := e.postRaw("/wechat/callback", s.Query, s.Body); status != http.StatusServiceUnavailable {
		t.Errorf("status = %d, want 503 when SIYU_WECHAT_TOKEN is unset", status)
	}
}

// TestFailureGetsPoliteReplyAndRetryIsHandledAgain: when the database
// fails the member gets a polite reply at once, and the dedupe mark is
// cleared so the platform's retry is handled afresh rather than swallowed.
func TestFailureGetsPoliteReplyAndRetryIsHandledAgain(t *testing.T) {
	e := newTestEnv(t)
	e.fixedDay() // a check-in or cap per business day
	body := e.oa.Text("o_frank", "签到", 0, e.clock.Now())
	frank := e.follower("o_frank")
	if err := e.db.Exec("DROP TABLE check_ins").Error; err != nil { // every check-in now fails in the database
		t.Fatal(err)
	}
	start := time.Now()
	got := e.say(e.oa, body)
	if !strings.Contains(got, "稍后再试") {
		t.Errorf("reply with the database down = %q, want the polite retry text", got)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("reply took %s, want well within WeChat's 5 s", d)
	}
	keys, err := e.rdb.Client.Keys(context.Background(), e.prefix+":dedupe:*:msg:*").Result()
	if err != nil || len(keys) != 0 {
		t.Errorf("dedupe keys after a failure = %v (%v), want none so the retry is handled", keys, err)
	}
	// The database is back; WeChat retries the same message (same MsgId):
	// it is handled, not swallowed, and a further retry gets the same reply.
	if err := model.Migrate(context.Background(), e.db); err != nil {
		t.Fatal(err)
	}
	retry := e.say(e.oa, body)
	if !strings.Contains(retry, "签到成功") {
		t.Errorf("reply to the retry = %q, want 签到成功", retry)
	}
	if again := e.say(e.oa, body); again != retry {
		t.Errorf("reply to a second retry = %q, want the first reply %q", again, retry)
	}
	if n := e.member(frank).Points; n != 5 {
		t.Errorf("points after the retries = %d, want 5 (one check-in)", n)
	}
}

// TestLockWaitStillRepliesInTime: a member row held by another transaction
// makes the check-in wait; the callback's deadline turns that into a polite
// reply well inside WeChat's 5 s instead of a hang.
func TestLockWaitStillRepliesInTime(t *testing.T) {
	if !modeltest.UsingMySQL() {
		t.Skip("row-lock waits are exercised on MySQL (CI sets TEST_MYSQL_DSN)")
	}
	e := newTestEnv(t)
	e.fixedDay() // a check-in or cap per business day
	e.say(e.oa, e.oa.Subscribe("o_gina", "", e.clock.Now()))
	tx := e.db.Begin()
	defer tx.Rollback()
	if err := tx.Exec("SELECT id FROM members FOR UPDATE").Error; err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	got := e.say(e.oa, e.oa.Text("o_gina", "签到", 0, e.clock.Now()))
	if d := time.Since(start); d > 4500*time.Millisecond {
		t.Errorf("reply took %s, want under 4.5 s", d)
	}
	if !strings.Contains(got, "稍后再试") {
		t.Errorf("reply = %q, want the polite retry text", got)
	}
	tx.Rollback()
	if got := e.say(e.oa, e.oa.Text("o_gina", "签到", 0, e.clock.Now())); !strings.Contains(got, "签到成功") {
		t.Errorf("after the lock is released = %q, want 签到成功", got)
	}
}
