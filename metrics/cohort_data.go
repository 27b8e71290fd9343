package metrics

import (
	"context"
	"sort"
	"time"

	"github.com/siyu/siyu/model"
)

// CohortFilter narrows the members a funnel or cohort table counts: by
// first scene, store and channel (the platform the member first came
// from: wechat_oa or wecom). Empty fields do not filter.
type CohortFilter struct {
	Scene     string
	StoreCode string
	Channel   string
}

// joined is one member of a cohort: when they joined and where from.
type joined struct {
	ID        int64
	Scene     string
	Channel   string
	CreatedAt time.Time
}

// activity is one thing a member did that counts as active: a check-in,
// an order or a referral credit.
type activity struct {
	At    time.Time
	Order bool
}

// memberActivity is what the funnel and the cohorts read about a cohort.
type memberActivity struct {
	members   []joined
	acts      map[int64][]activity // check-ins and orders, by time
	referrals map[int64][]time.Time
}

// cohortWhere is the WHERE clause over members x for the filter.
func cohortWhere(f CohortFilter, start, end time.Time) (string, []any) {
	w, args := "x.merged_into IS NULL AND x.created_at >= ? AND x.created_at < ?", []any{start, end}
	if f.Scene != "" {
		w, args = w+" AND x.first_scene = ?", append(args, f.Scene)
	}
	if f.StoreCode != "" {
		w, args = w+" AND x.store_code = ?", append(args, f.StoreCode)
	}
	if f.Channel != "" {
		w, args = w+" AND "+memberDims["channel"]+" = ?", append(args, f.Channel)
	}
	return w, args
}

// loadCohort reads the members who joined in [start, end) and match f,
// with their check-ins, orders and referral credits before until.
func (s *Service) loadCohort(ctx context.Context, f CohortFilter, start, end, until time.Time) (memberActivity, error) {
	db := s.db.WithContext(ctx)
	where, args := cohortWhere(f, start, end)
	out := memberActivity{acts: map[int64][]activity{}, referrals: map[int64][]time.Time{}}
	q := `SELECT x.id AS id, x.first_scene AS scene, ` + memberDims["channel"] + ` AS channel, x.created_at AS created_at
		FROM members x WHERE ` + where + ` ORDER BY x.id`
	if err := db.Raw(q, args...).Scan(&out.members).Error; err != nil {
		return out, err
	}
	var rows []struct {
		MemberID int64
		At       time.Time
	}
	for _, src := range []struct {
		sql   string
		order bool
	}{
		{`SELECT c.member_id AS member_id, c.created_at AS at FROM check_ins c JOIN members x ON x.id = c.member_id WHERE `, false},
		{`SELECT o.member_id AS member_id, o.paid_at AS at FROM orders o JOIN members x ON x.id = o.member_id WHERE `, true},
	} {
		rows = rows[:0]
		col := "c.created_at"
		if src.order {
			col = "o.paid_at"
		}
		if err := db.Raw(src.sql+where+" AND "+col+" < ?", append(args, until)...).Scan(&rows).Error; err != nil {
			return out, err
		}
		for _, r := range rows {
			out.acts[r.MemberID] = append(out.acts[r.MemberID], activity{At: r.At, Order: src.order})
		}
	}
	for _, a := range out.acts {
		sort.Slice(a, func(i, j int) bool { return a[i].At.Before(a[j].At) })
	}
	rows = rows[:0]
	if err := db.Raw(`SELECT p.member_id AS member_id, p.created_at AS at FROM points_entries p JOIN members x ON x.id = p.member_id
		WHERE `+where+` AND p.kind = ? AND p.created_at < ?`, append(args, model.PointsReferral, until)...).Scan(&rows).Error; err != nil {
		return out, err
	}
	for _, r := range rows {
		out.referrals[r.MemberID] = append(out.referrals[r.MemberID], r.At)
	}
	return out, nil
}
