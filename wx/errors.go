package wx

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strconv"
)

// Error is an error answered by WeChat or WeCom: a non-zero errcode in the JSON
// body. Check for it with errors.As; ErrCode and Retryable read it for you.
type Error struct {
	Code int    // the platform's errcode, e.g. 40001, 45033
	Msg  string // the platform's errmsg
	API  string // the API path that answered, e.g. "/cgi-bin/externalcontact/mark_tag"
}

// Error formats the platform error with its API, code and message.
func (e *Error) Error() string {
	return fmt.Sprintf("wx: %s: errcode %d: %s", e.API, e.Code, e.Msg)
}

// Platform error codes the package treats specially.
const (
	CodeSystemBusy        = -1    // system busy, try again later
	CodeInvalidCredential = 40001 // access token invalid or not the latest
	CodeInvalidToken      = 40014 // access token malformed or unknown
	CodeTokenExpired      = 42001 // access token expired
	CodeQuotaExceeded     = 45009 // daily / per-minute API quota used up
	CodeFrequencyLimit    = 45011 // API called too often
	CodeConcurrencyLimit  = 45033 // too many concurrent calls (WeCom mark_tag)
	CodeRateLimited       = 45047 // customer-service message rate limit (OA)
	CodeDataConflict      = 6000  // WeCom data version conflict, retry later
	CodeCorpTagExists     = 40071 // WeCom: corp tag name already exists
	CodeUserTagExists     = 45157 // OA: user tag name already exists
)

// ErrNotConfigured is returned (wrapped) by methods of a platform whose
// credentials were not given in Config.
var ErrNotConfigured = errors.New("wx: platform not configured")

// ErrNotMember is returned by OAuthUserID when the code belongs to someone who
// is not a member of the corp (WeCom answers an openid instead of a userid).
var ErrNotMember = errors.New("wx: oauth code does not belong to a corp member")

// statusError is a non-200 HTTP answer (a proxy or gateway failing in front of
// the platform); the platform itself always answers 200 with an errcode.
type statusError struct {
	API    string
	Status int
}

func (e *statusError) Error() string {
	return fmt.Sprintf("wx: %s: unexpected HTTP status %d", e.API, e.Status)
}

// ErrCode returns the platform errcode carried by err, or 0 when err is nil or
// is not a *Error (a network error, a timeout, a bad argument).
func ErrCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// Retryable reports whether the operation that failed with err may succeed if
// tried again later: network errors, timeouts and 5xx answers; system busy
// (-1); quota, frequency and concurrency limits (45009, 45011, 45033, 45047);
// data conflicts (6000); and token errors (40001, 42001, 40014), which remain
// after the client has already refreshed the token and retried once, usually
// because another instance refreshed it at the same moment. Everything else —
// a bad openid (40003), a missing parameter (41001), a used welcome code — is
// permanent. A cancelled context is not retryable; an expired deadline is.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) {
		switch e.Code {
		case CodeSystemBusy, CodeInvalidCredential, CodeInvalidToken, CodeTokenExpired,
			CodeQuotaExceeded, CodeFrequencyLimit, CodeConcurrencyLimit, CodeRateLimited,
			CodeDataConflict:
			return true
		}
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var se *statusError
	if errors.As(err, &se) {
		return se.Status >= 500 || se.Status == 429
	}
	var ne net.Error // *url.Error, *net.OpError, timeouts, refused connections
	return errors.As(err, &ne)
}

// isTokenError reports whether err says the access token we sent is no good,
// so the cached token must be dropped and the call retried with a fresh one.
func isTokenError(err error) bool {
	switch ErrCode(err) {
	case CodeInvalidCredential, CodeInvalidToken, CodeTokenExpired:
		return true
	}
	return false
}

// silenceper reports token-endpoint failures as plain fmt errors
// ("get access_token error : errcode=40013 , errormsg=invalid appid").
var tokenErrRe = regexp.MustCompile(`errcode=(-?\d+) , errormsg=(.*)$`)

// tokenError turns a failure of silenceper's token fetch into a *Error when
// the platform answered with an errcode, and wraps it otherwise.
func tokenError(api string, err error) error {
	if m := tokenErrRe.FindStringSubmatch(err.Error()); m != nil {
		code, convErr := strconv.Atoi(m[1])
		if convErr == nil {
			return &Error{Code: code, Msg: m[2], API: api}
		}
	}
	return fmt.Errorf("wx: %s: %w", api, scrub(err))
}

// secretRe finds credentials in URLs: silenceper's token URL carries the app
// secret, and every API URL the access token.
var secretRe = regexp.MustCompile(`((?:access_token|secret)=)[^&\s"]*`)

// scrub keeps secrets and tokens out of error messages, and so out of logs
// and task queues: *url.Error and silenceper's own errors quote the full URL.
// The result still unwraps to the original error for errors.Is and As.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = secretRe.ReplaceAllString(ue.URL, "${1}REDACTED")
	}
	msg := err.Error()
	clean := secretRe.ReplaceAllString(msg, "${1}REDACTED")
	if clean == msg {
		return err
	}
	return &scrubbedError{msg: clean, err: err}
}

type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }
