package taskstest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/wx"
	"github.com/siyu/siyu/wx/wxtest"
)

var nonWord = regexp.MustCompile(`[^A-Za-z0-9]+`)

// UniqueCorp returns a WeCom corp ID unique to t (its name and a sequence
// number), so the token fetches of parallel tests each reach their own fake.
func UniqueCorp(t testing.TB) string {
	return fmt.Sprintf("ww%s%d", nonWord.ReplaceAllString(t.Name(), ""), seq.Add(1))
}

// WXConfig is a wx client's configuration for corp (and the official
// account "wx"+corp) on the fake upstream up, caching tokens under prefix in r.
func WXConfig(up *wxtest.Server, r *tasks.Redis, prefix, corp string) wx.Config {
	return wx.Config{
		WeChatAppID: "wx" + corp, WeChatSecret: "oasecret",
		WeComCorpID: corp, WeComAgentID: "1000002", WeComAgentSecret: "agentsecret", WeComContactSecret: "contactsecret",
		WeChatAPIBase: up.URL(), WeComAPIBase: up.URL(), HTTPTimeout: 2 * time.Second,
		Redis: r.Client, KeyPrefix: prefix,
	}
}

// NewWX returns a wx client built from cfg, failing the test on error.
func NewWX(t testing.TB, cfg wx.Config) *wx.Client {
	t.Helper()
	client, err := wx.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return client
}

// NewEnqueuer returns an enqueuer on prefix's queues, closed when t ends.
func NewEnqueuer(t testing.TB, r *tasks.Redis, prefix string) *tasks.Enqueuer {
	enq := tasks.NewEnqueuer(r.ConnOpt, Queues(prefix))
	t.Cleanup(func() {
		if err := enq.Close(); err != nil {
			t.Error(err)
		}
	})
	return enq
}

// Logger discards unless SIYU_TEST_LOG is set, then logs everything to
// stderr: quiet test runs, and the worker's story when one is wanted.
func Logger() *slog.Logger {
	var w io.Writer = io.Discard
	if os.Getenv("SIYU_TEST_LOG") != "" {
		w = os.Stderr
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// CheckLedgerAtEnd checks l's points ledger when t ends: whatever the
// worker did, every member's balance still equals the sum of its entries.
func CheckLedgerAtEnd(t testing.TB, l *loyalty.Service) {
	t.Cleanup(func() {
		bad, err := l.CheckLedger(context.Background())
		if err != nil || len(bad) > 0 {
			t.Errorf("ledger check: %v %+v", err, bad)
		}
	})
}
