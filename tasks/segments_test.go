package tasks_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/tasks"
)

const (
	pathBatchTag   = "/cgi-bin/tags/members/batchtagging"
	pathBatchUntag = "/cgi-bin/tags/members/batchuntagging"
)

// TestSegmentSync checks that a recompute syncs the segment tags of the
// members that changed, and only those, to Official Account user tags.
func TestSegmentSync(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.deps.Loyalty = e.loy
	saved := *tasks.SegmentSyncDelay
	*tasks.SegmentSyncDelay = 200 * time.Millisecond
	t.Cleanup(func() { *tasks.SegmentSyncDelay = saved })
	e.start()
	var ids []int64
	for i := range 3 {
		now := time.Now().UTC()
		m := model.Member{Subscribed: true, LastActiveAt: &now, CreatedAt: now.Add(-100 * 24 * time.Hour)}
		e.must(e.db.Create(&m).Error)
		e.must(e.db.Create(&model.Identity{MemberID: m.ID, Platform: model.PlatformOA, AppID: "wx", ExternalID: fmt.Sprintf("o_seg_%d", i)}).Error)
		ids = append(ids, m.ID)
	}
	e.must(tasks.EnqueueRecomputeSegments(ctx, e.enq, "run1"))
	e.drained() // sync tasks are scheduled a moment after their batch commits
	active := e.up.Calls(pathBatchTag)
	if len(active) != 2 { // 生命周期:活跃 and RFM:无消费会员, all three openids each
		t.Fatalf("batchtagging calls = %d, want 2", len(active))
	}
	for _, c := range active {
		if !strings.Contains(string(c.Body), "o_seg_0") || !strings.Contains(string(c.Body), "o_seg_2") {
			t.Errorf("batchtagging %s: want all three openids", c.Body)
		}
	}

	// Nothing changed: a second run queues no sync task and calls nothing.
	e.must(tasks.EnqueueRecomputeSegments(ctx, e.enq, "run2"))
	e.drained()
	if n := e.up.CallCount(pathBatchTag) + e.up.CallCount(pathBatchUntag); n != 2 {
		t.Errorf("after an unchanged run: %d tag calls, want still 2", n)
	}

	// One member goes silent: only that openid moves between tags.
	old := time.Now().Add(-45 * 24 * time.Hour).UTC()
	e.must(e.db.Model(&model.Member{}).Where("id = ?", ids[1]).Update("last_active_at", old).Error)
	e.must(tasks.EnqueueRecomputeSegments(ctx, e.enq, "run3"))
	e.drained()
	calls := append(e.up.Calls(pathBatchTag)[2:], e.up.Calls(pathBatchUntag)...)
	if len(calls) != 2 {
		t.Fatalf("after one change: %d new tag calls, want 2 (untag 活跃, tag 沉默)", len(calls))
	}
	for _, c := range calls {
		if !strings.Contains(string(c.Body), "o_seg_1") || strings.Contains(string(c.Body), "o_seg_0") {
			t.Errorf("call %s %s: want only o_seg_1", c.Path, c.Body)
		}
	}
	if got, _ := e.segments.SegmentTags(ctx, ids[1]); !strings.Contains(fmt.Sprint(got), segments.LifecycleTag(segments.LifecycleSilent)) {
		t.Errorf("member tags = %v, want 沉默", got)
	}
}
