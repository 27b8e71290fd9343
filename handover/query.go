package handover

import (
	"context"

	"github.com/siyu/siyu/model"
)

// Get returns the handover with every customer's status. Errors:
// ErrHandoverNotFound, the database's.
func (s *Service) Get(ctx context.Context, id int64) (model.Handover, error) {
	h, err := s.load(ctx, id)
	if err != nil {
		return h, err
	}
	db := s.db.WithContext(ctx)
	if err := db.Where("handover_id = ?", id).Order("id").Find(&h.Items).Error; err != nil {
		return h, err
	}
	err = db.Where("handover_id = ?", id).Order("id").Find(&h.GroupItems).Error
	return h, err
}

// List returns the latest handovers (of one guide when from is set),
// newest first, without items. Errors: the database's.
func (s *Service) List(ctx context.Context, from string, limit int) ([]model.Handover, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := s.db.WithContext(ctx).Order("id DESC").Limit(limit)
	if from != "" {
		q = q.Where("from_user_id = ?", from)
	}
	out := []model.Handover{}
	return out, q.Find(&out).Error
}

// Departed is a departed guide and how many customers they still hold.
type Departed struct {
	model.GuideDeparture
	CustomersLeft int `json:"customers_left"`
	GroupsLeft    int `json:"groups_left"`
}

// ListDeparted returns the departed guides with the customers and live
// groups left to hand over, most customers first. Errors: the database's.
func (s *Service) ListDeparted(ctx context.Context) ([]Departed, error) {
	out := []Departed{}
	err := s.db.WithContext(ctx).Table("guide_departures d").
		Select("d.*, (SELECT COUNT(*) FROM guide_relations r WHERE r.guide_user_id = d.guide_user_id AND r.active_key IS NOT NULL) AS customers_left, " +
			"(SELECT COUNT(*) FROM customer_groups g WHERE g.owner = d.guide_user_id AND g.dismissed_at IS NULL) AS groups_left").
		Order("customers_left DESC, groups_left DESC, d.id").Scan(&out).Error
	return out, err
}
