package loyalty_test

import (
	"testing"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
)

// TestMergedMemberTakesNoCredit: once a unionid merge retired a member, a
// credit that looked it up just before is refused (the retry finds the
// survivor), so no points are stranded on the merged-away row. The race
// itself, credits running while the merge commits, is
// tagging.TestMergeRacesCredits.
func TestMergedMemberTakesNoCredit(t *testing.T) {
	e := newEnv(t)
	survivor, loser := model.Member{Level: "普通"}, model.Member{Level: "普通"}
	for _, m := range []*model.Member{&survivor, &loser} {
		if err := e.db.Create(m).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := e.db.Model(&model.Member{}).Where("id = ?", loser.ID).Update("merged_into", survivor.ID).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.CheckIn(e.ctx, loser.ID); model.ErrorCode(err) != model.ECONFLICT {
		t.Errorf("check-in of a merged member = %v, want a conflict", err)
	}
	if _, err := e.s.Post(e.ctx, loyalty.Entry{MemberID: loser.ID, Delta: 5, Kind: model.PointsAdjust, IdemKey: "adj:merged"}); model.ErrorCode(err) != model.ECONFLICT {
		t.Errorf("credit to a merged member = %v, want a conflict", err)
	}
	if n := countRows(t, e, &model.PointsEntry{}); n != 0 {
		t.Errorf("ledger entries = %d, want 0", n)
	}
}

// TestReevaluateLevel: growth brought in by a merge lifts the level.
func TestReevaluateLevel(t *testing.T) {
	e := newEnv(t)
	m := model.Member{Level: "普通"}
	if err := e.db.Create(&m).Error; err != nil {
		t.Fatal(err)
	}
	// As a merge does: growth moves in through the ledger, level untouched.
	if err := e.db.Create(&model.PointsEntry{MemberID: m.ID, Delta: 0, GrowthDelta: 600, Kind: model.PointsMerge, IdemKey: "merge-growth"}).Error; err != nil {
		t.Fatal(err)
	}
	if err := e.db.Model(&model.Member{}).Where("id = ?", m.ID).Update("growth", 600).Error; err != nil {
		t.Fatal(err)
	}
	up, err := e.s.ReevaluateLevel(e.ctx, m.ID)
	if err != nil || up == nil {
		t.Fatalf("ReevaluateLevel = %+v, %v; want an upgrade", up, err)
	}
	if got := e.get(m.ID); got.Level != "银卡" {
		t.Errorf("level = %q, want 银卡 at 600 growth", got.Level)
	}
	if up, err := e.s.ReevaluateLevel(e.ctx, m.ID); err != nil || up != nil {
		t.Errorf("again = %+v, %v; want no change", up, err)
	}
}

func countRows(t *testing.T, e *env, table any) int64 {
	t.Helper()
	var n int64
	if err := e.db.Model(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
