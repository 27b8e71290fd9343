package config

import (
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":8080" || c.DataDir != "./data" || c.Timezone != "Asia/Shanghai" || c.CallbackMaxSkew != 5*time.Minute {
		t.Errorf("defaults = %+v", c)
	}
	if db, q := c.Embedded(); !db || !q {
		t.Errorf("Embedded() = %v, %v; want both embedded", db, q)
	}
}

func TestValidValues(t *testing.T) {
	c, err := Load(env(map[string]string{
		"SIYU_MYSQL_DSN":         "root@tcp(127.0.0.1:3306)/siyu?parseTime=true",
		"SIYU_REDIS_URL":         "redis://127.0.0.1:6379/2",
		"SIYU_CALLBACK_MAX_SKEW": "0",
		"SIYU_TIMEZONE":          "UTC",
		"SIYU_WECHAT_APPID":      "wx1",
		"SIYU_WECHAT_AES_KEY":    "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
		"SIYU_CHECKIN_BASE":      "10",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.CallbackMaxSkew != 0 || c.Location.String() != "UTC" || c.CheckIn.Base != 10 {
		t.Errorf("config = %+v", c)
	}
	if c, err := Load(env(map[string]string{"SIYU_QUEUE_WEIGHTS": "critical:10, low:2"})); err != nil || c.Worker.Critical != 10 || c.Worker.Default != 3 || c.Worker.Low != 2 {
		t.Errorf("SIYU_QUEUE_WEIGHTS = %+v, %v; want 10/3/2", c.Worker, err)
	}
	if _, err := Load(env(map[string]string{"SIYU_REDIS_URL": "10.0.0.1:7000,10.0.0.2:7000"})); err != nil {
		t.Errorf("cluster list refused: %v", err)
	}
}

// TestInvalidValuesNameTheVariable: a set but unusable value stops the start
// with a message naming the variable.
func TestInvalidValuesNameTheVariable(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"SIYU_MYSQL_DSN", "not a dsn"},
		{"SIYU_REDIS_URL", "redis://"},
		{"SIYU_REDIS_URL", "redis://host:6379/abc"},
		{"SIYU_REDIS_URL", "justahost"},
		{"SIYU_TIMEZONE", "Mars/Olympus"},
		{"SIYU_CALLBACK_MAX_SKEW", "five minutes"},
		{"SIYU_CALLBACK_MAX_SKEW", "-1m"},
		{"SIYU_WECHAT_AES_KEY", "tooshort"},
		{"SIYU_WECOM_AES_KEY", strings.Repeat("!", 43)},
		{"SIYU_WECHAT_API_BASE", "ftp://x"},
		{"SIYU_CHECKIN_BASE", "-3"},
		{"SIYU_WORKER_CONCURRENCY", "0"},
		{"SIYU_SESSION_SECRET", "short"},
		{"SIYU_PUBLIC_URL", "siyu.example.com"},
		{"SIYU_PUBLIC_URL", "ftp://siyu.example.com"},
		{"SIYU_LOG_LEVEL", "loud"},
		{"SIYU_QUEUE_WEIGHTS", "critical:0"},
		{"SIYU_QUEUE_WEIGHTS", "urgent:5"},
		{"SIYU_QUEUE_WEIGHTS", "critical=6"},
	} {
		e := map[string]string{tc.name: tc.value, "SIYU_WECHAT_APPID": "wx1", "SIYU_WECOM_CORPID": "ww1"}
		_, err := Load(env(e))
		if err == nil || !strings.Contains(err.Error(), tc.name) {
			t.Errorf("%s=%q: error %v, want one naming %s", tc.name, tc.value, err, tc.name)
		}
	}
	if _, err := Load(env(map[string]string{"SIYU_WECHAT_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"})); err == nil || !strings.Contains(err.Error(), "SIYU_WECHAT_APPID") {
		t.Errorf("AES key without AppID: %v, want an error naming SIYU_WECHAT_APPID", err)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SIYU_WECOM_CORPID": "ww1", "SIYU_WECOM_AGENT_SECRET": "s", "SIYU_WECOM_AGENT_ID": "app"}, "SIYU_WECOM_AGENT_ID"},
		{map[string]string{"SIYU_WECOM_CORPID": "ww1", "SIYU_WECOM_AGENT_SECRET": "s"}, "SIYU_WECOM_AGENT_ID"},
		{map[string]string{"SIYU_WECOM_CONTACT_SECRET": "s"}, "SIYU_WECOM_CORPID"},
	} {
		if _, err := Load(env(tc.env)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error naming %s", tc.env, err, tc.want)
		}
	}
	if _, err := Load(env(map[string]string{"SIYU_WECOM_CORPID": "ww1", "SIYU_WECOM_CONTACT_SECRET": "s"})); err != nil {
		t.Errorf("contact secret alone: %v, want it accepted", err)
	}
}

func TestSegmentVariables(t *testing.T) {
	tests := []struct {
		env     map[string]string
		wantErr string
	}{
		{map[string]string{"SIYU_LIFECYCLE_DAYS": "7,30,60,90"}, ""},
		{map[string]string{"SIYU_LIFECYCLE_DAYS": "7,30,20,90"}, "SIYU_LIFECYCLE_DAYS"},
		{map[string]string{"SIYU_ACTIVITY_WEIGHTS": "light=1,medium=2,core=4"}, ""},
		{map[string]string{"SIYU_ACTIVITY_WEIGHTS": "heavy=9"}, "SIYU_ACTIVITY_WEIGHTS"},
		{map[string]string{"SIYU_RFM_FREQUENT_ORDERS": "0"}, "SIYU_RFM_FREQUENT_ORDERS"},
		{map[string]string{"SIYU_RFM_MONETARY_FEN": "-1"}, "SIYU_RFM_MONETARY_FEN"},
		{map[string]string{"SIYU_ACTIVITY_HALF_LIFE_DAYS": "0"}, "SIYU_ACTIVITY_HALF_LIFE_DAYS"},
	}
	for _, tt := range tests {
		_, err := Load(func(k string) string { return tt.env[k] })
		if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("Load(%v) = %v, want error naming %q", tt.env, err, tt.wantErr)
		}
	}
}
