package segments_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tagging"
)

func TestTargetFilter(t *testing.T) {
	db := modeltest.NewDB(t)
	st := store.New(db)
	s, tagger := segments.New(st, nil), tagging.New(st, nil)
	ctx := context.Background()
	old := time.Now().Add(-60 * 24 * time.Hour)
	recent := time.Now().Add(-24 * time.Hour)
	// Scores are stored as log2 at the epoch; the last done run's offset
	// scales them to its day.
	const offset = 123.25
	if err := db.Create(&model.SegmentRun{Key: "t", Kind: model.SegmentRunFull, State: model.SegmentRunDone, InputsAt: &recent, ScoreOffset: offset}).Error; err != nil {
		t.Fatal(err)
	}
	mk := func(level, store, lifecycle, rfm string, score float64, active time.Time, tags ...string) int64 {
		l2 := math.Log2(score) + offset
		m := model.Member{Level: level, StoreCode: store, Lifecycle: lifecycle, RFMSegment: rfm, ActivityLog2: &l2, LastActiveAt: &active, Subscribed: true}
		if err := db.Create(&m).Error; err != nil {
			t.Fatal(err)
		}
		if err := tagger.AddTags(ctx, m.ID, append([]string{"全员"}, tags...), model.TagSourceManual); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	mk("银卡", "sh001", "活跃", "最好会员", 80, recent, "VIP", "爱运动")
	mk("银卡", "sh001", "沉默", "一般会员", 10, old, "VIP")
	mk("金卡", "bj001", "睡眠", "重点维护会员", 30, old, "爱运动")
	mk("铜卡", "gz001", "流失", "一般会员", 19.996, old) // shown as 20.00: matches activity_min 20
	mk("铜卡", "gz001", "流失", "一般会员", 85.004, old) // shown as 85.00: matches activity_max 85
	merged := mk("金卡", "bj001", "活跃", "最好会员", 90, recent, "VIP")
	db.Model(&model.Member{}).Where("id = ?", merged).Update("merged_into", 1)

	f64 := func(v float64) *float64 { return &v }
	tm := func(v time.Time) *time.Time { return &v }
	for _, tc := range []struct {
		name string
		f    segments.TargetFilter
		want int64
	}{
		{"everyone (merged excluded)", segments.TargetFilter{}, 5},
		{"tags any", segments.TargetFilter{TagsAny: []string{"VIP", "爱运动"}}, 3},
		{"tags all", segments.TargetFilter{TagsAll: []string{"VIP", "爱运动"}}, 1},
		{"tags none", segments.TargetFilter{TagsNone: []string{"VIP"}}, 3},
		{"level and store", segments.TargetFilter{Levels: []string{"银卡"}, StoreCodes: []string{"sh001"}}, 2},
		{"lifecycle", segments.TargetFilter{Lifecycles: []string{"沉默", "睡眠"}}, 2},
		{"rfm", segments.TargetFilter{RFMSegments: []string{"最好会员"}}, 1},
		{"activity range", segments.TargetFilter{ActivityMin: f64(20), ActivityMax: f64(85)}, 4},
		{"activity above", segments.TargetFilter{ActivityMin: f64(20.01)}, 3},
		{"activity below", segments.TargetFilter{ActivityMax: f64(19.99)}, 1},
		{"activity at most 0", segments.TargetFilter{ActivityMax: f64(0)}, 0},
		{"inactive for a month", segments.TargetFilter{LastActiveBefore: tm(time.Now().Add(-30 * 24 * time.Hour))}, 4},
		{"active this week", segments.TargetFilter{LastActiveAfter: tm(time.Now().Add(-7 * 24 * time.Hour))}, 1},
	} {
		got, err := s.CountTargets(ctx, tc.f)
		if err != nil || got != tc.want {
			t.Errorf("%s: CountTargets = %d, %v; want %d", tc.name, got, err, tc.want)
		}
	}
	if _, err := s.CountTargets(ctx, segments.TargetFilter{ActivityMin: f64(5), ActivityMax: f64(1)}); model.ErrorCode(err) != model.EINVALID {
		t.Errorf("min > max: %v, want EINVALID", err)
	}
}
