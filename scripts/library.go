// Package scripts is the scripted-reply library (话术库) of the sidebar: HQ
// manages groups and scripts; guides list, search and send them.
package scripts

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
)

// Library is the scripted-reply library (话术库): HQ manages groups and
// scripts; guides list, search and send them with variables filled in.
type Library struct {
	st *store.Store
	db *gorm.DB
}

// New returns the library on st's database.
func New(st *store.Store) *Library { return &Library{st: st, db: st.DB()} }

// SaveGroup creates (ID 0) or updates a group. Errors: EINVALID,
// ENOTFOUND for an unknown ID, ECONFLICT for a duplicate name.
func (l *Library) SaveGroup(ctx context.Context, g model.ScriptGroup) (model.ScriptGroup, error) {
	if err := g.Validate(); err != nil {
		return g, err
	}
	db := l.db.WithContext(ctx)
	var err error
	if g.ID == 0 {
		err = db.Create(&g).Error
	} else {
		res := db.Model(&model.ScriptGroup{}).Where("id = ?", g.ID).Updates(map[string]any{"name": g.Name, "sort_order": g.SortOrder})
		err = res.Error
		if err == nil && res.RowsAffected == 0 {
			if err = db.Take(&model.ScriptGroup{}, g.ID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
				return g, model.Errorf(model.ENOTFOUND, "script group %d not found", g.ID)
			}
		}
		if err == nil {
			err = db.Take(&g, g.ID).Error
		}
	}
	if model.IsDuplicate(err) {
		return g, model.Errorf(model.ECONFLICT, "a script group named %q exists", g.Name)
	}
	return g, err
}

// DeleteGroup removes an empty group. Errors: ENOTFOUND; ECONFLICT while it
// still holds scripts.
func (l *Library) DeleteGroup(ctx context.Context, id int64) error {
	return l.st.Tx(ctx, func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&model.Script{}).Where("group_id = ?", id).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return model.Errorf(model.ECONFLICT, "script group %d still holds %d scripts; delete or move them first", id, n)
		}
		res := tx.Delete(&model.ScriptGroup{}, id)
		if res.Error == nil && res.RowsAffected == 0 {
			return model.Errorf(model.ENOTFOUND, "script group %d not found", id)
		}
		return res.Error
	})
}

// SaveScript creates (ID 0) or updates a script. Errors: EINVALID (also
// for an unknown group), ENOTFOUND for an unknown script ID.
func (l *Library) SaveScript(ctx context.Context, s model.Script) (model.Script, error) {
	if err := s.Validate(); err != nil {
		return s, err
	}
	db := l.db.WithContext(ctx)
	if err := db.Take(&model.ScriptGroup{}, s.GroupID).Error; err != nil {
		return s, store.NotFound(err, model.Errorf(model.EINVALID, "group_id %d: no such script group", s.GroupID))
	}
	if s.ID == 0 {
		return s, db.Create(&s).Error
	}
	var cur model.Script
	if err := db.Take(&cur, s.ID).Error; err != nil {
		return s, store.NotFound(err, model.Errorf(model.ENOTFOUND, "script %d not found", s.ID))
	}
	s.CreatedAt = cur.CreatedAt
	return s, db.Select("*").Omit("created_at").Updates(&s).Error
}

// DeleteScript removes a script. Errors: ENOTFOUND.
func (l *Library) DeleteScript(ctx context.Context, id int64) error {
	res := l.db.WithContext(ctx).Delete(&model.Script{}, id)
	if res.Error == nil && res.RowsAffected == 0 {
		return model.Errorf(model.ENOTFOUND, "script %d not found", id)
	}
	return res.Error
}

// ScriptQuery selects scripts for a listing.
type ScriptQuery struct {
	Query     string // matches title or content
	Group     string // group id or name; empty = all
	StoreCode string // "" = every script (HQ); else only those visible to the store
}

// GroupWithScripts is a group and its matching scripts, in order.
type GroupWithScripts struct {
	model.ScriptGroup
	Scripts []model.Script `json:"scripts"`
}

// List returns the matching scripts by group, both in their sort order.
// Groups with no matching script are left out when a query or group is given.
func (l *Library) List(ctx context.Context, q ScriptQuery) ([]GroupWithScripts, error) {
	db := l.db.WithContext(ctx)
	var groups []model.ScriptGroup
	gq := db.Order("sort_order, id")
	if q.Group != "" {
		gq = gq.Where("name = ? OR CAST(id AS CHAR) = ?", q.Group, q.Group)
	}
	if err := gq.Find(&groups).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(groups))
	for i, g := range groups {
		ids[i] = g.ID
	}
	var scripts []model.Script
	sq := db.Where("group_id IN ?", ids).Order("sort_order, id")
	if s := strings.TrimSpace(q.Query); s != "" {
		like := "%" + strings.NewReplacer("%", `\%`, "_", `\_`).Replace(s) + "%"
		sq = sq.Where("title LIKE ? OR content LIKE ?", like, like)
	}
	if len(ids) > 0 {
		if err := sq.Find(&scripts).Error; err != nil {
			return nil, err
		}
	}
	byGroup := map[int64][]model.Script{}
	for _, s := range scripts {
		if q.StoreCode != "" && len(s.StoreCodes) > 0 && !slices.Contains(s.StoreCodes, q.StoreCode) {
			continue
		}
		byGroup[s.GroupID] = append(byGroup[s.GroupID], s)
	}
	out := []GroupWithScripts{}
	filtered := q.Query != "" || q.Group != ""
	for _, g := range groups {
		if filtered && len(byGroup[g.ID]) == 0 {
			continue
		}
		ss := byGroup[g.ID]
		if ss == nil {
			ss = []model.Script{}
		}
		out = append(out, GroupWithScripts{ScriptGroup: g, Scripts: ss})
	}
	return out, nil
}

// RecordSent counts one send of script by guide on day. Errors: ENOTFOUND.
func (l *Library) RecordSent(ctx context.Context, scriptID int64, guideUserID, day string) error {
	db := l.db.WithContext(ctx)
	if err := db.Take(&model.Script{}, scriptID).Error; err != nil {
		return store.NotFound(err, model.Errorf(model.ENOTFOUND, "script %d not found", scriptID))
	}
	return db.Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "script_id"}, {Name: "guide_user_id"}, {Name: "day"}},
		DoUpdates: clause.Assignments(map[string]any{"count": gorm.Expr("count + 1")}),
	}).Create(&model.ScriptUsage{ScriptID: scriptID, GuideUserID: guideUserID, Day: day, Count: 1}).Error
}

// ScriptUse is how often one guide sent one script in a period.
type ScriptUse struct {
	ScriptID    int64  `json:"script_id"`
	Title       string `json:"title"`
	GuideUserID string `json:"guide_userid"`
	Count       int64  `json:"count"`
}

// Usage returns send counts per script and guide between two days
// (inclusive, YYYY-MM-DD), most used first.
func (l *Library) Usage(ctx context.Context, from, to string) ([]ScriptUse, error) {
	out := []ScriptUse{}
	err := l.db.WithContext(ctx).Table("script_usages u").
		Select("u.script_id, s.title, u.guide_user_id, SUM(u.count) AS count").
		Joins("JOIN scripts s ON s.id = u.script_id").
		Where("u.day BETWEEN ? AND ?", from, to).
		Group("u.script_id, s.title, u.guide_user_id").Scan(&out).Error
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out, err
}

// ScriptVars are the values a script's variables take for one customer.
type ScriptVars struct {
	Name, Points, Level, Guide, Store string
}

// Fill replaces {{称呼}}, {{积分}}, {{等级}}, {{导购}} and {{门店}} (spaces
// inside the braces allowed); an unknown variable stays as written, so HQ
// sees it in the sidebar's preview.
func Fill(content string, v ScriptVars) string {
	pairs := []string{}
	for name, val := range map[string]string{"称呼": v.Name, "积分": v.Points, "等级": v.Level, "导购": v.Guide, "门店": v.Store} {
		pairs = append(pairs, "{{"+name+"}}", val, "{{ "+name+" }}", val)
	}
	return strings.NewReplacer(pairs...).Replace(content)
}
