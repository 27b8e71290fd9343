package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/bot"
	"github.com/siyu/siyu/groups"
	"github.com/siyu/siyu/guides"
	"github.com/siyu/siyu/handler"
	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/metrics"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/scripts"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tagging"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/tasks/taskstest"
	"github.com/siyu/siyu/wx"
	"github.com/siyu/siyu/wx/wxsim"
	"github.com/siyu/siyu/wx/wxtest"
)

const (
	testAppID       = "wx0123456789abcdef"
	testToken       = "siyu-test-token"
	testAESKey      = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	testHQ          = "hq-test-token"
	testWeComToken  = "siyu-wecom-token"
	testWeComAESKey = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
)

// shanghai is the business time zone the env's services run in.
var shanghai = mustLoadLocation("Asia/Shanghai")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// corpSeq makes each env's corp id unique, so token fetches reach that
// env's fake upstream.
var corpSeq atomic.Int64

// testEnv is a whole HTTP surface on a fresh database and Redis prefix.
type testEnv struct {
	t       testing.TB
	srv     *httptest.Server
	db      *gorm.DB
	tags    *tagging.Service
	deps    handler.Deps // what the server was built with
	loyalty *loyalty.Service
	oa      wxsim.OA // safe mode by default
	clock   *testClock

	wc      wxsim.WeCom     // signs WeCom callbacks for the env's corp
	up      *wxtest.Server  // the fake WeChat/WeCom upstream
	wx      *wx.Client      // outbound client on up
	rdb     *tasks.Redis    // the env's Redis
	prefix  string          // its key and queue prefix
	enq     *tasks.Enqueuer // what the handler queues with
	log     *slog.Logger
	hqTasks *hqtasks.Service
}

// harnessRules are the default earning rules with the first-follow bonus
// off, so balances in tests are those of the actions they take; tests of
// the bonus switch it on through the HQ API.
func harnessRules() []model.EarningRule {
	rules := loyalty.DefaultRules()
	for i := range rules {
		if rules[i].Channel == model.ChannelFollow {
			rules[i].Enabled = false
		}
	}
	return rules
}

// testClock is a clock shared by the services that runs like real time
// from a settable starting point, so rows stamped by the services and by the
// database keep their real order.
type testClock struct {
	mu      sync.Mutex
	base    time.Time
	started time.Time
	frozen  bool // Now is base until the next Set
}

func newTestClock() *testClock { now := time.Now(); return &testClock{base: now, started: now} }

// testEpoch is a fixed mid-year weekday morning in Shanghai for tests whose
// outcome depends on the calendar day (daily caps, check-in days, expiry
// years): a cap resets at 16:00 UTC, and a credit made on the UTC evening
// of 31 December belongs to the next Shanghai year. The clock starts on the
// wall clock otherwise: cookie jars, WeCom's 20 s welcome window and the
// queue's schedule run on real time.
var testEpoch = time.Date(2026, 6, 10, 10, 0, 0, 0, shanghai)

// fixedDay moves the env's clock to testEpoch.
func (e *testEnv) fixedDay() { e.clock.Set(testEpoch) }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		return c.base
	}
	return c.base.Add(time.Since(c.started))
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.base, c.started, c.frozen = t, time.Now(), false
	c.mu.Unlock()
}

// Freeze stops the clock at t until the next Set: for a test whose
// instant must not move on while a loaded machine serves the request
// (one second before midnight stays before midnight).
func (c *testClock) Freeze(t time.Time) { c.mu.Lock(); c.base, c.frozen = t, true; c.mu.Unlock() }

type envOption func(*handler.Deps)

func newTestEnv(t testing.TB, opts ...envOption) *testEnv {
	t.Helper()
	db := modeltest.NewDB(t)
	rdb, prefix := taskstest.NewRedis(t)
	loc := shanghai
	clock := newTestClock()
	st := store.New(db)
	tags := tagging.New(st, clock.Now)
	mem, dir := members.New(st, tags, clock.Now), guides.New(st, clock.Now)
	l := loyalty.New(st, loyalty.Options{Location: loc, Now: clock.Now, CheckIn: loyalty.DefaultCheckInRules,
		Rules: harnessRules(), Expiry: loyalty.ExpiryPolicy{Kind: loyalty.ExpiryYearEnd}, SettingsTTL: -1})
	if err := l.Seed(context.Background()); err != nil {
		t.Fatalf("seed loyalty: %v", err)
	}
	log := slog.New(slog.NewTextHandler(testLogWriter(), nil))
	up := wxtest.NewServer(t)
	corp := fmt.Sprintf("wwtest%d", corpSeq.Add(1))
	cfg := taskstest.WXConfig(up, rdb, prefix, corp)
	cfg.WeChatAppID = testAppID
	client := taskstest.NewWX(t, cfg)
	enq := taskstest.NewEnqueuer(t, rdb, prefix)
	hqTasks := hqtasks.New(st, hqtasks.Options{Loyalty: l, Queue: enq, Now: clock.Now, PublicURL: "https://siyu.example.com"})
	d := handler.Deps{Tasks: hqTasks, Groups: groups.New(st, groups.Options{Members: mem, Loyalty: l, WeCom: client, Now: clock.Now, Logger: log}),
		DB: db, Redis: rdb.Client, Prefix: prefix, Bot: bot.New(tags, mem, l, log), Tagging: tags, Members: mem, Guides: dir, Segments: segments.New(st, clock.Now), Dashboards: metrics.New(st, clock.Now), Loyalty: l,
		Logger: log, MaxSkew: 5 * time.Minute, HQToken: testHQ, Now: clock.Now, Scripts: scripts.New(st),
		OA:       handler.OAConfig{AppID: testAppID, Token: testToken, AESKey: testAESKey},
		WeCom:    handler.WeComConfig{CorpID: corp, Token: testWeComToken, AESKey: testWeComAESKey},
		Enqueuer: enq, Codes: guides.NewCodes(dir, tags, client, client),
		SidebarWeCom: client, WeComAgentID: "1000002", SessionSecret: testSessionSecret,
		// Tests post plaintext too, as an account that runs plaintext mode;
		// TestPlainModeRefusedInSafeMode turns this off.
		Auth: handler.AuthConfig{AllowPlainOA: true},
	}
	for _, o := range opts {
		o(&d)
	}
	srv := httptest.NewServer(handler.New(d))
	t.Cleanup(srv.Close)
	e := &testEnv{t: t, srv: srv, db: db, tags: tags, deps: d, loyalty: l, clock: clock,
		oa: wxsim.OA{AppID: testAppID, Token: testToken, AESKey: testAESKey},
		wc: wxsim.WeCom{CorpID: corp, Token: testWeComToken, AESKey: testWeComAESKey},
		up: up, wx: client, rdb: rdb, prefix: prefix, enq: enq, log: log, hqTasks: hqTasks}
	t.Cleanup(e.checkLedger) // every test ends with balance = ledger ≥ 0
	return e
}

// startWorker runs the queue worker on the env's queues, with the env's
// services and outbound client.
func (e *testEnv) startWorker() {
	e.t.Helper()
	deps := tasks.Deps{Loyalty: e.loyalty, Tagging: e.tags, Members: e.deps.Members, Guides: e.deps.Guides, Segments: e.deps.Segments, WeCom: e.wx, OA: e.wx, Queue: e.enq,
		Redis: e.rdb.Client, Prefix: e.prefix, Logger: e.log, HQ: true, Groups: e.deps.Groups}
	mux := tasks.NewMux(deps)
	hqtasks.Register(mux, e.hqTasks, deps)
	taskstest.StartMux(e.t, e.rdb, e.prefix, mux, e.log)
}

// idle waits until the env's queues have drained.
func (e *testEnv) idle() taskstest.Counts {
	e.t.Helper()
	return taskstest.WaitIdle(e.t, e.rdb, e.prefix, 20*time.Second)
}

// postRaw posts a callback with the given query and body.
func (e *testEnv) postRaw(path string, q url.Values, body []byte) (int, []byte) {
	e.t.Helper()
	return postTo(e.t, e.srv.URL+path, q, body)
}

// postTo posts body to rawURL with query q and returns status and body.
func postTo(t testing.TB, rawURL string, q url.Values, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(rawURL+"?"+q.Encode(), "text/xml", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// say posts a signed OA callback and returns the decrypted reply text;
// any non-200 fails the test.
func (e *testEnv) say(oa wxsim.OA, plain []byte) string {
	e.t.Helper()
	signed, err := oa.Sign(plain, e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	status, body := e.postRaw("/wechat/callback", signed.Query, signed.Body)
	if status != http.StatusOK {
		e.t.Fatalf("callback: status %d: %s", status, body)
	}
	r, err := oa.DecodeReply(body)
	if err != nil {
		e.t.Fatalf("decode reply: %v", err)
	}
	return r.Content
}

// hq calls the HQ API with the test token and decodes JSON into out.
func (e *testEnv) hq(method, path string, in, out any) int {
	e.t.Helper()
	return e.hqAs(testHQ, method, path, in, out)
}

func (e *testEnv) hqAs(token, method, path string, in, out any) int {
	e.t.Helper()
	var body io.Reader
	if in != nil {
		if s, ok := in.(string); ok {
			body = strings.NewReader(s)
		} else {
			b, _ := json.Marshal(in)
			body = bytes.NewReader(b)
		}
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, e.srv.URL+path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			e.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

// checkLedger fails the test if any member's balance differs from its
// ledger or is negative.
func (e *testEnv) checkLedger() {
	e.t.Helper()
	bad, err := e.loyalty.CheckLedger(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range bad {
		e.t.Errorf("member %d: points %d, ledger %d, open credits %d; growth %d, ledger %d",
			m.MemberID, m.Points, m.LedgerPoints, m.LedgerRemaining, m.Growth, m.LedgerGrowth)
	}
}

// count returns the number of rows of model in the database.
func (e *testEnv) count(model any, where ...any) int64 {
	e.t.Helper()
	var n int64
	q := e.db.Model(model)
	if len(where) > 0 {
		q = q.Where(where[0], where[1:]...)
	}
	if err := q.Count(&n).Error; err != nil {
		e.t.Fatal(err)
	}
	return n
}

// testLogWriter shows server logs with -v when SIYU_TEST_LOG is set.
func testLogWriter() io.Writer {
	if os.Getenv("SIYU_TEST_LOG") != "" {
		return os.Stderr
	}
	return io.Discard
}
