package loyalty

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
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
	members, recorded, err := lockBulkChunk(tx, lines, chunk)
	if err != nil {
		return err
	}
	p := s.planBulk(r, st, lines, chunk, members, recorded, out)
	if len(p.orders) == 0 {
		return nil
	}
	if err := tx.CreateInBatches(&p.orders, 250).Error; err != nil {
		return err
	}
	if err := tx.CreateInBatches(&p.entries, 250).Error; err != nil {
		return err
	}
	for k, i := range p.at {
		out[i].Order = p.orders[k]
	}
	if err := moveBalances(tx, members, p.before); err != nil {
		return err
	}
	ups, err := s.recordUpgrades(tx, p.ups)
	if err != nil {
		return err
	}
	for k, u := range p.ups {
		out[u.line].LevelUp = ups[k]
	}
	return nil
}

// recordUpgrades is recordLevelChange for a chunk's upgrades in one pass:
// the level changes, their coupons and the outbox events of both go in
// multi-row INSERTs, with the same rows, keys and events as one by one.
// A coupon whose template is missing or switched off is skipped, as there.
func (s *Service) recordUpgrades(tx *gorm.DB, ups []bulkUpgrade) ([]*LevelUp, error) {
	if len(ups) == 0 {
		return nil, nil
	}
	changes := make([]model.LevelChange, len(ups))
	for k, u := range ups {
		changes[k] = model.LevelChange{MemberID: u.memberID, From: u.from, To: u.to.Name, Growth: u.growth, Reason: model.LevelUpgrade, CreatedAt: s.stamp()}
	}
	if err := tx.CreateInBatches(&changes, 250).Error; err != nil {
		return nil, err
	}
	templates, err := upgradeTemplates(tx, ups)
	if err != nil {
		return nil, err
	}
	out := make([]*LevelUp, len(ups))
	var events []outbox.Event
	var coupons []model.Coupon
	var owner []int
	for k, u := range ups {
		c := changes[k]
		out[k] = &LevelUp{Change: c}
		events = append(events, outbox.Event{Kind: outbox.KindLevelChanged, Payload: outbox.LevelChanged{MemberID: u.memberID,
			ChangeID: c.ID, From: u.from, To: u.to.Name, Upgrade: true}})
		for _, tid := range u.to.UpgradeCoupons {
			t, ok := templates[tid]
			if !ok {
				continue
			}
			cp, err := s.newCoupon(t, u.memberID, model.SourceLevelUp, fmt.Sprintf("level_up:%d:%d", c.ID, tid))
			if errors.Is(err, errTemplateInactive) {
				continue
			}
			coupons, owner = append(coupons, cp), append(owner, k)
		}
	}
	if len(coupons) > 0 {
		// A code collision (2^-80) fails the chunk; the caller runs it again.
		if err := tx.CreateInBatches(&coupons, 250).Error; err != nil {
			return nil, err
		}
	}
	for i, cp := range coupons {
		out[owner[i]].Coupons = append(out[owner[i]].Coupons, cp)
		events = append(events, outbox.Event{Kind: outbox.KindCouponIssued, Payload: outbox.CouponIssued{MemberID: cp.MemberID, CouponID: cp.ID,
			Source: model.SourceLevelUp}})
	}
	return out, outbox.RecordAll(tx, events)
}

// upgradeTemplates reads, once, the coupon templates the upgrades grant.
func upgradeTemplates(tx *gorm.DB, ups []bulkUpgrade) (map[int64]model.CouponTemplate, error) {
	var ids []int64
	for _, u := range ups {
		ids = append(ids, u.to.UpgradeCoupons...)
	}
	out := map[int64]model.CouponTemplate{}
	if len(ids) == 0 {
		return out, nil
	}
	var ts []model.CouponTemplate
	if err := tx.Where("id IN ?", ids).Find(&ts).Error; err != nil {
		return nil, err
	}
	for _, t := range ts {
		out[t.ID] = t
	}
	return out, nil
}

// lockBulkChunk locks the chunk's members (in id order) and returns them by
// id, with the chunk's order numbers that are already recorded.
func lockBulkChunk(tx *gorm.DB, lines []OrderLine, chunk []int) (map[int64]*model.Member, map[string]bool, error) {
	ids, nos := make([]int64, 0, len(chunk)), make([]string, 0, len(chunk))
	for _, i := range chunk {
		ids, nos = append(ids, lines[i].MemberID), append(nos, lines[i].OrderNo)
	}
	var locked []model.Member
	if err := store.ForUpdate(tx.Select("id, points, growth, level").Where("id IN ?", ids).Order("id")).Find(&locked).Error; err != nil {
		return nil, nil, err
	}
	members := make(map[int64]*model.Member, len(locked))
	for i := range locked {
		members[locked[i].ID] = &locked[i]
	}
	var existing []string
	if err := tx.Model(&model.Order{}).Where("order_no IN ?", nos).Pluck("order_no", &existing).Error; err != nil {
		return nil, nil, err
	}
	recorded := make(map[string]bool, len(existing))
	for _, no := range existing {
		recorded[no] = true
	}
	return members, recorded, nil
}

// bulkUpgrade is a level-up that one line of a bulk chunk causes.
type bulkUpgrade struct {
	line     int
	memberID int64
	from     string
	to       model.Level
	growth   int64
}

// bulkPlan is what a bulk chunk writes: the new orders and their ledger
// entries, the line of each order, the level-ups, and each moved member as
// it was before the chunk.
type bulkPlan struct {
	orders  []model.Order
	entries []model.PointsEntry
	at      []int // line of each order
	ups     []bulkUpgrade
	before  map[int64]model.Member
}

// planBulk works out, in memory and in line order, each new order's points,
// growth and level-up, moving the locked members as it goes (so an order
// after an upgrade earns the new multiplier). It sets each line's status in
// out: created, duplicate, or an error for an unknown member.
func (s *Service) planBulk(r model.EarningRule, st *settings, lines []OrderLine, chunk []int,
	members map[int64]*model.Member, recorded map[string]bool, out []OrderResult) bulkPlan {
	p := bulkPlan{before: map[int64]model.Member{}}
	now := s.stamp()
	expires := s.opts.Expiry.ExpiresAt(now, s.loc)
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
		if _, ok := p.before[m.ID]; !ok {
			p.before[m.ID] = *m
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
		p.orders, p.entries, p.at = append(p.orders, o), append(p.entries, e), append(p.at, i)
		m.Points += points
		m.Growth += growth
		if target := st.levels.forGrowth(m.Growth); growth > 0 && len(st.levels) > 0 && st.levels.rank(target.Name) > st.levels.rank(m.Level) {
			p.ups = append(p.ups, bulkUpgrade{line: i, memberID: m.ID, from: m.Level, to: target, growth: m.Growth})
			m.Level = target.Name
		}
	}
	return p
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
