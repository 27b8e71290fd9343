package wx_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/wx"
)

const markTagPath = "/cgi-bin/externalcontact/mark_tag"

func TestTokenRejectedIsRefreshedAndRetriedOnce(t *testing.T) {
	for _, code := range []int{wx.CodeInvalidCredential, wx.CodeTokenExpired, wx.CodeInvalidToken} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			c, srv := newClient(t)
			ctx := ctxT(t)
			if _, err := c.GetUser(ctx, "o1"); err != nil { // caches a token
				t.Fatal(err)
			}
			srv.FailNext("/cgi-bin/user/info", 1, code)
			u, err := c.GetUser(ctx, "o1")
			if err != nil {
				t.Fatalf("GetUser after %d: %v", code, err)
			}
			if u.OpenID != "o1" {
				t.Errorf("OpenID = %q", u.OpenID)
			}
			wantCalls(t, srv, map[string]int{oaTokenPath: 2, "/cgi-bin/user/info": 3})
			calls := srv.Calls("/cgi-bin/user/info")
			if calls[1].Query.Get("access_token") == calls[2].Query.Get("access_token") {
				t.Error("retry reused the rejected token")
			}
		})
	}
}

func TestTokenRejectedTwiceIsReturned(t *testing.T) {
	c, srv := newClient(t)
	srv.FailNext(markTagPath, 2, wx.CodeInvalidCredential)
	tag := srv.AddCorpTag("level", "gold")
	err := c.MarkTag(ctxT(t), "guide01", "wm1", []string{tag}, nil)
	we := wantWxError(t, err, wx.CodeInvalidCredential)
	if we.API != markTagPath {
		t.Errorf("API = %q, want %q", we.API, markTagPath)
	}
	if !wx.Retryable(err) {
		t.Error("Retryable = false for a token error after refresh")
	}
	wantCalls(t, srv, map[string]int{markTagPath: 2, wcTokenPath: 2})
}

func TestExpiredTokensAreRefreshed(t *testing.T) {
	c, srv := newClient(t)
	ctx := ctxT(t)
	if _, err := c.ListUsers(ctx, 1); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens()
	if _, err := c.ListUsers(ctx, 1); err != nil {
		t.Fatalf("ListUsers after expiry: %v", err)
	}
	wantCalls(t, srv, map[string]int{wcTokenPath: 2})
}

func TestConcurrencyLimitIsRetryableError(t *testing.T) {
	c, srv := newClient(t)
	tag := srv.AddCorpTag("level", "gold")
	srv.FailNext(markTagPath, 1, wx.CodeConcurrencyLimit)
	err := c.MarkTag(ctxT(t), "guide01", "wm1", []string{tag}, nil)
	wantErrCode(t, err, wx.CodeConcurrencyLimit)
	if !wx.Retryable(err) {
		t.Error("Retryable(45033) = false")
	}
	if got := wx.ErrCode(err); got != wx.CodeConcurrencyLimit {
		t.Errorf("ErrCode = %d", got)
	}
	wantCalls(t, srv, map[string]int{markTagPath: 1}) // not retried inside
}

func TestTokenEndpointErrorsArePlatformErrors(t *testing.T) {
	tests := []struct {
		code      int
		retryable bool
	}{{40013, false}, {wx.CodeSystemBusy, true}}
	for _, tt := range tests {
		c, srv := newClient(t)
		srv.FailNext(oaTokenPath, 1, tt.code)
		_, err := c.GetUser(ctxT(t), "o1")
		we := wantWxError(t, err, tt.code)
		if we.API != oaTokenPath {
			t.Errorf("API = %q, want %q", we.API, oaTokenPath)
		}
		if got := wx.Retryable(err); got != tt.retryable {
			t.Errorf("Retryable(token error %d) = %v, want %v", tt.code, got, tt.retryable)
		}
	}
}

func TestHangLongerThanHTTPTimeout(t *testing.T) {
	c, srv := newClient(t, func(cfg *wx.Config) { cfg.HTTPTimeout = 200 * time.Millisecond })
	ctx := ctxT(t)
	if _, err := c.GetExternalContact(ctx, "wm1"); err != nil { // token first
		t.Fatal(err)
	}
	srv.Hang("/cgi-bin/externalcontact/get", 5*time.Second)
	start := time.Now()
	_, err := c.GetExternalContact(ctx, "wm1")
	if err == nil {
		t.Fatal("no error from a hanging upstream")
	}
	// The upstream hangs 5 s: returning in under half of that is the
	// timeout at work, with room for a loaded machine.
	if d := time.Since(start); d > 2500*time.Millisecond {
		t.Errorf("returned after %v, want about the 200ms timeout, well before the 5 s hang ends", d)
	}
	if !wx.Retryable(err) {
		t.Errorf("Retryable(%v) = false for a timeout", err)
	}
	tok := srv.Calls("/cgi-bin/externalcontact/get")[0].Query.Get("access_token")
	if strings.Contains(err.Error(), tok) {
		t.Errorf("error leaks the access token: %v", err)
	}
}

func TestHangLongerThanContextDeadline(t *testing.T) {
	c, srv := newClient(t, func(cfg *wx.Config) { cfg.HTTPTimeout = 10 * time.Second })
	srv.Hang(oaTokenPath, 5*time.Second) // the token fetch honours ctx too
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.CreateQRCode(ctx, "store:1", time.Hour)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2500*time.Millisecond {
		t.Errorf("returned after %v, want about the 150ms deadline, well before the 5 s hang ends", d)
	}
	if strings.Contains(err.Error(), "oasecret") {
		t.Errorf("error leaks the app secret: %v", err)
	}
	if !wx.Retryable(err) {
		t.Error("Retryable(deadline) = false")
	}
}

func TestCancelledContextIsNotRetryable(t *testing.T) {
	c, _ := newClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := c.SendCustomText(ctx, "o1", "hi")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if wx.Retryable(err) {
		t.Error("Retryable(canceled) = true")
	}
}

func TestGatewayErrorsAreRetryable(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == oaTokenPath {
			_, _ = w.Write([]byte(`{"access_token":"tok","expires_in":7200}`))
			return
		}
		http.Error(w, "bad gateway", http.StatusBadGateway)
	}))
	t.Cleanup(up.Close)
	c, err := wx.New(wx.Config{WeChatAppID: "wx_gateway", WeChatSecret: "s", WeChatAPIBase: up.URL})
	if err != nil {
		t.Fatal(err)
	}
	err = c.SendCustomText(ctxT(t), "o1", "hi")
	if err == nil || !wx.Retryable(err) {
		t.Fatalf("err = %v, want a retryable error for HTTP 502", err)
	}
	if wx.ErrCode(err) != 0 {
		t.Errorf("ErrCode(HTTP 502) = %d, want 0", wx.ErrCode(err))
	}
}

func TestMarkTagConcurrencyIsCapped(t *testing.T) {
	c, srv := newClient(t)
	tag := srv.AddCorpTag("level", "gold")
	ctx := ctxT(t)
	if err := c.MarkTag(ctx, "guide01", "wm0", []string{tag}, nil); err != nil { // token first
		t.Fatal(err)
	}
	srv.Hang(markTagPath, 100*time.Millisecond)
	errs := make(chan error, 20)
	for i := range 20 {
		go func() {
			errs <- c.MarkTag(ctx, "guide01", "wm"+strconv.Itoa(i), []string{tag}, nil)
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Errorf("MarkTag: %v", err)
		}
	}
	if got := srv.MaxConcurrent(markTagPath); got != 5 {
		t.Errorf("MaxConcurrent(mark_tag) = %d, want 5", got)
	}
	wantCalls(t, srv, map[string]int{markTagPath: 21})
}

func TestMarkTagWaitHonoursContext(t *testing.T) {
	c, srv := newClient(t)
	tag := srv.AddCorpTag("level", "gold")
	srv.Hang(markTagPath, 2*time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	errs := make(chan error, 6)
	for i := range 6 {
		go func() { errs <- c.MarkTag(ctx, "guide01", "wm"+strconv.Itoa(i), []string{tag}, nil) }()
	}
	for range 6 {
		if err := <-errs; !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want DeadlineExceeded", err)
		}
	}
	if got := srv.CallCount(markTagPath); got > 5 {
		t.Errorf("%d mark_tag calls reached the server, want at most 5", got)
	}
}
