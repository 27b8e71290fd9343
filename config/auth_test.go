package config

import "testing"

func TestAuthSettings(t *testing.T) {
	env := map[string]string{"SIYU_METRICS_TOKEN": " m-token ", "SIYU_METRICS_ADDR": "127.0.0.1:9100", "SIYU_WECHAT_ALLOW_PLAIN": "1"}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsToken != "m-token" || c.MetricsAddr != "127.0.0.1:9100" || !c.WeChat.AllowPlain {
		t.Errorf("Load = token %q addr %q allow plain %v", c.MetricsToken, c.MetricsAddr, c.WeChat.AllowPlain)
	}
	c, _ = Load(func(string) string { return "" })
	if c.WeChat.AllowPlain || c.MetricsToken != "" || c.MetricsAddr != "" {
		t.Errorf("defaults = %+v, want plaintext refused and no metrics token or listener", c)
	}
}
