// Package wx makes every outbound WeChat Official Account and WeCom API call
// Siyu needs, behind the OfficialAccount and WeCom interfaces.
//
// Access tokens are managed by github.com/silenceper/wechat/v2's credential
// handles, kept in Redis (shared by all instances) or in memory. silenceper's
// API clients take no context, so the calls themselves are made here, with
// those tokens, a per-request timeout and the caller's context; a rejected
// token (40001, 42001, 40014) is dropped and the call retried once. Platform
// errors are *Error; see Retryable. Package wxtest is a fake upstream.
package wx

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/credential"
	"github.com/sirupsen/logrus"
)

// Config holds the credentials and plumbing of a Client. Leave a platform's
// ids empty to run without it: its methods then return ErrNotConfigured.
type Config struct {
	WeChatAppID, WeChatSecret string // Official Account

	WeComCorpID        string
	WeComAgentID       string // the self-built app (sidebar, app messages); numeric
	WeComAgentSecret   string // the app's secret
	WeComContactSecret string // the customer-contact secret; "" uses the agent secret

	// WeChatAPIBase and WeComAPIBase replace https://api.weixin.qq.com and
	// https://qyapi.weixin.qq.com ("" keeps them), e.g. for a proxy or wxtest.
	// See the note on base URLs in baseurl.go: one base pair per app id per
	// process for the token fetches silenceper makes.
	WeChatAPIBase, WeComAPIBase string

	HTTPTimeout time.Duration         // per HTTP request; default 5s
	Redis       redis.UniversalClient // shares tokens, tickets and tag ids; nil keeps them in memory
	KeyPrefix   string                // Redis key prefix, default "siyu"
}

// Client calls WeChat and WeCom. It implements OfficialAccount and WeCom and
// is safe for concurrent use.
type Client struct {
	cfg     Config
	http    *http.Client
	oaBase  string
	wcBase  string
	store   store
	limits  *limiter
	oa      *tokenSource // Official Account
	contact *tokenSource // WeCom customer contact
	agent   *tokenSource // WeCom self-built app
	tagMu   ctxMutex     // serialises get-or-create of tags
	tickMu  ctxMutex     // serialises ticket fetches
}

var (
	_ OfficialAccount = (*Client)(nil)
	_ WeCom           = (*Client)(nil)
)

// Cache-key prefixes handed to silenceper's credential handles.
const (
	oaTokenPrefix = credential.CacheKeyOfficialAccountPrefix
	wcTokenPrefix = credential.CacheKeyWorkPrefix
	contactAgent  = "contact" // stands in for an agent id in the contact token's key
)

// New returns a Client for cfg. It returns an error when a platform is half
// configured (an id without a secret), the agent id is not numeric, or a base
// URL is not an absolute http(s) URL.
func New(cfg Config) (*Client, error) {
	if cfg.HTTPTimeout <= 0 {
		cfg.HTTPTimeout = 5 * time.Second
	}
	if cfg.KeyPrefix == "" {
		cfg.KeyPrefix = "siyu"
	}
	if (cfg.WeChatAppID == "") != (cfg.WeChatSecret == "") {
		return nil, fmt.Errorf("wx: WeChatAppID and WeChatSecret must be set together")
	}
	if cfg.WeComCorpID != "" {
		if cfg.WeComAgentSecret == "" && cfg.WeComContactSecret == "" {
			return nil, fmt.Errorf("wx: WeComCorpID needs WeComAgentSecret or WeComContactSecret")
		}
		if cfg.WeComAgentSecret != "" {
			if _, err := strconv.Atoi(cfg.WeComAgentID); err != nil {
				return nil, fmt.Errorf("wx: WeComAgentID %q must be numeric", cfg.WeComAgentID)
			}
		}
	}
	oaBase, err := normalizeBase(cfg.WeChatAPIBase, WeChatHost, "WeChatAPIBase")
	if err != nil {
		return nil, err
	}
	wcBase, err := normalizeBase(cfg.WeComAPIBase, WeComHost, "WeComAPIBase")
	if err != nil {
		return nil, err
	}
	registry.register(cfg.WeChatAppID, cfg.WeComCorpID, oaBase, wcBase, cfg.HTTPTimeout)

	c := &Client{
		cfg:    cfg,
		http:   &http.Client{Timeout: cfg.HTTPTimeout},
		oaBase: oaBase,
		wcBase: wcBase,
		limits: newLimiter(),
		tagMu:  newCtxMutex(),
		tickMu: newCtxMutex(),
	}
	if cfg.Redis != nil {
		c.store = NewRedisCache(cfg.Redis, cfg.KeyPrefix+":wx:")
	} else {
		c.store = newMemoryStore()
	}
	c.initTokens()
	return c, nil
}

// initTokens builds silenceper's token handles on the Client's store. The
// cache keys repeat silenceper's formats so a rejected token can be dropped.
func (c *Client) initTokens() {
	cfg := c.cfg
	c.oa = &tokenSource{platform: "Official Account", base: c.oaBase, api: "/cgi-bin/token"}
	if cfg.WeChatAppID != "" {
		c.oa.handle = credential.NewDefaultAccessToken(cfg.WeChatAppID, cfg.WeChatSecret, oaTokenPrefix, c.store)
		c.oa.key = fmt.Sprintf("%s_access_token_%s", oaTokenPrefix, cfg.WeChatAppID)
	}
	c.agent = &tokenSource{platform: "WeCom app", base: c.wcBase, api: "/cgi-bin/gettoken"}
	c.contact = &tokenSource{platform: "WeCom contact", base: c.wcBase, api: "/cgi-bin/gettoken"}
	if cfg.WeComCorpID == "" {
		return
	}
	if cfg.WeComAgentSecret != "" {
		c.agent.handle = credential.NewWorkAccessTokenWithAgentID(cfg.WeComCorpID, cfg.WeComAgentSecret, cfg.WeComAgentID, wcTokenPrefix, c.store)
		c.agent.key = fmt.Sprintf("%s_access_token_%s_%s", wcTokenPrefix, cfg.WeComCorpID, cfg.WeComAgentID)
	}
	if cfg.WeComContactSecret == "" {
		c.contact = c.agent
		return
	}
	c.contact.handle = credential.NewWorkAccessTokenWithAgentID(cfg.WeComCorpID, cfg.WeComContactSecret, contactAgent, wcTokenPrefix, c.store)
	c.contact.key = fmt.Sprintf("%s_access_token_%s_%s", wcTokenPrefix, cfg.WeComCorpID, contactAgent)
}

// tokenSource is one app's access token: silenceper's handle and its cache key.
type tokenSource struct {
	platform string // for ErrNotConfigured messages
	base     string // the API base the token belongs to
	api      string // token endpoint, for errors
	handle   credential.AccessTokenContextHandle
	key      string
}

// token returns the cached or a freshly fetched access token, within timeout.
func (t *tokenSource) token(ctx context.Context, timeout time.Duration) (string, error) {
	if t.handle == nil {
		return "", errNotConfigured(t)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tok, err := t.handle.GetAccessTokenContext(ctx)
	if err != nil {
		return "", tokenError(t.api, err)
	}
	return tok, nil
}

func errNotConfigured(t *tokenSource) error {
	return fmt.Errorf("%w: %s", ErrNotConfigured, t.platform)
}

// QuietLibraryLogs stops silenceper's logrus output from reaching stdout at
// debug level (its root package's init does that, and its server logs
// decrypted messages): it sets the global logrus logger to warn level and
// sends it to stderr. cmd calls it once at start-up.
func QuietLibraryLogs() {
	logrus.SetLevel(logrus.WarnLevel)
	logrus.SetOutput(os.Stderr)
}
