package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
)

// Setting is one line of the running configuration as HQ admins see it:
// the environment variable, its value, and whether the value is a secret
// (then only whether it is set shows, never the value).
type Setting struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Secret bool   `json:"secret,omitempty"`
}

// masked is what a secret shows: set or not, never its characters.
func masked(v string) string {
	if v == "" {
		return ""
	}
	return "******"
}

var dsnPassword = regexp.MustCompile(`^([^:@/]*):([^@]*)@`)

// maskDSN hides the password of a MySQL DSN (user:pass@tcp(...)/db).
func maskDSN(dsn string) string { return dsnPassword.ReplaceAllString(dsn, "$1:******@") }

// maskURL hides the password of a URL such as redis://:pass@host:6379/0.
func maskURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxxx")
	}
	return u.String()
}

// Masked lists the running configuration with every secret (tokens, app
// secrets, AES keys, passwords inside the DSN and Redis URL) masked, so it
// can be shown in the console.
func (c Config) Masked() []Setting {
	plain := func(n, v string) Setting { return Setting{Name: n, Value: v} }
	secret := func(n, v string) Setting { return Setting{Name: n, Value: masked(v), Secret: true} }
	return []Setting{
		plain("SIYU_HTTP_ADDR", c.HTTPAddr),
		plain("SIYU_MYSQL_DSN", maskDSN(c.MySQLDSN)),
		plain("SIYU_DATA_DIR", c.DataDir),
		plain("SIYU_REDIS_URL", maskURL(c.RedisURL)),
		plain("SIYU_REDIS_PREFIX", c.RedisPrefix),
		plain("SIYU_TIMEZONE", c.Timezone),
		plain("SIYU_CALLBACK_MAX_SKEW", c.CallbackMaxSkew.String()),
		secret("SIYU_HQ_TOKEN", c.HQToken),
		secret("SIYU_SESSION_SECRET", c.SessionSecret),
		plain("SIYU_PUBLIC_URL", c.PublicURL),
		secret("SIYU_METRICS_TOKEN", c.MetricsToken),
		plain("SIYU_METRICS_ADDR", c.MetricsAddr),
		plain("SIYU_WECHAT_APPID", c.WeChat.AppID),
		secret("SIYU_WECHAT_SECRET", c.WeChat.Secret),
		secret("SIYU_WECHAT_TOKEN", c.WeChat.Token),
		secret("SIYU_WECHAT_AES_KEY", c.WeChat.AESKey),
		plain("SIYU_WECHAT_API_BASE", c.WeChat.APIBase),
		plain("SIYU_WECHAT_ALLOW_PLAIN", strconv.FormatBool(c.WeChat.AllowPlain)),
		plain("SIYU_WECOM_CORPID", c.WeCom.CorpID),
		secret("SIYU_WECOM_TOKEN", c.WeCom.Token),
		secret("SIYU_WECOM_AES_KEY", c.WeCom.AESKey),
		plain("SIYU_WECOM_AGENT_ID", c.WeCom.AgentID),
		secret("SIYU_WECOM_AGENT_SECRET", c.WeCom.AgentSecret),
		secret("SIYU_WECOM_CONTACT_SECRET", c.WeCom.ContactSecret),
		plain("SIYU_WECOM_API_BASE", c.WeCom.APIBase),
		plain("SIYU_WORKER_CONCURRENCY", strconv.Itoa(c.Worker.Concurrency)),
		plain("SIYU_QUEUE_WEIGHTS", fmt.Sprintf("critical:%d,default:%d,low:%d", c.Worker.Critical, c.Worker.Default, c.Worker.Low)),
		plain("SIYU_CHECKIN_BASE", strconv.FormatInt(c.CheckIn.Base, 10)),
		plain("SIYU_POINTS_EXPIRY", c.Loyalty.Expiry),
		plain("SIYU_LOG_LEVEL", c.LogLevel),
		plain("SIYU_LOG_FORMAT", c.LogFormat),
	}
}
