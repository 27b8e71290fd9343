package bot

import "testing"

func TestParseText(t *testing.T) {
	for _, tc := range []struct {
		in   string
		cmd  command
		want string
	}{
		{" 签到 ", cmdCheckIn, ""},
		{"CheckIn", cmdCheckIn, ""},
		{"兑换", cmdMall, ""},
		{"积分商城", cmdMall, ""},
		{"兑换 12", cmdRedeem, "12"},
		{"兑换12", cmdRedeem, "12"},
		{"兑换 #3", cmdRedeem, "3"},
		{"REDEEM ＃7", cmdRedeem, "7"},
		{"兑换 咖啡", cmdNone, ""},
		{"兑换 3 个", cmdNone, ""},
		{"等级", cmdLevel, ""},
		{"Level", cmdLevel, ""},
		{"我的券", cmdCoupons, ""},
		{"积分明细", cmdHistory, ""},
		{"邀请", cmdInvite, ""},
		{"你好", cmdNone, ""},
	} {
		cmd, arg := parseText(tc.in)
		if cmd != tc.cmd || arg != tc.want {
			t.Errorf("parseText(%q) = %v %q, want %v %q", tc.in, cmd, arg, tc.cmd, tc.want)
		}
	}
}

func TestClip(t *testing.T) {
	long := make([]rune, 700)
	for i := range long {
		long[i] = '积'
	}
	if got := []rune(clip(string(long))); len(got) != maxReply || got[len(got)-1] != '…' {
		t.Errorf("clip kept %d characters, want %d ending in …", len(got), maxReply)
	}
	if clip("短") != "短" {
		t.Error("clip changed a short reply")
	}
}
