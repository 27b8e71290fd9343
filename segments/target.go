package segments

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
)

// TargetFilter picks the members an HQ task or coupon push is for. Empty
// fields match everyone; lists match any of their values; all conditions
// must hold together. Merged-away members never match.
type TargetFilter struct {
	TagsAny  []string `json:"tags_any,omitempty"`  // has at least one of these tags
	TagsAll  []string `json:"tags_all,omitempty"`  // has every one of these tags
	TagsNone []string `json:"tags_none,omitempty"` // has none of these tags

	Levels       []string `json:"levels,omitempty"`
	Scenes       []string `json:"scenes,omitempty"` // first scene (attribution)
	StoreCodes   []string `json:"store_codes,omitempty"`
	GuideUserIDs []string `json:"guide_userids,omitempty"` // bound guide
	Lifecycles   []string `json:"lifecycles,omitempty"`    // model.Member.Lifecycle values
	RFMSegments  []string `json:"rfm_segments,omitempty"`  // model.Member.RFMSegment values

	ActivityMin *float64 `json:"activity_min,omitempty"`
	ActivityMax *float64 `json:"activity_max,omitempty"`

	LastActiveBefore *time.Time `json:"last_active_before,omitempty"`
	LastActiveAfter  *time.Time `json:"last_active_after,omitempty"`

	Subscribed *bool `json:"subscribed,omitempty"` // follows the Official Account
}

// Validate reports the first problem as an EINVALID *Error.
func (f TargetFilter) Validate() error {
	for _, list := range [][]string{f.TagsAny, f.TagsAll, f.TagsNone, f.Levels, f.Scenes, f.StoreCodes, f.GuideUserIDs, f.Lifecycles, f.RFMSegments} {
		if len(list) > 200 {
			return model.Errorf(model.EINVALID, "filter: at most 200 values per list")
		}
		for _, v := range list {
			if strings.TrimSpace(v) == "" {
				return model.Errorf(model.EINVALID, "filter: empty value in a list")
			}
		}
	}
	if f.ActivityMin != nil && f.ActivityMax != nil && *f.ActivityMin > *f.ActivityMax {
		return model.Errorf(model.EINVALID, "filter: activity_min is above activity_max")
	}
	if f.LastActiveBefore != nil && f.LastActiveAfter != nil && !f.LastActiveAfter.Before(*f.LastActiveBefore) {
		return model.Errorf(model.EINVALID, "filter: last_active_after must be before last_active_before")
	}
	return nil
}

// Apply adds the filter's conditions to a query on the members table
// (aliased or not: columns are qualified with table).
func (f TargetFilter) Apply(q *gorm.DB, table string) *gorm.DB {
	col := func(c string) string { return table + "." + c }
	q = q.Where(col("merged_into") + " IS NULL")
	tagged := "SELECT mt.member_id FROM member_tags mt JOIN tags t ON t.id = mt.tag_id WHERE t.name IN ?"
	if len(f.TagsAny) > 0 {
		q = q.Where(col("id")+" IN ("+tagged+")", f.TagsAny)
	}
	for _, tag := range f.TagsAll {
		q = q.Where(col("id")+" IN ("+tagged+")", []string{tag})
	}
	if len(f.TagsNone) > 0 {
		q = q.Where(col("id")+" NOT IN ("+tagged+")", f.TagsNone)
	}
	in := func(c string, vals []string) {
		if len(vals) > 0 {
			q = q.Where(col(c)+" IN ?", vals)
		}
	}
	in("level", f.Levels)
	in("first_scene", f.Scenes)
	in("store_code", f.StoreCodes)
	in("guide_user_id", f.GuideUserIDs)
	in("lifecycle", f.Lifecycles)
	in("rfm_segment", f.RFMSegments)
	if f.ActivityMin != nil || f.ActivityMax != nil {
		q = f.applyActivity(q, col("activity_log2"))
	}
	if f.LastActiveBefore != nil {
		q = q.Where("("+col("last_active_at")+" IS NULL OR "+col("last_active_at")+" < ?)", f.LastActiveBefore.UTC())
	}
	if f.LastActiveAfter != nil {
		q = q.Where(col("last_active_at")+" >= ?", f.LastActiveAfter.UTC())
	}
	if f.Subscribed != nil {
		q = q.Where(col("subscribed")+" = ?", *f.Subscribed)
	}
	return q
}

// applyActivity compares the stored log2 activity with the bounds scaled
// to the last segment run's day (ScoreScale), so a filter matches the
// scores the API shows.
func (f TargetFilter) applyActivity(q *gorm.DB, col string) *gorm.DB {
	if f.ActivityMin != nil {
		if w, args := activityAtLeast(col, *f.ActivityMin); w != "" {
			q = q.Where(w, args...)
		}
	}
	if f.ActivityMax != nil {
		w, args := activityAtMost(col, *f.ActivityMax)
		q = q.Where(w, args...)
	}
	return q
}

// CountTargets returns how many members match f (HQ's preview before a
// dispatch). Errors: EINVALID.
func (s *Service) CountTargets(ctx context.Context, f TargetFilter) (int64, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	var n int64
	err := f.Apply(s.db.WithContext(ctx).Model(&model.Member{}), "members").Count(&n).Error
	return n, err
}

// StoreCount is how many targeted members belong to one store ("" for
// members without a store).
type StoreCount struct {
	StoreCode string `json:"store_code"`
	Count     int64  `json:"count"`
}

// CountTargetsByStore returns how many members match f, in all and per
// store, biggest first. Errors: EINVALID.
func (s *Service) CountTargetsByStore(ctx context.Context, f TargetFilter) (int64, []StoreCount, error) {
	if err := f.Validate(); err != nil {
		return 0, nil, err
	}
	var rows []StoreCount
	err := f.Apply(s.db.WithContext(ctx).Model(&model.Member{}), "members").
		Select("members.store_code AS store_code, COUNT(*) AS count").Group("members.store_code").
		Order("count DESC, store_code").Scan(&rows).Error
	var total int64
	for _, r := range rows {
		total += r.Count
	}
	return total, rows, err
}
