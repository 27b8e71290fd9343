package wx

import "testing"

func TestRegistryRewrite(t *testing.T) {
	r := &baseRegistry{byApp: map[string]string{}}
	r.byApp["oa:wxA"] = "http://a.test"
	r.byApp["wecom:wwA"] = "http://a.test/wecom"
	r.latestOA, r.latestWC = "http://latest.test", "http://latest.test/wc"
	tests := []struct{ in, want string }{
		{WeChatHost + "/cgi-bin/token?grant_type=client_credential&appid=wxA&secret=s",
			"http://a.test/cgi-bin/token?grant_type=client_credential&appid=wxA&secret=s"},
		{WeChatHost + "/cgi-bin/token?appid=wxOther&secret=s", "http://latest.test/cgi-bin/token?appid=wxOther&secret=s"},
		{WeComHost + "/cgi-bin/gettoken?corpid=wwA&corpsecret=s", "http://a.test/wecom/cgi-bin/gettoken?corpid=wwA&corpsecret=s"},
		{WeComHost + "/cgi-bin/message/send?access_token=t", "http://latest.test/wc/cgi-bin/message/send?access_token=t"},
		{"https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=x", "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=x"},
		{"https://api.weixin.qq.com.evil.test/x", "https://api.weixin.qq.com.evil.test/x"},
	}
	for _, tt := range tests {
		if got := r.rewrite(tt.in); got != tt.want {
			t.Errorf("rewrite(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
