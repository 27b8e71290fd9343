package loyalty

import (
	"fmt"
	"sort"
	"strings"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// recordBulk records a chunk of order lines with a handful of statements
// instead of several per line: it locks the chunk's members in one query
// (in id order), drops orders already recorded, works out each order's
// points and growth in memory in line order (so an order after an upgrade
// earns the new multiplier, exactly as one by one), inserts the orders and
// their ledger entries in multi-row INSERTs, moves every member's balance
// in one UPDATE, and records the upgrades. It is post() for a batch of
// credits: the same entries, keys and balance changes in one transaction,
// none of post's spending paths. Orders inserted concurrently after the
// duplicate check fail the INSERT on the unique order number (the caller
// runs the chunk again).
func (s *Service) recordBulk(tx *gorm.DB, r model.EarningRule, st *settings, lines []OrderLine, chunk []int, out []OrderResult) error {
	ids, nos := make([]int64, 0, len(chunk)), make([]string, 0, len(chunk))
	for _, i := range chunk {
		ids, nos = append(ids, lines[i].MemberID), append(nos, lines[i].OrderNo)
	}
	var locked []model.Member
	if err := store.ForUpdate(tx.Select("id, points, growth, level").Where("id IN ?", ids).Order("id")).Find(&locked).Error; err != nil {
		return err
	}
	members := make(map[int64]*model.Member, len(locked))
	for i := range locked {
		members[locked[i].ID] = &locked[i]
	}
	var existing []string
	if err := tx.Model(&model.Order{}).Where("order_no IN ?", nos).Pluck("order_no", &existing).Error; err != nil {
		return err
	}
	recorded := make(map[string]bool, len(existing))
	for _, no := range existing {
		recorded[no] = true
	}

	type upgrade struct {
		line     int
		memberID int64
		from     string
		to       model.Level
		growth   int64
	}
	var (
		orders  []model.Order
		entries []model.PointsEntry
		ups     []upgrade
		at      []int // line of each order
		moved   = map[int64]bool{}
		before  = map[int64]model.Member{}
		now     = s.stamp()
		expires = s.opts.Expiry.ExpiresAt(now, s.loc)
	)
	for _, i := range chunk {
		l, res := lines[i], &out[i]
		res.Status, res.Err, res.LevelUp = OrderCreated, nil, nil
		m := members[l.MemberID]
		switch {
		case m == nil:
			res.Status, res.Err = OrderError, model.Detail(model.ErrMemberNotFound, "order %s: member %d not found", l.OrderNo, l.MemberID)
			continue
		case recorded[l.OrderNo]:
			res.Status = OrderDuplicate
			continue
		}
		if !moved[m.ID] {
			moved[m.ID], before[m.ID] = true, *m
		}
		var points, growth int64
		if r.Enabled {
			points, growth = orderEarning(r, l.AmountFen, st.levels.of(m.Level).MultiplierPermille())
		}
		o := model.Order{OrderNo: l.OrderNo, MemberID: m.ID, StoreCode: l.StoreCode, AmountFen: l.AmountFen,
			PaidAt: l.PaidAt.UTC(), Points: points, Growth: growth, Status: model.OrderPaid, CreatedAt: now, UpdatedAt: now}
		e := model.PointsEntry{MemberID: m.ID, Delta: points, GrowthDelta: growth, Kind: model.PointsOrder, IdemKey: "order:" + o.OrderNo,
			Note: clip(fmt.Sprintf("订单 %s 消费 %s 元", o.OrderNo, yuan(o.AmountFen)), 120), Remaining: points, CreatedAt: now}
		if points > 0 {
			e.ExpiresAt = expires
		}
		orders, entries, at = append(orders, o), append(entries, e), append(at, i)
		m.Points += points
		m.Growth += growth
		if target := st.levels.forGrowth(m.Growth); growth > 0 && len(st.levels) > 0 && st.levels.rank(target.Name) > st.levels.rank(m.Level) {
			ups = append(ups, upgrade{line: i, memberID: m.ID, from: m.Level, to: target, growth: m.Growth})
			m.Level = target.Name
		}
	}
	if len(orders) == 0 {
		return nil
	}
	if err := tx.CreateInBatches(&orders, 250).Error; err != nil {
		return err
	}
	if err := tx.CreateInBatches(&entries, 250).Error; err != nil {
		return err
	}
	for k, i := range at {
		out[i].Order = orders[k]
	}
	if err := moveBalances(tx, members, before); err != nil {
		return err
	}
	for _, u := range ups {
		up, err := s.recordLevelChange(tx, u.memberID, u.from, u.to.Name, u.growth, model.LevelUpgrade, u.to.UpgradeCoupons)
		if err != nil {
			return err
		}
		out[u.line].LevelUp = up
	}
	return nil
}

// moveBalances writes the members' new points, growth and level in one
// UPDATE … CASE, as increments over the locked values in before.
func moveBalances(tx *gorm.DB, members map[int64]*model.Member, before map[int64]model.Member) error {
	ids := make([]int64, 0, len(before))
	for id := range before {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	var points, growth, level strings.Builder
	var pv, gv, lv []any
	for _, id := range ids {
		m, b := members[id], before[id]
		points.WriteString(" WHEN ? THEN ?")
		pv = append(pv, id, m.Points-b.Points)
		growth.WriteString(" WHEN ? THEN ?")
		gv = append(gv, id, m.Growth-b.Growth)
		level.WriteString(" WHEN ? THEN ?")
		lv = append(lv, id, m.Level)
	}
	return tx.Model(&model.Member{}).Where("id IN ?", ids).Updates(map[string]any{
		"points": gorm.Expr("points + CASE id"+points.String()+" ELSE 0 END", pv...),
		"growth": gorm.Expr("growth + CASE id"+growth.String()+" ELSE 0 END", gv...),
		"level":  gorm.Expr("CASE id"+level.String()+" ELSE level END", lv...),
	}).Error
}
