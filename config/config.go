// Package config holds Siyu's one Config struct: defaults, loading from the
// environment and validation that names the offending variable.
package config

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Config is everything Siyu reads from its environment. Other packages get
// plain values from it, never the environment itself.
type Config struct {
	HTTPAddr        string
	MySQLDSN        string // empty: embedded SQLite under DataDir
	DataDir         string
	RedisURL        string // empty: embedded in-process Redis (miniredis)
	RedisPrefix     string // prefix for Siyu's own Redis keys and queue names
	Timezone        string
	Location        *time.Location
	CallbackMaxSkew time.Duration
	HQToken         string
	SessionSecret   string
	// PublicURL is where guides reach Siyu (the sidebar), for links in
	// app messages; empty gives relative links.
	PublicURL string
	// MetricsToken guards /metrics; MetricsAddr is an internal listener that
	// serves /metrics without auth.
	MetricsToken, MetricsAddr string
	// MemberPosterBG is a 750×1200 PNG or JPEG, the brand's background of
	// the member centre's invite poster (the QR code goes on a white card
	// at 125,420–625,920); empty draws one in the brand colours.
	MemberPosterBG string

	WeChat WeChat
	WeCom  WeCom

	CheckIn CheckInRules
	Worker  Worker
	Loyalty Loyalty
	// Segments are the thresholds of the segment recompute.
	Segments Segments

	LogLevel  string // debug, info, warn, error
	LogFormat string // text or json
}

// WeChat holds the Official Account credentials.
type WeChat struct {
	AppID, Secret, Token, AESKey string
	APIBase                      string
	// AllowPlain accepts plaintext callbacks although AESKey is set.
	AllowPlain bool
}

// WeCom holds the WeCom corp, app and customer-contact credentials.
type WeCom struct {
	CorpID, Token, AESKey string
	AgentID, AgentSecret  string
	ContactSecret         string
	APIBase               string
}

// CheckInRules sets the points a daily check-in earns: Base, plus StreakStep
// for each consecutive day before today (at most StreakCap extra), plus
// WeekBonus on every 7th consecutive day. Growth is the growth value per
// check-in.
type CheckInRules struct {
	Base, StreakStep, StreakCap, WeekBonus, Growth int64
}

// Worker configures the queue worker run by serve and worker.
type Worker struct {
	Concurrency int
	// Weights of the critical, default and low queues: a worker picks from
	// each in proportion (SIYU_QUEUE_WEIGHTS=critical:6,default:3,low:1).
	Critical, Default, Low int
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	return Config{
		HTTPAddr:        ":8080",
		DataDir:         "./data",
		RedisPrefix:     "siyu",
		Timezone:        "Asia/Shanghai",
		Location:        loc,
		CallbackMaxSkew: 5 * time.Minute,
		CheckIn:         CheckInRules{Base: 5, StreakStep: 1, StreakCap: 5, WeekBonus: 20, Growth: 1},
		Worker:          Worker{Concurrency: 10, Critical: 6, Default: 3, Low: 1},
		Loyalty:         defaultLoyalty(),
		LogLevel:        "info",
		LogFormat:       "text",
	}
}

// Load reads the SIYU_* variables through getenv on top of Default and
// validates the result. The error names the variable at fault.
func Load(getenv func(string) string) (Config, error) {
	c := Default()
	loadStrings(getenv, &c)
	errs := loadRuntime(getenv, &c)
	errs = append(errs, loadLoyalty(getenv, &c.Loyalty)...)
	errs = append(errs, loadSegments(getenv, &c.Segments)...)

	if err := c.validate(); err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(errs, "; "))
	}
	return c, nil
}

// loadStrings copies the SIYU_* text settings that are set into c.
func loadStrings(getenv func(string) string, c *Config) {
	str := func(name string, dst *string) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*dst = v
		}
	}
	str("SIYU_HTTP_ADDR", &c.HTTPAddr)
	str("SIYU_MYSQL_DSN", &c.MySQLDSN)
	str("SIYU_DATA_DIR", &c.DataDir)
	str("SIYU_REDIS_URL", &c.RedisURL)
	str("SIYU_REDIS_PREFIX", &c.RedisPrefix)
	str("SIYU_TIMEZONE", &c.Timezone)
	str("SIYU_HQ_TOKEN", &c.HQToken)
	str("SIYU_SESSION_SECRET", &c.SessionSecret)
	str("SIYU_PUBLIC_URL", &c.PublicURL)
	str("SIYU_METRICS_TOKEN", &c.MetricsToken)
	str("SIYU_METRICS_ADDR", &c.MetricsAddr)
	c.WeChat.AllowPlain = strings.TrimSpace(getenv("SIYU_WECHAT_ALLOW_PLAIN")) == "1"
	str("SIYU_MEMBER_POSTER_BG", &c.MemberPosterBG)
	str("SIYU_WECHAT_APPID", &c.WeChat.AppID)
	str("SIYU_WECHAT_SECRET", &c.WeChat.Secret)
	str("SIYU_WECHAT_TOKEN", &c.WeChat.Token)
	str("SIYU_WECHAT_AES_KEY", &c.WeChat.AESKey)
	str("SIYU_WECHAT_API_BASE", &c.WeChat.APIBase)
	str("SIYU_WECOM_CORPID", &c.WeCom.CorpID)
	str("SIYU_WECOM_TOKEN", &c.WeCom.Token)
	str("SIYU_WECOM_AES_KEY", &c.WeCom.AESKey)
	str("SIYU_WECOM_AGENT_ID", &c.WeCom.AgentID)
	str("SIYU_WECOM_AGENT_SECRET", &c.WeCom.AgentSecret)
	str("SIYU_WECOM_CONTACT_SECRET", &c.WeCom.ContactSecret)
	str("SIYU_WECOM_API_BASE", &c.WeCom.APIBase)
	str("SIYU_LOG_LEVEL", &c.LogLevel)
	str("SIYU_LOG_FORMAT", &c.LogFormat)
}

// loadRuntime reads the callback skew, check-in points and worker settings
// into c; it returns one message per variable that is set but unusable.
func loadRuntime(getenv func(string) string, c *Config) []string {
	var errs []string
	add := func(err error) {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	if v := strings.TrimSpace(getenv("SIYU_CALLBACK_MAX_SKEW")); v != "" {
		d, err := time.ParseDuration(v)
		if err == nil && d < 0 {
			err = fmt.Errorf("must not be negative")
		}
		if err != nil {
			add(fmt.Errorf("SIYU_CALLBACK_MAX_SKEW=%q: want a duration such as 5m or 0: %v", v, err))
		}
		c.CallbackMaxSkew = d
	}
	intVar := func(name string, dst *int64, min int64) {
		v := strings.TrimSpace(getenv(name))
		if v == "" {
			return
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < min {
			add(fmt.Errorf("%s=%q: want a whole number ≥ %d", name, v, min))
			return
		}
		*dst = n
	}
	intVar("SIYU_CHECKIN_BASE", &c.CheckIn.Base, 0)
	intVar("SIYU_CHECKIN_STREAK_STEP", &c.CheckIn.StreakStep, 0)
	intVar("SIYU_CHECKIN_STREAK_CAP", &c.CheckIn.StreakCap, 0)
	intVar("SIYU_CHECKIN_WEEK_BONUS", &c.CheckIn.WeekBonus, 0)
	intVar("SIYU_CHECKIN_GROWTH", &c.CheckIn.Growth, 0)
	var conc int64 = int64(c.Worker.Concurrency)
	intVar("SIYU_WORKER_CONCURRENCY", &conc, 1)
	c.Worker.Concurrency = int(conc)
	if v := strings.TrimSpace(getenv("SIYU_QUEUE_WEIGHTS")); v != "" {
		if err := c.Worker.parseWeights(v); err != nil {
			add(fmt.Errorf("SIYU_QUEUE_WEIGHTS=%q: %v", v, err))
		}
	}
	return errs
}

// validate checks values that were set but are not usable; it also fills
// Location from Timezone.
func (c *Config) validate() error {
	var errs []string
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		errs = append(errs, fmt.Sprintf("SIYU_TIMEZONE=%q: unknown time zone", c.Timezone))
	} else {
		c.Location = loc
	}
	if c.MySQLDSN != "" {
		if _, err := mysql.ParseDSN(c.MySQLDSN); err != nil {
			errs = append(errs, fmt.Sprintf("SIYU_MYSQL_DSN: not a valid DSN (%v); want e.g. root@tcp(127.0.0.1:3306)/siyu?parseTime=true&charset=utf8mb4&loc=UTC", err))
		}
	}
	if c.RedisURL != "" {
		if err := checkRedisURL(c.RedisURL); err != nil {
			errs = append(errs, "SIYU_REDIS_URL: "+err.Error())
		}
	}
	for name, key := range map[string]string{"SIYU_WECHAT_AES_KEY": c.WeChat.AESKey, "SIYU_WECOM_AES_KEY": c.WeCom.AESKey} {
		if key != "" {
			if err := checkAESKey(key); err != nil {
				errs = append(errs, name+": "+err.Error())
			}
		}
	}
	if c.WeChat.AESKey != "" && c.WeChat.AppID == "" {
		errs = append(errs, "SIYU_WECHAT_APPID: required when SIYU_WECHAT_AES_KEY is set (safe mode checks the AppID)")
	}
	if c.WeCom.AESKey != "" && c.WeCom.CorpID == "" {
		errs = append(errs, "SIYU_WECOM_CORPID: required when SIYU_WECOM_AES_KEY is set")
	}
	if c.WeCom.AgentSecret != "" {
		if _, err := strconv.Atoi(c.WeCom.AgentID); err != nil {
			errs = append(errs, fmt.Sprintf("SIYU_WECOM_AGENT_ID=%q: want the app's numeric AgentId (required with SIYU_WECOM_AGENT_SECRET)", c.WeCom.AgentID))
		}
	}
	if (c.WeCom.AgentSecret != "" || c.WeCom.ContactSecret != "") && c.WeCom.CorpID == "" {
		errs = append(errs, "SIYU_WECOM_CORPID: required with SIYU_WECOM_AGENT_SECRET or SIYU_WECOM_CONTACT_SECRET")
	}
	for name, base := range map[string]string{"SIYU_WECHAT_API_BASE": c.WeChat.APIBase, "SIYU_WECOM_API_BASE": c.WeCom.APIBase} {
		if base != "" {
			u, err := url.Parse(base)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				errs = append(errs, fmt.Sprintf("%s=%q: want an http(s) URL", name, base))
			}
		}
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Sprintf("SIYU_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Sprintf("SIYU_LOG_FORMAT=%q: want text or json", c.LogFormat))
	}
	if c.WeCom.AgentID != "" {
		if _, err := strconv.Atoi(c.WeCom.AgentID); err != nil {
			errs = append(errs, fmt.Sprintf("SIYU_WECOM_AGENT_ID=%q: want the app's numeric AgentId", c.WeCom.AgentID))
		}
	}
	if c.WeCom.AgentSecret != "" && c.WeCom.AgentID == "" {
		errs = append(errs, "SIYU_WECOM_AGENT_ID: required with SIYU_WECOM_AGENT_SECRET")
	}
	if (c.WeCom.AgentSecret != "" || c.WeCom.ContactSecret != "") && c.WeCom.CorpID == "" {
		errs = append(errs, "SIYU_WECOM_CORPID: required with the WeCom secrets")
	}
	if u, err := url.Parse(c.PublicURL); c.PublicURL != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "") {
		errs = append(errs, fmt.Sprintf("SIYU_PUBLIC_URL=%q: want an http(s) URL such as https://siyu.example.com", c.PublicURL))
	}
	if err := checkImage(c.MemberPosterBG); err != nil {
		errs = append(errs, fmt.Sprintf("SIYU_MEMBER_POSTER_BG=%q: %v", c.MemberPosterBG, err))
	}
	if c.SessionSecret != "" && len(c.SessionSecret) < 16 {
		errs = append(errs, "SIYU_SESSION_SECRET: use at least 16 characters")
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

// checkAESKey accepts a WeChat EncodingAESKey: 43 characters of base64 that
// decode to 32 bytes.
func checkAESKey(key string) error {
	if len(key) != 43 {
		return fmt.Errorf("must be 43 characters, got %d", len(key))
	}
	raw, err := base64.StdEncoding.DecodeString(key + "=")
	if err != nil || len(raw) != 32 {
		return fmt.Errorf("not a valid EncodingAESKey (43 base64 characters)")
	}
	return nil
}

// checkRedisURL accepts redis://, rediss:// or a comma-separated host:port
// list (Redis Cluster).
func checkRedisURL(v string) error {
	if strings.HasPrefix(v, "redis://") || strings.HasPrefix(v, "rediss://") {
		u, err := url.Parse(v)
		if err != nil || u.Host == "" {
			return fmt.Errorf("%q is not a valid redis:// URL", v)
		}
		if db := strings.TrimPrefix(u.Path, "/"); db != "" {
			if _, err := strconv.Atoi(db); err != nil {
				return fmt.Errorf("%q: database %q is not a number", v, db)
			}
		}
		return nil
	}
	for _, hp := range strings.Split(v, ",") {
		if _, port, ok := strings.Cut(strings.TrimSpace(hp), ":"); !ok || port == "" {
			return fmt.Errorf("%q: want redis://host:port/db or host:port,host:port for a cluster", v)
		}
	}
	return nil
}

// Embedded reports whether the database or the queue runs embedded.
func (c Config) Embedded() (db, queue bool) { return c.MySQLDSN == "", c.RedisURL == "" }

// parseWeights reads "critical:6,default:3,low:1"; queues left out keep
// their weight. Each weight is 1..100.
func (w *Worker) parseWeights(v string) error {
	for _, part := range strings.Split(v, ",") {
		name, num, ok := strings.Cut(strings.TrimSpace(part), ":")
		n, err := strconv.Atoi(strings.TrimSpace(num))
		if !ok || err != nil || n < 1 || n > 100 {
			return fmt.Errorf("want queue:weight pairs such as critical:6,default:3,low:1 with weights 1..100")
		}
		switch strings.TrimSpace(name) {
		case "critical":
			w.Critical = n
		case "default":
			w.Default = n
		case "low":
			w.Low = n
		default:
			return fmt.Errorf("unknown queue %q (critical, default or low)", name)
		}
	}
	return nil
}
