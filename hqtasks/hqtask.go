package hqtasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tasks"
)

// Service is the HQ task service: create, dispatch, cancel and close tasks,
// report on them, and let guides work their items and send feedback.
type Service struct {
	st         *store.Store // opens the transactions of dispatch and feedback
	db         *gorm.DB
	loyalty    *loyalty.Service
	queue      tasks.TaskEnqueuer
	now        func() time.Time
	loc        *time.Location
	publicURL  string
	batch      int
	pollEvery  time.Duration
	remindIn   time.Duration
	afterBatch func(taskID int64, store string, batch int) error
}

// Options configures New.
type Options struct {
	Loyalty  *loyalty.Service   // issues the coupons of coupon pushes
	Queue    tasks.TaskEnqueuer // dispatch, notifications, polls
	Now      func() time.Time   // nil = time.Now
	Location *time.Location     // business time zone for messages; nil = Asia/Shanghai
	// PublicURL is where guides reach Siyu (SIYU_PUBLIC_URL); notification
	// cards link to <PublicURL>/sidebar/?task=<id>.
	PublicURL string
	BatchSize int           // items per insert; 0 = 1000
	PollEvery time.Duration // how often group-send results are read; 0 = 10 min
	// RemindBefore is how long before the deadline guides with open items
	// are reminded; 0 = 24 h.
	RemindBefore time.Duration
	// AfterBatch, for tests, runs after each batch of items is written; an
	// error stops the store's dispatch there, as a killed worker would.
	AfterBatch func(taskID int64, store string, batch int) error
}

// New returns the HQ task service on db.
func New(st *store.Store, o Options) *Service {
	s := &Service{st: st, db: st.DB(), loyalty: o.Loyalty, queue: o.Queue, now: o.Now, loc: o.Location,
		publicURL: strings.TrimRight(o.PublicURL, "/"), batch: o.BatchSize, pollEvery: o.PollEvery,
		remindIn: o.RemindBefore, afterBatch: o.AfterBatch}
	if s.now == nil {
		s.now = time.Now
	}
	if s.loc == nil {
		s.loc, _ = time.LoadLocation("Asia/Shanghai")
	}
	if s.batch <= 0 {
		s.batch = 1000
	}
	if s.pollEvery <= 0 {
		s.pollEvery = 10 * time.Minute
	}
	if s.remindIn <= 0 {
		s.remindIn = 24 * time.Hour
	}
	return s
}

// TaskInput is what HQ posts to create a task.
type TaskInput struct {
	Title            string                `json:"title"`
	Instructions     string                `json:"instructions"`
	Kind             string                `json:"kind"`
	Content          string                `json:"content"`
	Link             string                `json:"link"`
	ImageURL         string                `json:"image_url"`
	CouponTemplateID *int64                `json:"coupon_template_id"`
	MassSend         bool                  `json:"mass_send"`
	StoreCodes       []string              `json:"store_codes"`   // empty: all stores
	GuideUserIDs     []string              `json:"guide_userids"` // empty: every guide of the stores
	Filter           segments.TargetFilter `json:"filter"`
	GroupFilter      GroupFilter           `json:"group_filter"` // group_message tasks: which groups
	Deadline         time.Time             `json:"deadline"`
	HoldoutPercent   int                   `json:"holdout_percent"` // 0–50: the control group, see effect.HeldOut
	Dispatch         bool                  `json:"dispatch"`        // dispatch at once instead of saving a draft
}

// Task is an HQ task with its targets decoded.
type Task struct {
	model.HQTask
	StoreCodes   []string              `json:"store_codes"`
	GuideUserIDs []string              `json:"guide_userids"`
	Filter       segments.TargetFilter `json:"filter"`
	GroupFilter  GroupFilter           `json:"group_filter"`
	Progress     *Progress             `json:"progress,omitempty"`
}

// Progress is how far a dispatch got, from row counts.
type Progress struct {
	Stores         int64 `json:"stores"`
	StoresDone     int64 `json:"stores_dispatched"`
	Guides         int64 `json:"guides"`
	GuidesNotified int64 `json:"guides_notified"`
	Items          int64 `json:"items"`
	ItemsDone      int64 `json:"items_done"`
	ItemsSkipped   int64 `json:"items_skipped"`
}

// decode fills in the targets from the row's JSON.
func decode(row model.HQTask) (Task, error) {
	t := Task{HQTask: row, StoreCodes: []string{}, GuideUserIDs: []string{}}
	for _, f := range []struct {
		src string
		dst any
	}{{row.StoresJSON, &t.StoreCodes}, {row.GuidesJSON, &t.GuideUserIDs}, {row.FilterJSON, &t.Filter}, {row.GroupFilterJSON, &t.GroupFilter}} {
		if f.src != "" {
			if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
				return t, fmt.Errorf("task %d: targets: %w", row.ID, err)
			}
		}
	}
	return t, nil
}

// cleanList trims, drops duplicates and refuses empty values.
func cleanList(name string, in []string) ([]string, error) {
	out := []string{}
	for _, v := range in {
		v = strings.TrimSpace(v)
		if v == "" || len(v) > 64 {
			return nil, model.Errorf(model.EINVALID, "%s: empty or longer than 64 characters", name)
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	if len(out) > 5000 {
		return nil, model.Errorf(model.EINVALID, "%s: at most 5000", name)
	}
	return out, nil
}

// CreateTask validates in and saves it as a draft, then dispatches it if
// in.Dispatch. Errors: EINVALID (naming the field, unknown stores, guides
// or coupon template), ECONFLICT for an inactive template, Redis's.
func (s *Service) CreateTask(ctx context.Context, in TaskInput) (Task, error) {
	row := model.HQTask{Title: in.Title, Instructions: in.Instructions, Kind: in.Kind, Content: in.Content,
		Link: in.Link, ImageURL: in.ImageURL, CouponTemplateID: in.CouponTemplateID, MassSend: in.MassSend,
		Deadline: in.Deadline.UTC(), HoldoutPercent: in.HoldoutPercent, State: model.TaskDraft}
	if err := row.Validate(); err != nil {
		return Task{}, err
	}
	if !row.Deadline.After(s.now()) {
		return Task{}, model.Errorf(model.EINVALID, "deadline: must be in the future")
	}
	if err := in.Filter.Validate(); err != nil {
		return Task{}, err
	}
	if err := in.GroupFilter.Validate(); err != nil {
		return Task{}, err
	}
	stores, err := cleanList("store_codes", in.StoreCodes)
	if err != nil {
		return Task{}, err
	}
	guides, err := cleanList("guide_userids", in.GuideUserIDs)
	if err != nil {
		return Task{}, err
	}
	if err := s.checkTargets(ctx, stores, guides, row.CouponTemplateID); err != nil {
		return Task{}, err
	}
	sj, _ := json.Marshal(stores)
	gj, _ := json.Marshal(guides)
	fj, _ := json.Marshal(in.Filter)
	row.StoresJSON, row.GuidesJSON, row.FilterJSON = string(sj), string(gj), string(fj)
	if row.Kind == model.TaskKindGroupMessage {
		gf, _ := json.Marshal(in.GroupFilter)
		row.GroupFilterJSON = string(gf)
	}
	row.CreatedAt = s.now().UTC()
	if in.Dispatch { // saved and dispatched in one transaction: never a dispatching row without its job
		row.State = model.TaskDispatching
		if err := s.createDispatching(ctx, &row); err != nil {
			return Task{}, err
		}
		return s.GetTask(ctx, row.ID)
	}
	if err := s.db.WithContext(ctx).Create(&row).Error; err != nil {
		return Task{}, err
	}
	return s.GetTask(ctx, row.ID)
}

// checkTargets refuses unknown stores and guides and an unusable template.
func (s *Service) checkTargets(ctx context.Context, stores, guides []string, templateID *int64) error {
	db := s.db.WithContext(ctx)
	if len(stores) > 0 {
		var known []string
		if err := db.Model(&model.Store{}).Where("code IN ?", stores).Pluck("code", &known).Error; err != nil {
			return err
		}
		if missing := minus(stores, known); len(missing) > 0 {
			return model.Errorf(model.EINVALID, "store_codes: unknown stores %s", strings.Join(first(missing, 10), ", "))
		}
	}
	if len(guides) > 0 {
		var known []string
		if err := db.Model(&model.Guide{}).Where("user_id IN ? AND store_code <> ''", guides).Pluck("user_id", &known).Error; err != nil {
			return err
		}
		if missing := minus(guides, known); len(missing) > 0 {
			return model.Errorf(model.EINVALID, "guide_userids: unknown guides, or guides of no store: %s", strings.Join(first(missing, 10), ", "))
		}
	}
	if templateID != nil {
		if s.loyalty == nil {
			return model.Errorf(model.EUNAVAILABLE, "coupon pushes need the loyalty engine")
		}
		t, err := s.loyalty.CouponTemplate(ctx, *templateID)
		if errors.Is(err, model.ErrCouponTemplateMissing) {
			return model.Errorf(model.EINVALID, "coupon_template_id %d: no such template", *templateID)
		} else if err != nil {
			return err
		}
		if !t.Active || (t.ValidTo != nil && !t.ValidTo.After(s.now())) {
			return model.Errorf(model.ECONFLICT, "coupon template %d is inactive or its validity has ended", t.ID)
		}
	}
	return nil
}

func minus(want, have []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			out = append(out, w)
		}
	}
	return out
}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

// task loads one task row. Errors: ErrTaskNotFound.
func (s *Service) task(ctx context.Context, id int64) (Task, error) {
	var row model.HQTask
	err := s.db.WithContext(ctx).Take(&row, id).Error
	if err != nil {
		return Task{}, store.NotFound(err, model.Detail(model.ErrTaskNotFound, "task %d not found", id))
	}
	return decode(row)
}
