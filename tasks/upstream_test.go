package tasks_test

import (
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/wx"
)

// TestUpstreamErrors: whatever WeCom answers on the way — concurrency and
// quota limits, rejected tokens, system busy, calls that hang past the
// timeout — the worker retries until the add takes full effect, once: one
// member, one relation, the tags marked once, one welcome.
func TestUpstreamErrors(t *testing.T) {
	cases := []struct {
		name   string
		inject func(e *env)
		// calls each path must have received in total (failures included)
		want map[string]int
	}{
		{"45033 on mark_tag", func(e *env) { e.up.FailNext(pathMarkTag, 2, wx.CodeConcurrencyLimit) },
			map[string]int{pathMarkTag: 3, pathWelcome: 1}},
		{"45009 on mark_tag", func(e *env) { e.up.FailNext(pathMarkTag, 1, wx.CodeQuotaExceeded) },
			map[string]int{pathMarkTag: 2, pathWelcome: 1}},
		{"40001 on get", func(e *env) { e.up.FailNext(pathGet, 3, wx.CodeInvalidCredential) },
			map[string]int{pathMarkTag: 1, pathWelcome: 1}},
		{"system busy on welcome", func(e *env) { e.up.FailNext(pathWelcome, 1, wx.CodeSystemBusy) },
			map[string]int{pathMarkTag: 1, pathWelcome: 2}},
		{"timeouts", func(e *env) {
			e.up.Hang(pathGet, 10*time.Second)
			e.up.Hang(pathMarkTag, 10*time.Second)
			go func() { // stop hanging once each has timed out once
				for e.up.CallCount(pathGet) == 0 || e.up.CallCount(pathMarkTag) == 0 {
					if e.up.CallCount(pathGet) > 0 {
						e.up.Hang(pathGet, 0)
					}
					time.Sleep(10 * time.Millisecond)
				}
				e.up.Hang(pathMarkTag, 0)
			}()
		}, map[string]int{pathWelcome: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *wx.Config) { c.HTTPTimeout = 300 * time.Millisecond })
			e.scene("s1", []string{"渠道:企微"}, "")
			e.up.SetExternalContact(wx.ExternalContact{ExternalUserID: "wm_x", Type: 1, FollowUsers: []wx.FollowUser{{UserID: "g01"}}})
			tc.inject(e)
			e.deliver(e.add("g01", "wm_x", "s1", "W-"+tc.name))
			e.start()
			c := e.idle()
			if c.Archived != 0 {
				t.Errorf("archived tasks = %d, want every task to succeed in the end", c.Archived)
			}
			for path, n := range tc.want {
				if got := e.up.CallCount(path); got != n {
					t.Errorf("%s calls = %d, want %d", path, got, n)
				}
			}
			m := e.member("wm_x")
			if strings.Join(m.Tags, ",") != "渠道:企微" {
				t.Errorf("member tags = %v", m.Tags)
			}
			if got := e.tagNames("g01", "wm_x"); strings.Join(got, ",") != "渠道:企微" {
				t.Errorf("WeCom tags = %v, want the scene tag once", got)
			}
			for table, want := range map[any]int64{&model.Member{}: 1, &model.GuideRelation{}: 1, &model.MemberEvent{}: 1} {
				if n := e.count(table); n != want {
					t.Errorf("%T rows = %d, want %d", table, n, want)
				}
			}
		})
	}
}

// TestPermanentUpstreamError: an error retrying cannot fix (an unknown
// contact) is not retried.
func TestPermanentUpstreamError(t *testing.T) {
	e := newEnv(t)
	e.up.FailNext(pathGet, 5, 84061) // not an external contact of any member
	e.deliver(e.add("g01", "wm_gone", "", ""))
	e.start()
	c := e.idle()
	if n := e.up.CallCount(pathGet); n != 1 || c.Archived != 1 {
		t.Errorf("get calls = %d, archived = %d; want one call and the task archived", n, c.Archived)
	}
}
