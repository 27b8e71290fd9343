package handler

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/model"
)

// needTasks answers 503 on the task routes when the task service is not
// wired, so their handlers can use s.tasks as given.
func (s *Server) needTasks(c *gin.Context) {
	if serviceWired(c, s.tasks != nil, "HQ tasks are not configured") {
		c.Next()
	}
}

// createTask serves POST /api/hq/tasks: 201 with the task (a draft, or
// dispatching with "dispatch": true).
func (s *Server) createTask(c *gin.Context) {
	svc := s.tasks
	var in hqtasks.TaskInput
	if !bindJSON(c, &in) {
		return
	}
	t, err := svc.CreateTask(c.Request.Context(), in)
	reply(c, http.StatusCreated, t, err)
}

// taskAction calls a task method on the {id} of the path and answers 200
// with the task.
func (s *Server) taskAction(c *gin.Context, action func(*hqtasks.Service, context.Context, int64) (hqtasks.Task, error)) {
	svc := s.tasks
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	t, err := action(svc, c.Request.Context(), id)
	reply(c, http.StatusOK, t, err)
}

// dispatchTask serves POST /api/hq/tasks/{id}/dispatch.
func (s *Server) dispatchTask(c *gin.Context) { s.taskAction(c, (*hqtasks.Service).Dispatch) }

// cancelTask serves POST /api/hq/tasks/{id}/cancel.
func (s *Server) cancelTask(c *gin.Context) { s.taskAction(c, (*hqtasks.Service).Cancel) }

// closeTask serves POST /api/hq/tasks/{id}/close.
func (s *Server) closeTask(c *gin.Context) { s.taskAction(c, (*hqtasks.Service).Close) }

// taskDetail is a task as its page shows it: with its progress, and
// whether this server can notify guides at all.
type taskDetail struct {
	hqtasks.Task
	// GuideNotices is "wecom" when each guide gets a WeCom app message for
	// their part, "off" when the WeCom app is not configured (guides are
	// not notified; they find the task in the sidebar).
	GuideNotices string `json:"guide_notices"`
	// GuideNoticesNeed names the settings that turn notices on.
	GuideNoticesNeed string `json:"guide_notices_need,omitempty"`
}

// getTask serves GET /api/hq/tasks/{id}: the task with its progress and
// guide_notices.
func (s *Server) getTask(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	t, err := s.tasks.GetTask(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return
	}
	d := taskDetail{Task: t, GuideNotices: "wecom"}
	if !s.wecomAppReady() {
		d.GuideNotices, d.GuideNoticesNeed = "off", "SIYU_WECOM_CORPID, SIYU_WECOM_AGENT_ID, SIYU_WECOM_AGENT_SECRET"
	}
	respond(c, http.StatusOK, d)
}

// listTasks serves GET /api/hq/tasks?state=&limit=&offset=.
func (s *Server) listTasks(c *gin.Context) {
	svc := s.tasks
	limit, offset, err := pageParams(c)
	if err != nil {
		writeError(c, err)
		return
	}
	ts, err := svc.ListTasks(c.Request.Context(), hqtasks.TaskList{State: c.Query("state"), StoreCode: scopedStore(c), Limit: limit, Offset: offset})
	if err != nil {
		writeError(c, err)
		return
	}
	rows, err := s.withItemProgress(c, ts)
	reply(c, http.StatusOK, gin.H{"tasks": rows}, err)
}

// taskReport serves GET /api/hq/tasks/{id}/report: JSON, or CSV (with a
// UTF-8 BOM) for ?format=csv or Accept: text/csv.
func (s *Server) taskReport(c *gin.Context) {
	svc := s.tasks
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	rep, err := svc.TaskReport(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return
	}
	rep = scopeReport(c, rep)
	if c.Query("format") == "csv" || strings.Contains(c.GetHeader("Accept"), "text/csv") {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", "attachment; filename=task-"+strconv.FormatInt(id, 10)+"-report.csv")
		c.Status(http.StatusOK)
		if err := rep.WriteCSV(c.Writer); err != nil {
			logger(c).Warn("write task report csv", "err", err)
		}
		return
	}
	respond(c, http.StatusOK, rep)
}

// taskEffect serves GET /api/hq/tasks/{id}/effect?window_days=14: the
// treated and control groups' figures and the uplift, JSON or CSV (for
// ?format=csv or Accept: text/csv). A store manager gets their store's
// part only (scopeStore already answered 404 for a task that did not
// reach it).
func (s *Server) taskEffect(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	days := 14
	if v := c.Query("window_days"); v != "" {
		if days, err = strconv.Atoi(v); err != nil {
			writeError(c, model.Errorf(model.EINVALID, "window_days %q: want a number of days", v))
			return
		}
	}
	eff, err := s.tasks.TaskEffect(c.Request.Context(), id, days, scopedStore(c))
	if err != nil {
		writeError(c, err)
		return
	}
	if c.Query("format") == "csv" || strings.Contains(c.GetHeader("Accept"), "text/csv") {
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", "attachment; filename=task-"+strconv.FormatInt(id, 10)+"-effect.csv")
		c.Status(http.StatusOK)
		if err := eff.WriteCSV(c.Writer); err != nil {
			logger(c).Warn("write task effect csv", "err", err)
		}
		return
	}
	respond(c, http.StatusOK, eff)
}

// previewTask serves POST /api/hq/tasks/preview: targets → reach per store.
func (s *Server) previewTask(c *gin.Context) {
	svc := s.tasks
	var in hqtasks.PreviewInput
	if !bindJSON(c, &in) {
		return
	}
	reach, err := svc.Preview(c.Request.Context(), in)
	if err != nil {
		writeError(c, err)
		return
	}
	var total, groups int64
	for _, r := range reach {
		total, groups = total+r.Customers, groups+r.Groups
	}
	control := (total*int64(in.HoldoutPercent) + 50) / 100 // expected, like each store's
	respond(c, http.StatusOK, gin.H{"stores": reach, "customers": total, "treated": total - control, "control": control,
		"holdout_percent": in.HoldoutPercent, "groups": groups})
}
