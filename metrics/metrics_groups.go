package metrics

import "context"

// GroupMetrics gives customer-group joins and quits per business day of r,
// and over r by group, by store (the group's) and by scene (the group
// code's state people joined through; "" for other ways).
// Errors: the database's.
func (s *Service) GroupMetrics(ctx context.Context, r DayRange) (Chart, error) {
	c := newChart(r)
	for _, m := range []struct{ name, col string }{{"joins", "x.join_time"}, {"quits", "x.quit_at"}} {
		v, err := s.byDay(ctx, r, "customer_group_members x", m.col, "COUNT(*)", m.col+" IS NOT NULL")
		if err != nil {
			return c, err
		}
		c.setSeries(m.name, v)
	}
	c.Breakdown = map[string][]Bucket{}
	for name, key := range map[string]string{"group": "m.chat_id", "store": "g.store_code", "scene": "m.state"} {
		b, err := scanBuckets(s.db.WithContext(ctx), `SELECT `+key+` AS k, 'joins' AS name, COUNT(*) AS v FROM customer_group_members m
			JOIN customer_groups g ON g.chat_id = m.chat_id WHERE m.join_time >= ? AND m.join_time < ? GROUP BY `+key+`
			UNION ALL SELECT `+key+` AS k, 'quits' AS name, COUNT(*) AS v FROM customer_group_members m
			JOIN customer_groups g ON g.chat_id = m.chat_id WHERE m.quit_at >= ? AND m.quit_at < ? GROUP BY `+key+`
			ORDER BY k`, r.Start(), r.End(), r.Start(), r.End())
		if err != nil {
			return c, err
		}
		if b == nil {
			b = []Bucket{}
		}
		c.Breakdown[name] = b
	}
	return c, nil
}
