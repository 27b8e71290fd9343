package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// TypeBirthdayBonus is the daily birthday job.
const TypeBirthdayBonus = "loyalty:birthday"

// NewBirthdayBonusTask returns the birthday job for a business day.
func NewBirthdayBonusTask(day string) *asynq.Task {
	b, _ := json.Marshal(DayPayload{Period: day})
	return asynq.NewTask(TypeBirthdayBonus, b)
}

// handleBirthdayBonus credits the birthday bonus to the day's birthdays
// (once per member and year) and queues a greeting for each new credit.
func (d Deps) handleBirthdayBonus(ctx context.Context, t *asynq.Task) error {
	var p DayPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("%s: %v: %w", TypeBirthdayBonus, err, asynq.SkipRetry)
	}
	day, err := time.ParseInLocation(time.DateOnly, p.Period, d.Location)
	if err != nil {
		return fmt.Errorf("%s: period %q: %v: %w", TypeBirthdayBonus, p.Period, err, asynq.SkipRetry)
	}
	credits, err := d.Loyalty.CreditBirthdays(ctx, day.Add(12*time.Hour))
	if err != nil {
		return err
	}
	for _, c := range credits {
		if err := d.notices().QueueNotice(ctx, NoticeBirthday, c.MemberID, c.Earned.EntryID); err != nil {
			return err
		}
	}
	d.Logger.Info("birthday bonuses", "day", p.Period, "credited", len(credits))
	return nil
}
