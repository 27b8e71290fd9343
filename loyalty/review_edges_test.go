package loyalty_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
)

// growth posts growth (no points) to the member at the clock's now; growth
// that crosses a threshold upgrades at once.
func (e *env) growth(memberID, g int64) {
	e.t.Helper()
	adjustSeq++
	if _, err := e.s.Post(e.ctx, loyalty.Entry{MemberID: memberID, Growth: g, Kind: model.PointsAdjust,
		IdemKey: fmt.Sprintf("g%d-%d", memberID, adjustSeq)}); err != nil {
		e.t.Fatalf("growth %d to member %d: %v", g, memberID, err)
	}
}

// TestReviewEdges: with the default levels (keep thresholds 银卡 250,
// 金卡 1000), the review keeps a member whose growth over the last twelve
// months reaches the keep threshold exactly, moves one below it down to the
// highest level whose keep threshold it meets (an intermediate one for a
// 金卡 member), and counts growth earned exactly twelve months ago.
func TestReviewEdges(t *testing.T) {
	e := newEnv(t)
	start := e.clk.Now()
	keep, drop, gold, edge := e.member(0), e.member(0), e.member(0), e.member(0)
	for _, m := range []int64{keep, drop, edge} {
		e.growth(m, 500) // 银卡
	}
	e.growth(gold, 2000) // 金卡
	if got := e.get(gold).Level; got != "金卡" {
		t.Fatalf("level = %s, want 金卡", got)
	}
	recent := start.AddDate(1, 1, 0) // thirteen months on: the first growth is outside the window
	e.clk.Set(recent)
	e.growth(edge, 250)
	e.clk.Add(24 * time.Hour)
	e.growth(keep, 250)
	e.growth(drop, 249)
	e.growth(gold, 600)
	review := recent.AddDate(1, 0, 0) // edge's 250 were earned exactly twelve months before
	e.clk.Set(review)
	if _, err := e.s.ReviewLevels(e.ctx, "edge-1"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id     int64
		name   string
		level  string
		growth int64
	}{
		{keep, "at the keep threshold", "银卡", 500 + 250},
		{drop, "one below it", "普通", 0},
		{gold, "金卡 with 600", "银卡", 500},
		{edge, "growth exactly twelve months old", "银卡", 500 + 250},
	} {
		if got := e.get(tc.id); got.Level != tc.level || got.Growth != tc.growth {
			t.Errorf("%s: %s with %d growth, want %s with %d", tc.name, got.Level, got.Growth, tc.level, tc.growth)
		}
	}
	// A second later the edge's growth is out of the window.
	e.clk.Add(time.Second)
	if _, err := e.s.ReviewLevels(e.ctx, "edge-2"); err != nil {
		t.Fatal(err)
	}
	if got := e.get(edge); got.Level != "普通" {
		t.Errorf("a second past the window: %s, want 普通", got.Level)
	}
}

// TestOrderDuringReview: an order that lifts the member's recent growth to
// the keep threshold commits while the review waits for the member's row;
// the review must judge the member by the growth it finds once it holds
// the row, and keep the level.
func TestOrderDuringReview(t *testing.T) {
	if !modeltest.UsingMySQL() {
		t.Skip("waits for a row lock on MySQL (CI sets TEST_MYSQL_DSN)")
	}
	e := newEnv(t)
	m := e.member(0)
	e.growth(m, 500)
	e.clk.Add(400 * 24 * time.Hour)
	tx := e.db.Begin()
	defer tx.Rollback()
	if err := tx.Exec("SELECT id FROM members WHERE id = ? FOR UPDATE", m).Error; err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := e.s.ReviewLevels(e.ctx, "during")
		done <- err
	}()
	// Wait until the review waits for the row (a lock wait on this test's
	// database), so the order commits after the review read the member.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int64
		if err := e.db.Raw(`SELECT COUNT(*) FROM information_schema.INNODB_TRX t
			JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
			WHERE t.trx_state = 'LOCK WAIT' AND p.DB = DATABASE()`).Scan(&waiting).Error; err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("the review finished (%v) without waiting for the member's row", err)
		default:
		}
		if time.Now().After(deadline) {
			// A loaded server: go on; the review reads the growth after
			// this commit at the latest.
			t.Log("no lock wait seen in 30 s; committing the order anyway")
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The order's growth, as the order path writes it, committed first.
	stamp := e.clk.Now().UTC()
	if err := tx.Create(&model.PointsEntry{MemberID: m, GrowthDelta: 300, Kind: model.PointsOrder, IdemKey: "order:during", CreatedAt: stamp}).Error; err != nil {
		t.Fatal(err)
	}
	if err := tx.Exec("UPDATE members SET growth = growth + 300 WHERE id = ?", m).Error; err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := e.get(m); got.Level != "银卡" || got.Growth != 800 {
		t.Errorf("after the review: %s with %d growth, want 银卡 kept with 800", got.Level, got.Growth)
	}
}
