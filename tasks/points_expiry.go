package tasks

import (
	"context"
	"encoding/json"

	"github.com/hibiken/asynq"
)

// TypeExpirePoints is the daily expiry job.
const TypeExpirePoints = "loyalty:expire_points"

// DayPayload names the business day (YYYY-MM-DD) or month (YYYY-MM) a
// periodic job runs for.
type DayPayload struct {
	Period string `json:"period"`
}

// NewExpirePointsTask returns the expiry job for a business day.
func NewExpirePointsTask(day string) *asynq.Task {
	b, _ := json.Marshal(DayPayload{Period: day})
	return asynq.NewTask(TypeExpirePoints, b)
}

// handleExpirePoints expires every credit that is due (ledger entries
// expire:<credit>, so a second run expires nothing), marks lapsed coupons
// expired, and records one reminder per member and batch of points expiring
// within the reminder window.
func (d Deps) handleExpirePoints(ctx context.Context, t *asynq.Task) error {
	run, err := d.Loyalty.ExpireDue(ctx)
	if err != nil {
		return err
	}
	// New reminders are recorded with a points.expiring event each; its
	// consumer sends them.
	reminders, err := d.Loyalty.QueueExpiryReminders(ctx)
	if err != nil {
		return err
	}
	d.Logger.Info("points expiry", "members", run.Members, "points", run.Points, "coupons", run.Coupons, "reminders", len(reminders))
	return nil
}
