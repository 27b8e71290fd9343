package wx

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// The platforms' own API hosts, which silenceper hard-codes.
const (
	WeChatHost = "https://api.weixin.qq.com"
	WeComHost  = "https://qyapi.weixin.qq.com"
)

// baseRegistry maps the platforms' hosts to the bases configured in Config, for
// the requests silenceper makes itself (token fetches). silenceper has no
// base-URL option, only the process-global util.SetURIModifier, so the
// modifier is installed once and consults this registry:
//
//   - a URL that names its app (the OA token URL carries appid=, the WeCom
//     one corpid=) goes to the bases of the Client registered for that id;
//   - any other URL goes to the bases of the most recently created Client.
//
// The package's own API calls never depend on the registry: each Client sends
// them to its own bases. The limitation is therefore one base pair per app id
// per process — two Clients with the same app id but different bases fetch
// tokens from whichever was created last — and any other silenceper call made
// elsewhere in the process follows the latest Client.
type baseRegistry struct {
	mu       sync.Mutex
	byApp    map[string]string // "oa:<appid>" or "wecom:<corpid>" -> base
	latestOA string
	latestWC string
}

var (
	registry    = &baseRegistry{byApp: map[string]string{}}
	installOnce sync.Once
)

// normalizeBase validates a configured base URL, defaulting to host when
// empty, and strips a trailing slash.
func normalizeBase(base, host, name string) (string, error) {
	if base == "" {
		return host, nil
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("wx: %s %q is not an absolute http(s) URL", name, base)
	}
	return strings.TrimRight(base, "/"), nil
}

// register records the bases of a new Client and, on first use, installs the
// URI modifier and a default HTTP client with a timeout into silenceper. Both
// are package variables silenceper reads without locking, so they are written
// exactly once, before this package makes any silenceper call.
func (r *baseRegistry) register(appID, corpID, oaBase, wcBase string, timeout time.Duration) {
	r.mu.Lock()
	if appID != "" {
		r.byApp["oa:"+appID] = oaBase
	}
	if corpID != "" {
		r.byApp["wecom:"+corpID] = wcBase
	}
	r.latestOA, r.latestWC = oaBase, wcBase
	r.mu.Unlock()

	installOnce.Do(func() {
		// The Client passes a deadline of its own HTTPTimeout in the context
		// of every token fetch; this timeout is the backstop for the rest.
		util.DefaultHTTPClient = &http.Client{Timeout: timeout}
		util.SetURIModifier(r.rewrite)
	})
}

// rewrite is the URI modifier: it swaps a platform host for the configured base.
func (r *baseRegistry) rewrite(uri string) string {
	var host, kind, idParam string
	switch {
	case strings.HasPrefix(uri, WeChatHost+"/"):
		host, kind, idParam = WeChatHost, "oa:", "appid"
	case strings.HasPrefix(uri, WeComHost+"/"):
		host, kind, idParam = WeComHost, "wecom:", "corpid"
	default:
		return uri
	}
	id := ""
	if u, err := url.Parse(uri); err == nil {
		id = u.Query().Get(idParam)
	}

	r.mu.Lock()
	base, ok := r.byApp[kind+id]
	if !ok || id == "" {
		base = r.latestOA
		if kind == "wecom:" {
			base = r.latestWC
		}
	}
	r.mu.Unlock()

	if base == "" {
		return uri
	}
	return base + strings.TrimPrefix(uri, host)
}
