package config

import (
	"strings"
	"testing"
)

func TestLoyaltyDefaults(t *testing.T) {
	c, err := Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	l := c.Loyalty
	if l.Expiry != "year_end" || l.RemindDays != 30 || l.Review != "monthly" || l.ReviewMonths != 12 || len(l.Earn) != 0 || l.Levels != nil {
		t.Errorf("defaults = %+v", l)
	}
}

func TestLoyaltyVariables(t *testing.T) {
	env := map[string]string{
		"SIYU_EARN_SHARE":                "5,1,15/day",
		"SIYU_EARN_ORDER":                "1.5,1",
		"SIYU_EARN_FOLLOW":               "30",
		"SIYU_LEVELS":                    "普通:0,银卡:500:250:1.2,金卡:2000",
		"SIYU_POINTS_EXPIRY":             "rolling:365d",
		"SIYU_POINTS_EXPIRY_REMIND_DAYS": "14",
		"SIYU_LEVEL_REVIEW":              "quarterly",
		"SIYU_LEVEL_REVIEW_MONTHS":       "6",
	}
	c, err := Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	l := c.Loyalty
	if r := l.Earn["share"]; r.Points != 5 || r.Growth != 1 || r.CapPoints != 15 || r.CapPeriod != "day" {
		t.Errorf("share = %+v", r)
	}
	if r := l.Earn["order"]; r.Points != 1.5 || r.Growth != 1 {
		t.Errorf("order = %+v", r)
	}
	if r := l.Earn["follow"]; r.Points != 30 || r.Growth != 0 {
		t.Errorf("follow = %+v", r)
	}
	if len(l.Levels) != 3 || l.Levels[1] != (LevelDef{"银卡", 500, 250, 1.2}) || l.Levels[2] != (LevelDef{"金卡", 2000, 0, 1}) {
		t.Errorf("levels = %+v", l.Levels)
	}
	if l.Expiry != "rolling" || l.ExpiryDays != 365 || l.RemindDays != 14 || l.Review != "quarterly" || l.ReviewMonths != 6 {
		t.Errorf("loyalty = %+v", l)
	}
}

func TestLoyaltyVariablesRefused(t *testing.T) {
	for _, tc := range []struct{ name, value string }{
		{"SIYU_EARN_SHARE", "5,1,15/year"},
		{"SIYU_EARN_SHARE", "1.5"},
		{"SIYU_EARN_SHARE", "a,b"},
		{"SIYU_EARN_ORDER", "1000"},
		{"SIYU_LEVELS", "银卡:500"},
		{"SIYU_LEVELS", "普通:0,普卡:0"},
		{"SIYU_LEVELS", "普通:0,银卡:500,银卡:600"},
		{"SIYU_LEVELS", "普通:0,银卡:500,金卡:500"},
		{"SIYU_LEVELS", "普通:0,银卡:500:600"},
		{"SIYU_LEVELS", "普通:0,银卡:500:250:0.5"},
		{"SIYU_POINTS_EXPIRY", "rolling:365"},
		{"SIYU_POINTS_EXPIRY", "forever"},
		{"SIYU_POINTS_EXPIRY_REMIND_DAYS", "0"},
		{"SIYU_LEVEL_REVIEW", "weekly"},
		{"SIYU_LEVEL_REVIEW_MONTHS", "x"},
	} {
		t.Run(tc.name+"="+tc.value, func(t *testing.T) {
			_, err := Load(func(k string) string {
				if k == tc.name {
					return tc.value
				}
				return ""
			})
			if err == nil || !strings.Contains(err.Error(), tc.name) {
				t.Errorf("Load = %v, want an error naming %s", err, tc.name)
			}
		})
	}
}
