package bot

import "testing"

func TestParseText(t *testing.T) {
	for in, want := range map[string]command{
		"签到": cmdCheckIn, " 签到\n": cmdCheckIn, "CheckIn": cmdCheckIn, "CHECKIN": cmdCheckIn, "打卡": cmdCheckIn,
		"积分": cmdPoints, "Points": cmdPoints,
		"帮助": cmdHelp, "HELP": cmdHelp, "?": cmdHelp, "？": cmdHelp,
		"签到吧": cmdNone, "": cmdNone, "你好": cmdNone,
	} {
		if got := parseText(in); got != want {
			t.Errorf("parseText(%q) = %v, want %v", in, got, want)
		}
	}
}
