package segments_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/model/modeltest"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/store"
)

// simDB is one database of the simulation with its segments service on
// the simulated clock.
type simDB struct {
	db   *gorm.DB
	segs *segments.Service
}

// TestIncrementalMatchesFull drives 60 simulated days of mixed activity
// (orders, back-dated orders, refunds, check-ins, behaviour, clicks and
// messages, follows and unfollows, guide relations, redemptions, merges,
// new members) into two databases alike. One runs the daily incremental
// run (some days skipped, so two days of boundaries cross at once), the
// other a full recompute every day; after each day's runs both hold the
// same segment values and segment tags, row by row.
func TestIncrementalMatchesFull(t *testing.T) {
	ctx := context.Background()
	loc := time.FixedZone("CST", 8*3600)
	// The first run at 03:00 business time; stamps in UTC, as the services
	// write them (SQLite compares times as text).
	base := time.Date(2026, 3, 2, 3, 0, 0, 0, loc).UTC()
	var clock time.Time
	now := func() time.Time { return clock }
	mk := func() simDB {
		db := modeltest.NewDB(t)
		return simDB{db: db, segs: segments.New(store.New(db), now)}
	}
	inc, full := mk(), mk()
	// Order values close together, so the average-based M threshold moves
	// across members' averages as the window slides.
	rules := segments.SegmentRules{Location: loc, BatchSize: 40}
	for _, d := range []simDB{inc, full} {
		seedHistory(t, d.db, base)
	}
	touched, total := int64(0), int64(0)
	for day := 0; day < 60; day++ {
		clock = base.AddDate(0, 0, day)
		skip := day%11 == 5 // the incremental database misses this day's run
		if !skip {
			res, err := inc.segs.Recompute(ctx, rules, model.SegmentRunIncremental, nil)
			if err != nil {
				t.Fatalf("day %d incremental: %v", day, err)
			}
			if day > 0 && res.Kind != model.SegmentRunIncremental {
				t.Fatalf("day %d: ran %s, want incremental", day, res.Kind)
			}
			if day > 0 {
				touched += res.Members
			}
		}
		fres, err := full.segs.Recompute(ctx, rules, model.SegmentRunFull, nil)
		if err != nil {
			t.Fatalf("day %d full: %v", day, err)
		}
		if day > 0 {
			total += fres.Members
		}
		if !skip {
			compareSegments(t, day, inc.db, full.db)
		}
		// The day's activity, the same in both databases.
		for _, d := range []simDB{inc, full} {
			simulateDay(t, d.db, rand.New(rand.NewPCG(uint64(day), 42)), clock)
		}
	}
	// The average-based M threshold came into force anew on some days (and
	// the members near it were re-scored), and held on others.
	var thresholds int64
	must(t, inc.db.Model(&model.SegmentRun{}).Distinct("threshold_fen").Count(&thresholds).Error)
	if thresholds < 2 || thresholds > 40 {
		t.Errorf("%d distinct M thresholds over 55 runs: want it to move sometimes, not every day", thresholds)
	}
	if touched == 0 || touched*2 > total {
		t.Errorf("incremental runs computed %d members over the days, full runs %d: want some, and well under half", touched, total)
	}
}

// seedHistory creates 60 members who joined over the last 200 days, with
// orders, check-ins and behaviour over the last 100.
func seedHistory(t *testing.T, db *gorm.DB, now time.Time) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 60 {
		created := now.Add(-time.Duration(rng.IntN(200*24)+1) * time.Hour)
		m := model.Member{Subscribed: rng.IntN(8) > 0, CreatedAt: created, UpdatedAt: created}
		if rng.IntN(4) > 0 {
			at := now.Add(-time.Duration(rng.IntN(120*24)+1) * time.Hour)
			m.LastActiveAt = &at
		}
		must(t, db.Create(&m).Error)
		for j := range rng.IntN(10) {
			paid := now.Add(-time.Duration(rng.IntN(100*24)+1) * time.Hour)
			must(t, db.Create(&model.Order{OrderNo: fmt.Sprintf("H%d-%d", i, j), MemberID: m.ID, AmountFen: 9000 + rng.Int64N(2000),
				PaidAt: paid, Status: model.OrderPaid, CreatedAt: paid, UpdatedAt: paid}).Error)
		}
		if rng.IntN(3) == 0 {
			at := now.Add(-time.Duration(rng.IntN(100*24)+1) * time.Hour)
			must(t, db.Create(&model.BehaviorEvent{EventID: fmt.Sprintf("H%d", i), MemberID: m.ID, Kind: "read", Class: model.WeightLight,
				OccurredAt: at, CreatedAt: at}).Error)
		}
	}
}

// simulateDay writes about a dozen things that happen to members between
// this run (at clock) and the next, stamped with the simulated time.
func simulateDay(t *testing.T, db *gorm.DB, rng *rand.Rand, clock time.Time) {
	var ids []int64
	must(t, db.Model(&model.Member{}).Where("merged_into IS NULL").Order("id").Pluck("id", &ids).Error)
	pick := func() int64 { return ids[rng.IntN(len(ids))] }
	for k := range 12 {
		at := clock.Add(time.Duration(rng.IntN(23*60)+1) * time.Minute)
		key := fmt.Sprintf("%d-%d", clock.Unix(), k)
		m := pick()
		touch := map[string]any{"last_active_at": at, "updated_at": at}
		switch rng.IntN(11) {
		case 0:
			must(t, db.Create(&model.Member{Subscribed: true, CreatedAt: at, UpdatedAt: at, LastActiveAt: &at}).Error)
		case 1, 2: // an order, sometimes posted days after it was paid
			paid := at.Add(-time.Duration(rng.IntN(3)) * 24 * time.Hour)
			must(t, db.Create(&model.Order{OrderNo: "O" + key, MemberID: m, AmountFen: 8000 + rng.Int64N(4000), PaidAt: paid,
				Status: model.OrderPaid, CreatedAt: at, UpdatedAt: at}).Error)
		case 3: // a refund of a recent order
			var o model.Order
			if db.Where("status = ? AND refunded_fen = 0", model.OrderPaid).Order("id DESC").Take(&o).Error == nil {
				status, fen := model.OrderPartiallyRefunded, o.AmountFen/2
				if rng.IntN(2) == 0 {
					status, fen = model.OrderRefunded, o.AmountFen
				}
				must(t, db.Model(&o).Updates(map[string]any{"status": status, "refunded_fen": fen, "updated_at": at}).Error)
				must(t, db.Create(&model.OrderRefund{OrderID: o.ID, RefundNo: "R" + key, AmountFen: fen, CreatedAt: at}).Error)
			}
		case 4:
			must(t, db.Clauses(clause.OnConflict{DoNothing: true}).Create(&model.CheckIn{MemberID: m, Day: at.Format(time.DateOnly), Streak: 1, CreatedAt: at}).Error)
			must(t, db.Model(&model.Member{}).Where("id = ?", m).Updates(touch).Error)
		case 5: // behaviour, up to 5 days back
			kinds := []string{"read", "search", "feedback"}
			kind := kinds[rng.IntN(3)]
			must(t, db.Create(&model.BehaviorEvent{EventID: "B" + key, MemberID: m, Kind: kind, Class: model.BehaviorKinds[kind],
				OccurredAt: at.Add(-time.Duration(rng.IntN(5*24)) * time.Hour), CreatedAt: at}).Error)
		case 6:
			kind := []string{model.EventClick, model.EventMessage}[rng.IntN(2)]
			must(t, db.Create(&model.MemberEvent{MemberID: m, Kind: kind, CreatedAt: at}).Error)
			must(t, db.Model(&model.Member{}).Where("id = ?", m).Updates(touch).Error)
		case 7: // unfollow or follow again
			must(t, db.Model(&model.Member{}).Where("id = ?", m).Updates(map[string]any{"subscribed": rng.IntN(2) == 0, "updated_at": at}).Error)
		case 8: // a guide adds the member, or a relation ends
			var r model.GuideRelation
			if rng.IntN(2) == 0 && db.Where("ended_at IS NULL").Order("id").Take(&r).Error == nil {
				must(t, db.Model(&r).Updates(map[string]any{"ended_at": at, "active_key": nil, "updated_at": at}).Error)
			} else {
				ak := "c|g|" + key
				must(t, db.Create(&model.GuideRelation{MemberID: m, CorpID: "c", GuideUserID: "g", ExternalUserID: key, ActiveKey: &ak,
					EventKey: ak, CreatedAt: at, UpdatedAt: at}).Error)
			}
		case 9:
			must(t, db.Create(&model.Redemption{RequestID: "X" + key, MemberID: m, RewardName: "x", Kind: "gift", Status: "done",
				CreatedAt: at, UpdatedAt: at}).Error)
		case 10: // a merge: the loser's orders move to the survivor
			if s := pick(); s != m {
				must(t, db.Model(&model.Member{}).Where("id = ?", m).Updates(map[string]any{"merged_into": s, "updated_at": at}).Error)
				must(t, db.Model(&model.Order{}).Where("member_id = ?", m).Updates(map[string]any{"member_id": s, "updated_at": at}).Error)
				must(t, db.Model(&model.Member{}).Where("id = ?", s).Update("updated_at", at).Error)
			}
		}
	}
}

// compareSegments fails unless both databases hold the same segment values
// and segment tags for every member not merged away (a merged-away member
// keeps what it had when it was merged, and nothing reads it).
func compareSegments(t *testing.T, day int, a, b *gorm.DB) {
	t.Helper()
	rows := func(db *gorm.DB) []string {
		var ms []model.Member
		must(t, db.Where("merged_into IS NULL").Order("id").Find(&ms).Error)
		var tags []struct {
			MemberID int64
			Name     string
		}
		must(t, db.Table("member_tags").Select("member_tags.member_id, tags.name").Joins("JOIN tags ON tags.id = member_tags.tag_id").
			Where("member_tags.source = ?", model.TagSourceSegment).Order("member_tags.member_id, tags.name").Scan(&tags).Error)
		byMember := map[int64][]string{}
		for _, tg := range tags {
			byMember[tg.MemberID] = append(byMember[tg.MemberID], tg.Name)
		}
		out := make([]string, len(ms))
		for i, m := range ms {
			out[i] = fmt.Sprintf("member %d: %s %s log2=%s avg=%s tags=%s", m.ID, m.Lifecycle, m.RFMSegment, ptr(m.ActivityLog2), ptr(m.RFMAvgFen),
				strings.Join(byMember[m.ID], ","))
		}
		return out
	}
	inc, full := rows(a), rows(b)
	if len(inc) != len(full) {
		t.Fatalf("day %d: %d members incremental, %d full", day, len(inc), len(full))
	}
	bad := 0
	for i := range inc {
		if inc[i] != full[i] {
			bad++
			t.Errorf("day %d:\n  incremental %s\n  full        %s", day, inc[i], full[i])
		}
	}
	if bad > 0 {
		t.FailNow()
	}
}

func ptr(p *float64) string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprintf("%.9f", *p)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
