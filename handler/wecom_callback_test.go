package handler_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx"
)

// Upstream paths the tests count.
const (
	pathMarkTag = "/cgi-bin/externalcontact/mark_tag"
	pathWelcome = "/cgi-bin/externalcontact/send_welcome_msg"
	pathAppMsg  = "/cgi-bin/message/send"
)

// sendWeCom signs and posts a WeCom callback; any answer but 200 success
// fails the test.
func (e *testEnv) sendWeCom(plain []byte) {
	e.t.Helper()
	s, err := e.wc.Sign(plain, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if status, body := e.postRaw("/wecom/callback", s.Query, s.Body); status != 200 || string(body) != "success" {
		e.t.Fatalf("wecom callback = %d %q, want 200 success", status, body)
	}
}

func get(t *testing.T, rawURL string) (int, string) {
	t.Helper()
	resp, err := http.Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestWeComURLVerification(t *testing.T) {
	e := newTestEnv(t)
	now := e.clock.Now()
	q, err := e.wc.Verify("echo-4711", now)
	if err != nil {
		t.Fatal(err)
	}
	if status, body := get(t, e.srv.URL+"/wecom/callback?"+q.Encode()); status != 200 || body != "echo-4711" {
		t.Fatalf("verify = %d %q, want 200 echo-4711", status, body)
	}
	other := e.wc
	other.CorpID = "ww_someone_else"
	otherQ, _ := other.Verify("echo", now)
	stale, _ := e.wc.Verify("echo", now.Add(-time.Hour))
	badSig, _ := e.wc.Verify("echo", now)
	badSig.Set("msg_signature", strings.Repeat("0", 40))
	noEcho, _ := e.wc.Verify("echo", now)
	noEcho.Del("echostr")
	for name, tc := range map[string]struct {
		q    url.Values
		want int
	}{
		"bad signature": {badSig, 403}, "another corp": {otherQ, 400}, "stale": {stale, 403}, "no echostr": {noEcho, 400},
	} {
		if status, body := get(t, e.srv.URL+"/wecom/callback?"+tc.q.Encode()); status != tc.want {
			t.Errorf("%s: status %d (%s), want %d", name, status, body, tc.want)
		}
	}
}

// TestWeComAddDeliveredThreeTimes is the first test: a signed,
// encrypted add with a state, delivered three times at once, makes one
// member, one relation, the scene's tags, one mark_tag call and one
// welcome call with the code.
func TestWeComAddDeliveredThreeTimes(t *testing.T) {
	e := newTestEnv(t)
	e.hq("POST", "/api/hq/scenes", map[string]any{"scene": "store_sh001", "tags": []string{"门店:上海一店", "渠道:企微"},
		"store_code": "sh001", "welcome": "欢迎来到上海一店"}, nil)
	e.up.SetExternalContact(wx.ExternalContact{ExternalUserID: "wm_alice", Name: "Alice", Type: 1,
		FollowUsers: []wx.FollowUser{{UserID: "g01", State: "store_sh001"}}})
	e.startWorker()
	signed, err := e.wc.Sign(e.wc.AddExternalContact("g01", "wm_alice", "store_sh001", "WC-CODE-1", e.clock.Now()), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if status, body := e.postRaw("/wecom/callback", signed.Query, signed.Body); status != 200 || string(body) != "success" {
				t.Errorf("delivery = %d %q, want 200 success", status, body)
			}
		}()
	}
	wg.Wait()
	e.idle()

	var res struct{ Members []model.MemberView }
	if e.hq("GET", "/api/hq/members?external_userid=wm_alice", nil, &res); len(res.Members) != 1 {
		t.Fatalf("members = %d, want 1", len(res.Members))
	}
	m := res.Members[0]
	if m.FirstScene != "store_sh001" || m.StoreCode != "sh001" || m.GuideUserID != "g01" || m.Nickname != "Alice" ||
		strings.Join(m.Tags, ",") != "渠道:企微,门店:上海一店" {
		t.Errorf("member = %+v", m)
	}
	var rels struct{ Relations []model.GuideRelation }
	e.hq("GET", fmt.Sprintf("/api/hq/members/%d/relations", m.ID), nil, &rels)
	if len(rels.Relations) != 1 || rels.Relations[0].GuideUserID != "g01" || rels.Relations[0].State != "store_sh001" || !rels.Relations[0].Active() {
		t.Errorf("relations = %+v", rels.Relations)
	}
	if n := e.up.CallCount(pathMarkTag); n != 1 {
		t.Errorf("mark_tag calls = %d, want 1", n)
	}
	calls := e.up.Calls(pathWelcome)
	if len(calls) != 1 || !strings.Contains(string(calls[0].Body), `"welcome_code":"WC-CODE-1"`) || !strings.Contains(string(calls[0].Body), "欢迎来到上海一店") {
		t.Errorf("welcome calls = %d (%v), want one with the code and the scene's welcome", len(calls), calls)
	}
	for table, want := range map[any]int64{&model.Member{}: 1, &model.GuideRelation{}: 1, &model.MemberEvent{}: 1} {
		if n := e.count(table); n != want {
			t.Errorf("%T rows = %d, want %d", table, n, want)
		}
	}
}

// TestWeComAndFollowerMerge: a WeCom contact and an Official Account
// follower with the same unionid are one member with both sides' points
// and tags, in either order and at once.
func TestWeComAndFollowerMerge(t *testing.T) {
	for _, order := range []string{"follower first", "contact first", "at once"} {
		t.Run(order, func(t *testing.T) {
			e := newTestEnv(t, func(d *handlerDeps) { d.OA.Secret = "oasecret" })
			e.hq("POST", "/api/hq/scenes", map[string]any{"scene": "poster", "tags": []string{"渠道:海报"}, "bonus_points": 10}, nil)
			e.hq("POST", "/api/hq/scenes", map[string]any{"scene": "store_bj", "tags": []string{"门店:北京一店"}}, nil)
			// The fake answers unionid union-<openid> for every follower.
			e.up.SetExternalContact(wx.ExternalContact{ExternalUserID: "wm_bo", Name: "Bo", UnionID: "union-o_bo", Type: 1,
				FollowUsers: []wx.FollowUser{{UserID: "g01"}}})
			e.startWorker()
			now := e.clock.Now()
			follow := func() {
				e.say(e.oa, e.oa.Subscribe("o_bo", "poster", now))
				e.say(e.oa, e.oa.Text("o_bo", "签到", 0, now))
			}
			contact := func() { e.sendWeCom(e.wc.AddExternalContact("g01", "wm_bo", "store_bj", "", now)) }
			switch order {
			case "follower first":
				follow()
				e.idle()
				contact()
			case "contact first":
				contact()
				e.idle()
				follow()
			default:
				var wg sync.WaitGroup
				wg.Add(2)
				go func() { defer wg.Done(); follow() }()
				go func() { defer wg.Done(); contact() }()
				wg.Wait()
			}
			e.idle()
			var res struct{ Members []model.MemberView }
			e.hq("GET", "/api/hq/members?unionid=union-o_bo", nil, &res)
			if len(res.Members) != 1 {
				t.Fatalf("members with the unionid = %d, want 1", len(res.Members))
			}
			m := res.Members[0]
			if m.OpenID != "o_bo" || m.ExternalUserID != "wm_bo" || m.Points != 15 || strings.Join(m.Tags, ",") != "渠道:海报,门店:北京一店" {
				t.Errorf("member = %+v; want both identities, 15 points, both tags", m)
			}
			if n := e.count(&model.Member{}, "merged_into IS NULL"); n != 1 {
				t.Errorf("live members = %d, want 1", n)
			}
			e.checkLedger()
		})
	}
}

// TestWeComDelete: a customer deleting the guide ends the relation, records
// churn and notifies the store manager once.
func TestWeComDelete(t *testing.T) {
	e := newTestEnv(t)
	e.hq("POST", "/api/hq/stores", map[string]any{"code": "sh001", "name": "上海一店"}, nil)
	e.hq("POST", "/api/hq/guides/import", []map[string]any{
		{"userid": "g01", "name": "张三", "store_code": "sh001"},
		{"userid": "m01", "name": "李店长", "store_code": "sh001", "role": "store_manager"}}, nil)
	e.startWorker()
	now := e.clock.Now()
	e.sendWeCom(e.wc.AddExternalContact("g01", "wm_c", "", "", now))
	e.idle()
	del := e.wc.DelFollowUser("g01", "wm_c", now.Add(time.Minute))
	e.sendWeCom(del)
	e.sendWeCom(del) // a retry
	e.idle()
	var res struct{ Members []model.MemberView }
	e.hq("GET", "/api/hq/members?external_userid=wm_c", nil, &res)
	var rels struct{ Relations []model.GuideRelation }
	e.hq("GET", fmt.Sprintf("/api/hq/members/%d/relations", res.Members[0].ID), nil, &rels)
	if len(rels.Relations) != 1 || rels.Relations[0].Active() || rels.Relations[0].EndedBy != model.EndedByCustomer {
		t.Errorf("relations = %+v, want one ended by the customer", rels.Relations)
	}
	if n := e.count(&model.MemberEvent{}, "kind = ?", model.EventWeComChurn); n != 1 {
		t.Errorf("churn events = %d, want 1", n)
	}
	calls := e.up.Calls(pathAppMsg)
	if len(calls) != 1 || !strings.Contains(string(calls[0].Body), `"touser":"m01"`) {
		t.Errorf("notifications = %d, want 1 to m01", len(calls))
	}
}

// TestWeComIgnoredEvents: events Siyu does not act on are accepted and
// queue nothing.
func TestWeComIgnoredEvents(t *testing.T) {
	e := newTestEnv(t)
	now := e.clock.Now()
	for _, plain := range [][]byte{
		[]byte(fmt.Sprintf("<xml><ToUserName>%s</ToUserName><CreateTime>%d</CreateTime><MsgType>event</MsgType><Event>change_external_chat</Event><ChatId>wr1</ChatId><ChangeType>future_change</ChangeType></xml>", e.wc.CorpID, now.Unix())),
		[]byte(fmt.Sprintf("<xml><ToUserName>%s</ToUserName><CreateTime>%d</CreateTime><MsgType>text</MsgType><Content>hi</Content></xml>", e.wc.CorpID, now.Unix())),
		[]byte(fmt.Sprintf("<xml><ToUserName>%s</ToUserName><CreateTime>%d</CreateTime><MsgType>event</MsgType><Event>change_external_contact</Event><ChangeType>future_change</ChangeType></xml>", e.wc.CorpID, now.Unix())),
	} {
		e.sendWeCom(plain)
	}
	if c := taskstest.QueueCounts(t, e.rdb, e.prefix); c != (taskstest.Counts{}) {
		t.Errorf("queues = %+v, want nothing queued", c)
	}
}

// flakyEnqueuer fails its first n calls.
type flakyEnqueuer struct {
	fails atomic.Int64
	next  interface {
		Enqueue(context.Context, *asynq.Task, string, ...asynq.Option) error
	}
}

func (f *flakyEnqueuer) Enqueue(ctx context.Context, t *asynq.Task, q string, opts ...asynq.Option) error {
	if f.fails.Add(-1) >= 0 {
		return errors.New("redis: connection refused")
	}
	return f.next.Enqueue(ctx, t, q, opts...)
}

// TestWeComQueueDown: when the event cannot be queued WeCom gets a 503 and
// its retry is queued (the dedupe mark does not swallow it).
func TestWeComQueueDown(t *testing.T) {
	flaky := &flakyEnqueuer{}
	flaky.fails.Store(1)
	e := newTestEnv(t, func(d *handlerDeps) { flaky.next = d.Enqueuer; d.Enqueuer = flaky })
	s, _ := e.wc.Sign(e.wc.AddExternalContact("g01", "wm_d", "", "", e.clock.Now()), e.clock.Now())
	if status, _ := e.postRaw("/wecom/callback", s.Query, s.Body); status != http.StatusServiceUnavailable {
		t.Fatalf("first delivery = %d, want 503", status)
	}
	if status, body := e.postRaw("/wecom/callback", s.Query, s.Body); status != 200 || string(body) != "success" {
		t.Fatalf("retry = %d %q, want 200 success", status, body)
	}
	if c := taskstest.QueueCounts(t, e.rdb, e.prefix); c.Pending != 1 {
		t.Errorf("queued = %+v, want the event once", c)
	}
}

func TestWeComNotConfigured(t *testing.T) {
	for _, v := range []struct {
		name string
		mut  func(d *handlerDeps)
	}{
		{"SIYU_WECOM_TOKEN", func(d *handlerDeps) { d.WeCom.Token = "" }},
		{"SIYU_WECOM_AES_KEY", func(d *handlerDeps) { d.WeCom.AESKey = "" }},
		{"SIYU_WECOM_CORPID", func(d *handlerDeps) { d.WeCom.CorpID = "" }},
	} {
		e := newTestEnv(t, v.mut)
		s, _ := e.wc.Sign(e.wc.AddExternalContact("g01", "wm", "", "", e.clock.Now()), e.clock.Now())
		status, body := e.postRaw("/wecom/callback", s.Query, s.Body)
		var out struct{ Error struct{ Message string } }
		if err := json.Unmarshal(body, &out); err != nil {
			t.Errorf("without %s: body %s is not JSON: %v", v.name, body, err)
		}
		if status != http.StatusServiceUnavailable || !strings.Contains(out.Error.Message, v.name) {
			t.Errorf("without %s: %d %s, want 503 naming it", v.name, status, body)
		}
	}
}

// TestEarlierFollowerIsMergedWhenTheyWrite: a follower whose follow Siyu
// never saw (before it was installed, or before the API was configured) is
// looked up when they write — once a day — and merged with their WeCom side.
func TestEarlierFollowerIsMergedWhenTheyWrite(t *testing.T) {
	e := newTestEnv(t, func(d *handlerDeps) { d.OA.Secret = "oasecret" })
	e.up.SetExternalContact(wx.ExternalContact{ExternalUserID: "wm_cy", Name: "Cy", UnionID: "union-o_cy", Type: 1,
		FollowUsers: []wx.FollowUser{{UserID: "g01"}}})
	e.startWorker()
	now := e.clock.Now()
	e.sendWeCom(e.wc.AddExternalContact("g01", "wm_cy", "", "", now))
	e.idle()
	e.say(e.oa, e.oa.Text("o_cy", "签到", 0, now)) // no subscribe event on record
	e.say(e.oa, e.oa.Text("o_cy", "积分", 0, now))
	e.idle()
	if n := e.up.CallCount("/cgi-bin/user/info"); n != 1 {
		t.Errorf("OA user/info calls = %d, want 1 (once a day, not per message)", n)
	}
	var res struct{ Members []model.MemberView }
	e.hq("GET", "/api/hq/members?unionid=union-o_cy", nil, &res)
	if len(res.Members) != 1 || res.Members[0].OpenID != "o_cy" || res.Members[0].ExternalUserID != "wm_cy" || res.Members[0].Points != 5 {
		t.Errorf("members = %+v, want one member with both identities and the check-in's 5 points", res.Members)
	}
}
