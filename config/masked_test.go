package config

import (
	"strings"
	"testing"
)

// TestMaskedHidesSecrets: no secret's characters appear in the listing,
// while plain settings and whether a secret is set stay visible.
func TestMaskedHidesSecrets(t *testing.T) {
	c := Default()
	c.MySQLDSN = "siyu:dbpass123@tcp(db:3306)/siyu"
	c.RedisURL = "redis://:redispass456@cache:6379/0"
	c.HQToken, c.SessionSecret, c.MetricsToken = "hqtoken789", "sess-secret", "metrics-tok"
	c.WeChat.AppID, c.WeChat.Secret, c.WeChat.AESKey = "wxapp1", "wxsecret", "aeskey"
	c.WeCom.AgentSecret = "agentsecret"
	var all strings.Builder
	byName := map[string]Setting{}
	for _, s := range c.Masked() {
		all.WriteString(s.Name + "=" + s.Value + "\n")
		byName[s.Name] = s
	}
	for _, secret := range []string{"dbpass123", "redispass456", "hqtoken789", "sess-secret", "metrics-tok", "wxsecret", "aeskey", "agentsecret"} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("masked config shows %q:\n%s", secret, all.String())
		}
	}
	if byName["SIYU_WECHAT_APPID"].Value != "wxapp1" || byName["SIYU_HQ_TOKEN"].Value != "******" || !byName["SIYU_HQ_TOKEN"].Secret {
		t.Errorf("settings = %+v", byName)
	}
	if v := byName["SIYU_MYSQL_DSN"].Value; !strings.HasPrefix(v, "siyu:******@tcp(db:3306)") {
		t.Errorf("DSN shown as %q", v)
	}
	if byName["SIYU_WECOM_CONTACT_SECRET"].Value != "" {
		t.Errorf("an unset secret shows %q, want empty", byName["SIYU_WECOM_CONTACT_SECRET"].Value)
	}
}
