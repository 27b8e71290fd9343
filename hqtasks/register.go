package hqtasks

import (
	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/tasks"
	"github.com/siyu/siyu/wx"
)

// handlers are the HQ task queue handlers: the service, plus the WeCom
// client and the app message limit the guides' cards go through.
type handlers struct {
	*Service
	wecom wx.WeCom
	limit *tasks.AppLimiter
}

// Register puts the handlers of the HQ task jobs (dispatch, store
// dispatch, notifications, reminders, group-send polls) on mux, the mux
// tasks.NewMux built from d; d.HQ must be set there so the schedule tick
// starts the hourly reminders. The cards go through d.WeCom within d's
// per-minute app message limit (shared with tasks' own app messages).
func Register(mux *asynq.ServeMux, s *Service, d tasks.Deps) {
	h := &handlers{Service: s, wecom: d.WeCom, limit: d.AppLimiter()}
	mux.HandleFunc(tasks.TypeDispatchHQTask, h.handleDispatch)
	mux.HandleFunc(tasks.TypeDispatchStore, h.handleDispatchStore)
	mux.HandleFunc(tasks.TypeNotifyGuideTask, h.notifyGuideTask)
	mux.HandleFunc(tasks.TypeRemindGuideTask, h.remindGuideTask)
	mux.HandleFunc(TypePollMassSend, h.pollMassSend)
	mux.HandleFunc(tasks.TypeTaskReminders, h.handleTaskReminders)
}
