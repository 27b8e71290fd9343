package tasks

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/hibiken/asynq"
)

// TypeLevelReview is the periodic level review.
const TypeLevelReview = "loyalty:level_review"

// NewLevelReviewTask returns the review for a period (YYYY-MM).
func NewLevelReviewTask(period string) *asynq.Task {
	b, _ := json.Marshal(DayPayload{Period: period})
	return asynq.NewTask(TypeLevelReview, b)
}

// handleLevelReview moves down members who did not earn their level's keep
// threshold over the review window (once per period) and upgrades members
// whose growth reaches a level above theirs, telling the latter.
func (d Deps) handleLevelReview(ctx context.Context, t *asynq.Task) error {
	var p DayPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.Period == "" {
		return fmt.Errorf("%s: bad payload %q: %w", TypeLevelReview, t.Payload(), asynq.SkipRetry)
	}
	run, err := d.Loyalty.ReviewLevels(ctx, p.Period)
	if err != nil {
		return err
	}
	d.Logger.Info("level review", "period", p.Period, "reviewed", run.Reviewed, "downgraded", len(run.Downgraded), "upgraded", len(run.Upgraded))
	return nil // the upgrades' notices are level.changed events
}

// TypeLevelCoupons issues the levels' monthly coupons.
const TypeLevelCoupons = "loyalty:level_coupons"

// NewLevelCouponsTask returns the monthly coupon run for a month (YYYY-MM).
func NewLevelCouponsTask(month string) *asynq.Task {
	b, _ := json.Marshal(DayPayload{Period: month})
	return asynq.NewTask(TypeLevelCoupons, b)
}

// handleLevelCoupons gives every member their level's monthly coupons,
// once per member, month and template.
func (d Deps) handleLevelCoupons(ctx context.Context, t *asynq.Task) error {
	var p DayPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || len(p.Period) != len("2006-01") {
		return fmt.Errorf("%s: bad payload %q: %w", TypeLevelCoupons, t.Payload(), asynq.SkipRetry)
	}
	n, err := d.Loyalty.IssueMonthlyCoupons(ctx, p.Period)
	d.Logger.Info("monthly level coupons", "month", p.Period, "issued", n)
	return err
}
