package metrics

import (
	"context"
	"sort"
	"time"

	"github.com/siyu/siyu/model"
)

// couponChannels maps a coupon's source to the channel of issue the
// report groups by: the points mall, a guide, or an HQ push (a task's or
// HQ's own issue); level coupons are "level".
var couponChannels = map[string]string{
	model.SourceRedemption: "mall", model.SourceGuide: "guide", model.SourceTask: "push", model.SourceHQ: "push",
	model.SourceLevelUp: "level", model.SourceLevelMonthly: "level",
}

// CouponUseWindow is how close to a coupon's 核销 an order of the same
// member in the same store must be paid to count as the order that used
// it: orders do not name the coupon they used.
const CouponUseWindow = 2 * time.Hour

// TemplateStats is one coupon template's coupons issued in a range through
// one channel: how many, how many were used, the use rate and the revenue
// (fen, net of refunds) of the orders that used them.
type TemplateStats struct {
	TemplateID int64   `json:"template_id"`
	Name       string  `json:"name"`
	Channel    string  `json:"channel"`
	Issued     int64   `json:"issued"`
	Used       int64   `json:"used"`
	UseRate    float64 `json:"use_rate"`
	RevenueFen int64   `json:"revenue_fen"`
}

// CouponTemplateStats reports, per template and channel of issue (mall,
// guide, push, level), the coupons issued in r, how many of them were used
// (核销) by now, and the revenue of the orders that used them: an order of
// the same member in the redeeming store paid within CouponUseWindow of
// the 核销, each order counted once. Errors: the database's.
func (s *Service) CouponTemplateStats(ctx context.Context, r DayRange) ([]TemplateStats, error) {
	db := s.db.WithContext(ctx)
	var coupons []struct {
		TemplateID    int64
		Name          string
		Source        string
		MemberID      int64
		Status        string
		RedeemedAt    *time.Time
		RedeemedStore string
	}
	err := db.Raw(`SELECT c.template_id, COALESCE(t.name, '') AS name, c.source, c.member_id, c.status, c.redeemed_at, c.redeemed_store
		FROM coupons c LEFT JOIN coupon_templates t ON t.id = c.template_id
		WHERE c.created_at >= ? AND c.created_at < ?`, r.Start(), r.End()).Scan(&coupons).Error
	if err != nil {
		return nil, err
	}
	var orders []struct {
		ID, MemberID, Net int64
		StoreCode         string
		PaidAt            time.Time
	}
	err = db.Raw(`SELECT o.id, o.member_id, o.amount_fen - o.refunded_fen AS net, o.store_code, o.paid_at FROM orders o
		WHERE o.paid_at >= ? AND o.member_id IN (SELECT c.member_id FROM coupons c
			WHERE c.created_at >= ? AND c.created_at < ? AND c.status = ?)`,
		r.Start().Add(-CouponUseWindow), r.Start(), r.End(), model.CouponRedeemed).Scan(&orders).Error
	if err != nil {
		return nil, err
	}
	byMember := map[int64][]int{}
	for i, o := range orders {
		byMember[o.MemberID] = append(byMember[o.MemberID], i)
	}
	counted := map[int64]bool{}
	type statKey struct {
		id int64
		ch string
	}
	stats := map[statKey]*TemplateStats{}
	for _, c := range coupons {
		ch := couponChannels[c.Source]
		if ch == "" {
			ch = c.Source
		}
		key := statKey{c.TemplateID, ch}
		st := stats[key]
		if st == nil {
			st = &TemplateStats{TemplateID: c.TemplateID, Name: c.Name, Channel: ch}
			stats[key] = st
		}
		st.Issued++
		if c.Status != model.CouponRedeemed || c.RedeemedAt == nil {
			continue
		}
		st.Used++
		for _, i := range byMember[c.MemberID] {
			o := orders[i]
			d := o.PaidAt.Sub(*c.RedeemedAt)
			if !counted[o.ID] && o.StoreCode == c.RedeemedStore && d <= CouponUseWindow && d >= -CouponUseWindow {
				counted[o.ID] = true
				st.RevenueFen += o.Net
			}
		}
	}
	out := make([]TemplateStats, 0, len(stats))
	for _, st := range stats {
		st.UseRate = ratio64(st.Used, st.Issued)
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].TemplateID < out[j].TemplateID || out[i].TemplateID == out[j].TemplateID && out[i].Channel < out[j].Channel
	})
	return out, nil
}

func ratio64(n, d int64) float64 {
	if d == 0 {
		return 0
	}
	return float64(n) / float64(d)
}
