package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// TypeScheduleTick is what the scheduler enqueues for a periodic job: its
// handler names the period and queues the job with a TaskID for that
// period, so several schedulers (one per instance) run each period once.
const TypeScheduleTick = "schedule:tick"

// Periodic jobs.
const (
	JobPointsExpiry = "points_expiry" // daily: expire due points, queue reminders
	JobBirthday     = "birthday"      // daily: birthday bonuses
	JobLevelCoupons = "level_coupons" // monthly: level coupons
	JobLevelReview  = "level_review"  // monthly, quarterly or yearly: downgrades
	// JobTaskReminders (hourly) is in hqjobs.go.
	// JobSegments (daily, 03:00): recompute segments; see segments.go.
)

// TickPayload names the job a tick starts.
type TickPayload struct {
	Job string `json:"job"`
}

// NewTickTask returns a tick for job.
func NewTickTask(job string) *asynq.Task {
	b, _ := json.Marshal(TickPayload{Job: job})
	return asynq.NewTask(TypeScheduleTick, b)
}

// reviewSpecs are the cron specs of SIYU_LEVEL_REVIEW.
var reviewSpecs = map[string]string{"monthly": "0 2 1 * *", "quarterly": "0 2 1 1,4,7,10 *", "yearly": "0 2 1 1 *"}

// RegisterSchedules puts the loyalty jobs on the scheduler (times in its
// location, the business time zone): expiry at 00:10 daily, birthdays at
// 09:00 (a decent hour for the message), level coupons at 08:00 on the
// 1st, segments at 03:00 daily, the level review at 02:00 on the 1st of each
// month, quarter or year (review "off" skips it), and the HQ task reminders
// at five past every hour. Errors: a bad review setting.
func RegisterSchedules(sch *asynq.Scheduler, queues Queues, review string) error {
	jobs := map[string]string{JobPointsExpiry: "10 0 * * *", JobBirthday: "0 9 * * *", JobLevelCoupons: "0 8 1 * *",
		JobTaskReminders: "5 * * * *", JobSegments: "0 3 * * *"}
	if review != "off" {
		spec, ok := reviewSpecs[review]
		if !ok {
			return fmt.Errorf("level review %q: want monthly, quarterly, yearly or off", review)
		}
		jobs[JobLevelReview] = spec
	}
	for job, spec := range jobs {
		if _, err := sch.Register(spec, NewTickTask(job), asynq.Queue(queues.Name(QueueLow)), asynq.MaxRetry(5)); err != nil {
			return fmt.Errorf("schedule %s: %w", job, err)
		}
	}
	return nil
}

// period names the period of a job at now: the business day for daily
// jobs, the month for monthly ones, the hour for hourly ones.
func (d Deps) period(job string, now time.Time) string {
	t := now.In(d.Location)
	if job == JobTaskReminders {
		return t.Format("2006-01-02T15")
	}
	if job == JobLevelCoupons || job == JobLevelReview {
		return t.Format("2006-01")
	}
	return t.Format(time.DateOnly)
}

// handleTick queues the job for the current period, once per period.
func (d Deps) handleTick(ctx context.Context, t *asynq.Task) error {
	var p TickPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("%s: %v: %w", TypeScheduleTick, err, asynq.SkipRetry)
	}
	period := d.period(p.Job, d.Now())
	var job *asynq.Task
	switch p.Job {
	case JobPointsExpiry:
		job = NewExpirePointsTask(period)
	case JobBirthday:
		job = NewBirthdayBonusTask(period)
	case JobLevelCoupons:
		job = NewLevelCouponsTask(period)
	case JobLevelReview:
		job = NewLevelReviewTask(period)
	case JobTaskReminders:
		job = NewTaskRemindersTask(period)
	case JobSegments:
		return EnqueueRecomputeSegments(ctx, d.Queue, period)
	default:
		return fmt.Errorf("%s: unknown job %q: %w", TypeScheduleTick, p.Job, asynq.SkipRetry)
	}
	return d.Queue.Enqueue(ctx, job, QueueLow, asynq.TaskID(p.Job+":"+period),
		asynq.Retention(72*time.Hour), asynq.Timeout(time.Hour), asynq.MaxRetry(10))
}
