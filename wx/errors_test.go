package wx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"
)

func TestRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"system busy", &Error{Code: -1}, true},
		{"invalid credential", &Error{Code: 40001}, true},
		{"token expired", &Error{Code: 42001}, true},
		{"invalid token", &Error{Code: 40014}, true},
		{"quota", &Error{Code: 45009}, true},
		{"frequency", &Error{Code: 45011}, true},
		{"concurrency", &Error{Code: 45033}, true},
		{"cs rate limit", &Error{Code: 45047}, true},
		{"bad openid", &Error{Code: 40003}, false},
		{"missing token", &Error{Code: 41001}, false},
		{"bad tag id", &Error{Code: 40068}, false},
		{"wrapped platform error", fmt.Errorf("task: %w", &Error{Code: 45033}), true},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), true},
		{"canceled", context.Canceled, false},
		{"canceled inside url.Error", &url.Error{Op: "Get", URL: "u", Err: context.Canceled}, false},
		{"connection refused", &url.Error{Op: "Get", URL: "u", Err: &net.OpError{Op: "dial", Err: errors.New("refused")}}, true},
		{"HTTP 502", &statusError{API: "/x", Status: 502}, true},
		{"HTTP 429", &statusError{API: "/x", Status: 429}, true},
		{"HTTP 404", &statusError{API: "/x", Status: 404}, false},
		{"plain error", errors.New("bad argument"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Retryable(tt.err); got != tt.want {
				t.Errorf("Retryable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrCode(t *testing.T) {
	if got := ErrCode(fmt.Errorf("wrapped: %w", &Error{Code: 45009})); got != 45009 {
		t.Errorf("ErrCode(wrapped 45009) = %d", got)
	}
	if got := ErrCode(errors.New("x")); got != 0 {
		t.Errorf("ErrCode(plain) = %d, want 0", got)
	}
	if got := ErrCode(nil); got != 0 {
		t.Errorf("ErrCode(nil) = %d, want 0", got)
	}
}

func TestErrorMessage(t *testing.T) {
	e := &Error{Code: 45033, Msg: "api concurrent out of limit", API: "/cgi-bin/externalcontact/mark_tag"}
	want := "wx: /cgi-bin/externalcontact/mark_tag: errcode 45033: api concurrent out of limit"
	if e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
}

func TestTokenErrorParsesSilenceperErrors(t *testing.T) {
	err := tokenError("/cgi-bin/token", errors.New("get access_token error : errcode=40013 , errormsg=invalid appid hint: [x]"))
	var e *Error
	if !errors.As(err, &e) || e.Code != 40013 || e.Msg != "invalid appid hint: [x]" || e.API != "/cgi-bin/token" {
		t.Fatalf("tokenError = %#v", err)
	}
	err = tokenError("/cgi-bin/token", errors.New("get access_token error : errcode=-1 , errormsg=system busy"))
	if ErrCode(err) != -1 || !Retryable(err) {
		t.Errorf("tokenError(-1) = %v", err)
	}
}

func TestScrubHidesSecrets(t *testing.T) {
	raw := "http get error : uri=https://qyapi.weixin.qq.com/cgi-bin/gettoken?corpid=ww1&corpsecret=TOPSECRET , statusCode=502"
	err := tokenError("/cgi-bin/gettoken", errors.New(raw))
	if strings.Contains(err.Error(), "TOPSECRET") {
		t.Errorf("secret in %q", err)
	}
	ue := &url.Error{Op: "Get", URL: "https://x/cgi-bin/user/info?access_token=TOK123&openid=o1", Err: context.DeadlineExceeded}
	err = scrub(ue)
	if strings.Contains(err.Error(), "TOK123") || !strings.Contains(err.Error(), "openid=o1") {
		t.Errorf("scrub = %q", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("scrubbed error no longer unwraps")
	}
}
