package tasks

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
)

// The HQ task jobs as the queue knows them: types, payloads and TaskIDs.
// Their handlers live in package hqtasks (hqtasks.Register); the types and
// TaskIDs are here because the outbox relay, the scheduler tick and the
// sweeper queue these jobs too, and queued jobs rely on them not changing.

// Dispatch task types: one per HQ task, then one per targeted store.
const (
	TypeDispatchHQTask = "hq:dispatch"
	TypeDispatchStore  = "hq:dispatch_store"
)

// DispatchPayload names an HQ task and, for TypeDispatchStore, a store.
type DispatchPayload struct {
	TaskID int64  `json:"task_id"`
	Store  string `json:"store,omitempty"`
}

// NewDispatchHQTask returns the task that fans an HQ task out to its stores.
func NewDispatchHQTask(taskID int64) *asynq.Task {
	b, _ := json.Marshal(DispatchPayload{TaskID: taskID})
	return asynq.NewTask(TypeDispatchHQTask, b)
}

// NewDispatchStoreTask returns the task that writes one store's guide
// tasks and items.
func NewDispatchStoreTask(taskID int64, store string) *asynq.Task {
	b, _ := json.Marshal(DispatchPayload{TaskID: taskID, Store: store})
	return asynq.NewTask(TypeDispatchStore, b)
}

// DispatchOpts are the options of the TypeDispatchHQTask job: one queued
// dispatch per task at a time (TaskID hq:dispatch:<task>); no retention, so dispatching again after it finished runs it again (and
// converges on the same rows).
func DispatchOpts(taskID int64) []asynq.Option {
	return []asynq.Option{asynq.TaskID(fmt.Sprintf("hq:dispatch:%d", taskID)), asynq.MaxRetry(20), asynq.Timeout(10 * time.Minute)}
}

// StoreDispatchOpts are the options of the TypeDispatchStore job: one
// queued job per task and store (TaskID hq:dispatch_store:<task>:<store>).
func StoreDispatchOpts(taskID int64, store string) []asynq.Option {
	return []asynq.Option{asynq.TaskID(fmt.Sprintf("hq:dispatch_store:%d:%s", taskID, store)), asynq.MaxRetry(20), asynq.Timeout(30 * time.Minute)}
}

// Guide task message types: the first notification of a guide task, and
// the reminder before its deadline.
const (
	TypeNotifyGuideTask = "hq:notify"
	TypeRemindGuideTask = "hq:remind"
)

// GuideTaskPayload names one guide's share of an HQ task. Round numbers
// reminders (one per period); Deferrals counts put-offs by the
// per-recipient limit.
type GuideTaskPayload struct {
	TaskID    int64  `json:"task_id"`
	Guide     string `json:"guide"`
	Round     int    `json:"round,omitempty"`
	Deferrals int    `json:"deferrals,omitempty"`
}

// NewGuideTaskMessage returns a TypeNotifyGuideTask or TypeRemindGuideTask
// task with its TaskID (hq:notify:<task>:<guide>, plus the round and
// deferrals when set), kept a day after it is done so a re-run dispatch
// cannot send twice.
func NewGuideTaskMessage(typ string, p GuideTaskPayload) (*asynq.Task, []asynq.Option) {
	b, _ := json.Marshal(p)
	id := fmt.Sprintf("%s:%d:%s", typ, p.TaskID, p.Guide)
	if p.Round > 0 {
		id += fmt.Sprintf(":r%d", p.Round)
	}
	if p.Deferrals > 0 {
		id += fmt.Sprintf(":d%d", p.Deferrals)
	}
	return asynq.NewTask(typ, b), []asynq.Option{asynq.TaskID(id), asynq.MaxRetry(8),
		asynq.Timeout(2 * time.Minute), asynq.Retention(24 * time.Hour)}
}

// JobTaskReminders is the hourly periodic job for HQ tasks: reminders to
// guides with open items before the deadline, overdue marking after it.
const JobTaskReminders = "task_reminders"

// TypeTaskReminders runs JobTaskReminders for one hour.
const TypeTaskReminders = "hq:reminders"

// NewTaskRemindersTask returns the job for an hour (2006-01-02T15).
func NewTaskRemindersTask(period string) *asynq.Task {
	b, _ := json.Marshal(map[string]string{"period": period})
	return asynq.NewTask(TypeTaskReminders, b)
}

// TypePollMassSend reads a guide's group send result (to customers, or to
// the customer groups of a group_message task) and marks the items it
// reached done.
const TypePollMassSend = "hq:poll_mass"

// NewPollMassSendTask returns poll round n of the guide's group send of
// the task, to run after in, with its TaskID hq:poll:<task>:<guide>:<n>
// (the sweeper looks for it by that id).
func NewPollMassSendTask(taskID int64, guide string, round int, in time.Duration) (*asynq.Task, []asynq.Option) {
	b, _ := json.Marshal(GuideTaskPayload{TaskID: taskID, Guide: guide, Round: round})
	return asynq.NewTask(TypePollMassSend, b), []asynq.Option{asynq.TaskID(PollMassSendTaskID(taskID, guide, round)),
		asynq.ProcessIn(in), asynq.MaxRetry(5), asynq.Timeout(2 * time.Minute), asynq.Retention(24 * time.Hour)}
}

// PollMassSendTaskID is the TaskID of poll round n of a guide's group send.
func PollMassSendTaskID(taskID int64, guide string, round int) string {
	return fmt.Sprintf("hq:poll:%d:%s:%d", taskID, guide, round)
}
