// Package wxtest is a fake WeChat Official Account and WeCom upstream for
// tests: an httptest.Server that answers every API package wx calls with
// realistic JSON, issues and checks access tokens, keeps tags, contacts and
// group sends in memory, records every call, and can be told to fail, hang or
// answer something else. Point both Config.WeChatAPIBase and
// Config.WeComAPIBase at URL(). It is safe for concurrent use.
package wxtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/siyu/siyu/wx"
)

// Call is one request the server received.
type Call struct {
	Path  string     // URL path, without the query
	Query url.Values // including access_token
	Body  []byte     // the raw body (JSON for POSTs)
	At    time.Time  // when it arrived
}

// Server is the fake upstream. Create it with NewServer.
type Server struct {
	srv     *httptest.Server
	closing chan struct{}

	mu        sync.Mutex
	calls     map[string][]Call
	inflight  map[string]int
	maxFlight map[string]int
	fails     map[string]failure
	hangs     map[string]time.Duration
	overrides map[string][]byte
	tokens    map[string]*tokenInfo // issued access token -> who it belongs to
	seq       int                   // for ids, tokens and tickets
	oa        oaState
	web       webState
	wc        wecomState
	tr        transferState
	wg        groupState
}

type failure struct{ n, code int }

type tokenInfo struct {
	platform string // "oa" or "wecom"
	expired  bool
}

// NewServer starts a fake upstream and closes it when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	s := &Server{closing: make(chan struct{}), tokens: map[string]*tokenInfo{}}
	s.resetLocked()
	s.srv = httptest.NewServer(s)
	t.Cleanup(func() {
		close(s.closing) // release hanging handlers so Close does not wait
		s.srv.Close()
	})
	return s
}

// URL returns the server's base URL, for both WeChatAPIBase and WeComAPIBase.
func (s *Server) URL() string { return s.srv.URL }

// Calls returns copies of the calls made to path (no query string), oldest first.
func (s *Server) Calls(path string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Call, len(s.calls[path]))
	for i, c := range s.calls[path] {
		out[i] = Call{Path: c.Path, Query: cloneValues(c.Query), Body: append([]byte(nil), c.Body...), At: c.At}
	}
	return out
}

// CallCount returns how many calls path received, including failed ones.
func (s *Server) CallCount(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls[path])
}

// MaxConcurrent returns the most calls to path that were in flight at once.
func (s *Server) MaxConcurrent(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.maxFlight[path]
}

// FailNext makes the next n calls to path answer
// {"errcode":errcode,"errmsg":...} instead of their normal answer.
func (s *Server) FailNext(path string, n int, errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails[path] = failure{n: n, code: errcode}
}

// Hang makes calls to path wait d before answering (until the client gives
// up, or the test ends); Hang(path, 0) stops it.
func (s *Server) Hang(path string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d <= 0 {
		delete(s.hangs, path)
		return
	}
	s.hangs[path] = d
}

// SetResponse makes calls to path answer body ([]byte and string are sent as
// they are, anything else as JSON) instead of the normal answer, until Reset
// or SetResponse(path, nil). Access tokens are still checked first.
func (s *Server) SetResponse(path string, body any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch b := body.(type) {
	case nil:
		delete(s.overrides, path)
	case []byte:
		s.overrides[path] = append([]byte(nil), b...)
	case string:
		s.overrides[path] = []byte(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			panic(fmt.Sprintf("wxtest: SetResponse(%q): %v", path, err))
		}
		s.overrides[path] = data
	}
}

// ExpireTokens makes every access token issued so far answer 42001, as after
// two hours; clients must fetch new ones.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ti := range s.tokens {
		ti.expired = true
	}
}

// Reset forgets calls, failures, hangs, overrides and all stored data (tags,
// contacts, group sends, users). Issued tokens stay valid. Clients keep what
// they cached (tokens, tickets, tag ids).
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resetLocked()
}

func (s *Server) resetLocked() {
	s.calls = map[string][]Call{}
	s.inflight = map[string]int{}
	s.maxFlight = map[string]int{}
	s.fails = map[string]failure{}
	s.hangs = map[string]time.Duration{}
	s.overrides = map[string][]byte{}
	s.oa = newOAState()
	s.web = newWebState()
	s.wc = newWeComState()
	s.tr = newTransferState()
	s.wg = newGroupState()
}

// ServeHTTP records the call, then hangs, fails or answers it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	path := r.URL.Path

	s.mu.Lock()
	s.calls[path] = append(s.calls[path], Call{Path: path, Query: r.URL.Query(), Body: body, At: time.Now()})
	s.inflight[path]++
	s.maxFlight[path] = max(s.maxFlight[path], s.inflight[path])
	hang := s.hangs[path]
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.inflight[path]--
		s.mu.Unlock()
	}()

	switch path { // pages a browser opens, not APIs
	case pathAuthorize:
		s.authorize(w, r)
		return
	case pathWeComLogin:
		s.wecomLogin(w, r)
		return
	}
	if hang > 0 {
		timer := time.NewTimer(hang)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done():
			return // the client gave up
		case <-s.closing:
			return
		}
	}

	status, answer := s.answer(r, path, body)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(answer)
}

// answer decides the reply: a scheduled failure, a routing or token error,
// an override, or the route's own answer.
func (s *Server) answer(r *http.Request, path string, body []byte) (int, []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.fails[path]; f.n > 0 {
		f.n--
		s.fails[path] = f
		return http.StatusOK, mustJSON(errBody(f.code, errMsg(f.code)))
	}
	rt, ok := routes[path]
	if !ok {
		return http.StatusNotFound, mustJSON(errBody(404, "wxtest: no such API: "+path))
	}
	if rt.post && r.Method != http.MethodPost {
		return http.StatusOK, mustJSON(errBody(43002, "require POST method"))
	}
	if !rt.post && r.Method != http.MethodGet {
		return http.StatusOK, mustJSON(errBody(43001, "require GET method"))
	}
	if rt.platform != "" {
		if code, msg := s.checkToken(rt.platform, r.URL.Query().Get("access_token")); code != 0 {
			return http.StatusOK, mustJSON(errBody(code, msg))
		}
	}
	if o, ok := s.overrides[path]; ok {
		return http.StatusOK, o
	}
	if rt.post && !rt.raw && !json.Valid(body) {
		return http.StatusOK, mustJSON(errBody(47001, "data format error"))
	}
	if rt.raw {
		body = append([]byte(r.Header.Get("Content-Type")+"\n"), body...)
	}
	return http.StatusOK, mustJSON(rt.handle(s, r.URL.Query(), body))
}

// checkToken validates an access token for a platform's API.
func (s *Server) checkToken(platform, tok string) (int, string) {
	if tok == "" {
		return 41001, "access_token missing"
	}
	ti, ok := s.tokens[tok]
	if !ok || ti.platform != platform {
		return wx.CodeInvalidToken, "invalid access_token"
	}
	if ti.expired {
		return wx.CodeTokenExpired, "access_token expired"
	}
	return 0, ""
}

// issueToken mints an access token; its text names who asked for it, so
// tests can tell which secret a call used (e.g. "wecom-agentsecret-3").
func (s *Server) issueToken(platform, owner string) map[string]any {
	s.seq++
	tok := fmt.Sprintf("%s-%s-%d", platform, owner, s.seq)
	s.tokens[tok] = &tokenInfo{platform: platform}
	return okBody(map[string]any{"access_token": tok, "expires_in": 7200})
}

// nextID returns a fresh id with the prefix.
func (s *Server) nextID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%06d", prefix, s.seq)
}

// okBody is a success answer with fields.
func okBody(fields map[string]any) map[string]any {
	out := map[string]any{"errcode": 0, "errmsg": "ok"}
	for k, v := range fields {
		out[k] = v
	}
	return out
}

func errBody(code int, msg string) map[string]any {
	return map[string]any{"errcode": code, "errmsg": msg}
}

func errMsg(code int) string {
	switch code {
	case wx.CodeSystemBusy:
		return "system error"
	case wx.CodeInvalidCredential:
		return "invalid credential, access_token is invalid or not latest"
	case wx.CodeInvalidToken:
		return "invalid access_token"
	case wx.CodeTokenExpired:
		return "access_token expired"
	case wx.CodeQuotaExceeded:
		return "reach max api daily quota limit"
	case wx.CodeConcurrencyLimit:
		return "api concurrent out of limit"
	}
	return fmt.Sprintf("wxtest: injected error %d", code)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("wxtest: encode answer: %v", err))
	}
	return b
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}
