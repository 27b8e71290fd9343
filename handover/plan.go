package handover

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/outbox"
)

// Plan is what HQ asks for: from one guide to another (To) or spread over
// the store's active guides by load (ByStore); ExternalUserIDs limits it to
// those customers; Message is sent to customers of an employed guide.
type Plan struct {
	From            string   `json:"from"`
	To              string   `json:"to"`
	ByStore         bool     `json:"by_store"`
	ExternalUserIDs []string `json:"external_userids"`
	// ChatIDs limits the customer groups handed over to those; without it
	// every group the guide owns goes, unless NoGroups.
	ChatIDs  []string `json:"chat_ids"`
	NoGroups bool     `json:"no_groups"`
	Message  string   `json:"message"`
}

// Preview says what a plan would move: customers per new guide, groups and
// open task items, and the kind of transfer.
type Preview struct {
	From      string         `json:"from"`
	Kind      string         `json:"kind"`
	Customers int            `json:"customers"`
	Groups    int            `json:"groups"`
	OpenItems int            `json:"open_items"`
	PerGuide  map[string]int `json:"per_guide"`
	// OverLimit are customers already handed over twice in 90 days while
	// employed; WeCom would refuse them, so they fail at once.
	OverLimit []string `json:"over_limit,omitempty"`
	// GroupsPerGuide is how many groups each new owner takes.
	GroupsPerGuide map[string]int `json:"groups_per_guide"`

	assign      map[string]string // external_userid -> new guide
	member      map[string]int64  // external_userid -> member id
	groupAssign map[string]string // chat_id -> new owner
	groupName   map[string]string // chat_id -> the group's name
}

// customer is one active relation of the departing guide.
type customer struct {
	MemberID       int64
	ExternalUserID string
}

// Preview computes what p would move without changing anything. Errors:
// EINVALID for a bad plan (with the reason), ErrGuideNotFound, the database's.
func (s *Service) Preview(ctx context.Context, p Plan) (Preview, error) {
	return s.preview(s.db.WithContext(ctx), &p)
}

func (s *Service) preview(tx *gorm.DB, p *Plan) (Preview, error) {
	from, err := s.check(tx, p)
	if err != nil {
		return Preview{}, err
	}
	pv := Preview{From: from.UserID, Kind: model.HandoverOnJob, PerGuide: map[string]int{}, GroupsPerGuide: map[string]int{},
		assign: map[string]string{}, member: map[string]int64{}, groupAssign: map[string]string{}, groupName: map[string]string{}}
	if gone, err := departed(tx, from.UserID); err != nil {
		return pv, err
	} else if gone {
		pv.Kind = model.HandoverResigned
	}
	var cs []customer
	q := tx.Model(&model.GuideRelation{}).Select("member_id, external_user_id").
		Where("guide_user_id = ? AND active_key IS NOT NULL", from.UserID)
	if len(p.ExternalUserIDs) > 0 {
		q = q.Where("external_user_id IN ?", p.ExternalUserIDs)
	}
	if err := q.Order("id").Scan(&cs).Error; err != nil {
		return pv, err
	}
	takers, err := s.takers(tx, from, p)
	if err != nil {
		return pv, err
	}
	for _, c := range cs {
		g := takers.next()
		pv.assign[c.ExternalUserID], pv.member[c.ExternalUserID] = g, c.MemberID
		pv.PerGuide[g]++
	}
	pv.Customers = len(cs)
	if err := s.previewGroups(tx, from, p, takers.ids, &pv); err != nil {
		return pv, err
	}
	if err := s.countLimits(tx, &pv); err != nil {
		return pv, err
	}
	var open int64
	err = tx.Model(&model.TaskItem{}).Where("guide_user_id = ? AND status = ? AND external_user_id IN ?",
		from.UserID, model.ItemOpen, keys(pv.assign)).Count(&open).Error
	pv.OpenItems = int(open)
	return pv, err
}

// check validates p and returns the departing guide.
func (s *Service) check(tx *gorm.DB, p *Plan) (model.Guide, error) {
	p.From, p.To, p.Message = strings.TrimSpace(p.From), strings.TrimSpace(p.To), strings.TrimSpace(p.Message)
	switch {
	case p.From == "":
		return model.Guide{}, model.Errorf(model.EINVALID, "from: 请指定交接的导购")
	case p.To == "" && !p.ByStore:
		return model.Guide{}, model.Errorf(model.EINVALID, "to: 请指定接替导购，或设 by_store 按门店分配")
	case p.To != "" && p.ByStore:
		return model.Guide{}, model.Errorf(model.EINVALID, "to 与 by_store 只能选一个")
	case p.To == p.From:
		return model.Guide{}, model.Errorf(model.EINVALID, "接替导购不能是原导购")
	case utf8.RuneCountInString(p.Message) > MaxMessage:
		return model.Guide{}, model.Errorf(model.EINVALID, "message: 最多 %d 个字", MaxMessage)
	case len(p.ChatIDs) > 0 && p.NoGroups:
		return model.Guide{}, model.Errorf(model.EINVALID, "chat_ids 与 no_groups 只能选一个")
	}
	var from model.Guide
	if err := tx.Where("user_id = ?", p.From).Take(&from).Error; err != nil {
		if found, ferr := foundErr(err); ferr != nil || !found {
			return from, orNotFound(ferr)
		}
	}
	return from, nil
}

// takers is who takes the customers, each next one the least loaded.
type takers struct {
	ids  []string
	load map[string]int
}

// guideLoad is how many customers or groups a guide holds.
type guideLoad struct {
	GuideUserID string
	N           int
}

// newTakers returns takers over ids with the loads of rows.
func newTakers(ids []string, rows []guideLoad) *takers {
	t := &takers{ids: ids, load: map[string]int{}}
	for _, l := range rows {
		t.load[l.GuideUserID] = l.N
	}
	return t
}

func (t *takers) next() string {
	best := t.ids[0]
	for _, id := range t.ids[1:] {
		if t.load[id] < t.load[best] {
			best = id
		}
	}
	t.load[best]++
	return best
}

// takers returns the new guides: To, or the store's guides who have not
// departed, with their current customer counts as load.
func (s *Service) takers(tx *gorm.DB, from model.Guide, p *Plan) (*takers, error) {
	t := &takers{load: map[string]int{}}
	if p.To != "" {
		var g model.Guide
		if err := tx.Where("user_id = ?", p.To).Take(&g).Error; err != nil {
			found, ferr := foundErr(err)
			if ferr != nil || !found {
				return nil, orNotFound(ferr)
			}
		}
		if gone, err := departed(tx, g.UserID); err != nil || gone {
			return nil, firstErr(err, model.Errorf(model.EINVALID, "接替导购 %s 已离职", g.UserID))
		}
		t.ids = []string{g.UserID}
		return t, nil
	}
	if from.StoreCode == "" {
		return nil, model.Errorf(model.EINVALID, "导购 %s 没有门店，无法按门店分配", from.UserID)
	}
	err := tx.Model(&model.Guide{}).Where("store_code = ? AND user_id <> ? AND user_id NOT IN (?)", from.StoreCode, from.UserID,
		tx.Model(&model.GuideDeparture{}).Select("guide_user_id")).Order("user_id").Pluck("user_id", &t.ids).Error
	if err != nil {
		return nil, err
	}
	if len(t.ids) == 0 {
		return nil, model.Errorf(model.EINVALID, "门店 %s 没有在职导购可接替", from.StoreCode)
	}
	var loads []guideLoad
	err = tx.Model(&model.GuideRelation{}).Select("guide_user_id, COUNT(*) AS n").
		Where("guide_user_id IN ? AND active_key IS NOT NULL", t.ids).Group("guide_user_id").Scan(&loads).Error
	for _, l := range loads {
		t.load[l.GuideUserID] = l.N
	}
	return t, err
}

// countLimits lists, for an on-job handover, the customers WeCom already
// handed over OnJobTransfersPer90Days times within 90 days.
func (s *Service) countLimits(tx *gorm.DB, pv *Preview) error {
	if pv.Kind != model.HandoverOnJob || len(pv.assign) == 0 {
		return nil
	}
	var over []string
	err := tx.Model(&model.HandoverItem{}).Select("handover_items.external_user_id").
		Joins("JOIN handovers h ON h.id = handover_items.handover_id").
		Where("h.kind = ? AND handover_items.status = ? AND handover_items.done_at > ? AND handover_items.external_user_id IN ?",
			model.HandoverOnJob, model.ItemSucceeded, s.opt.Now().UTC().AddDate(0, 0, -90), keys(pv.assign)).
		Group("handover_items.external_user_id").Having("COUNT(*) >= ?", OnJobTransfersPer90Days).Pluck("handover_items.external_user_id", &over).Error
	sort.Strings(over)
	pv.OverLimit = over
	return err
}

// Create saves the plan as a handover with one pending item per customer
// (customers over the 90-day limit failed at once, with the reason) and
// records handover.started, whose consumer asks WeCom. Errors: those of
// Preview, EINVALID when no customer is left to move, the database's.
func (s *Service) Create(ctx context.Context, p Plan, by string) (model.Handover, error) {
	var h model.Handover
	err := s.st.Tx(ctx, func(tx *gorm.DB) error {
		pv, err := s.preview(tx, &p)
		if err != nil {
			return err
		}
		if pv.Customers == 0 && pv.Groups == 0 {
			return model.Errorf(model.EINVALID, "导购 %s 没有可交接的客户或客户群", p.From)
		}
		h = model.Handover{FromUserID: p.From, ToUserID: p.To, ByStore: p.ByStore, Kind: pv.Kind, Message: p.Message,
			State: model.HandoverTransferring, MoveStore: !s.opt.KeepStore, Customers: pv.Customers, Groups: pv.Groups,
			OpenItems: pv.OpenItems, CreatedBy: by}
		if err := tx.Create(&h).Error; err != nil {
			return err
		}
		over := map[string]string{}
		for _, e := range pv.OverLimit {
			over[e] = refusal(40128)
		}
		if err := inOtherHandovers(tx, h.ID, keys(pv.assign), over); err != nil {
			return err
		}
		items := make([]model.HandoverItem, 0, len(pv.assign))
		for _, ext := range keys(pv.assign) {
			it := model.HandoverItem{HandoverID: h.ID, MemberID: pv.member[ext], ExternalUserID: ext, FromUserID: p.From,
				ToUserID: pv.assign[ext], Status: model.ItemPending}
			if why, ok := over[ext]; ok {
				it.Status, it.Reason = model.ItemFailed, why
				if strings.HasPrefix(why, "该客户90天内") {
					it.ErrCode = 40128
				}
				h.Failed++
			}
			items = append(items, it)
		}
		if len(items) > 0 {
			if err := tx.CreateInBatches(items, 200).Error; err != nil {
				return err
			}
		}
		if err := tx.Model(&h).Update("failed", h.Failed).Error; err != nil {
			return err
		}
		h.Items = items
		if h.GroupItems, err = createGroupItems(tx, &h, pv, s.opt.Now().UTC()); err != nil {
			return err
		}
		return outbox.Record(tx, outbox.Event{Kind: outbox.KindHandoverStarted, Payload: outbox.HandoverStarted{HandoverID: h.ID}})
	})
	return h, err
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// inOtherHandovers adds to refused the customers already pending or
// waiting in another handover: WeCom takes one transfer at a time.
func inOtherHandovers(tx *gorm.DB, id int64, exts []string, refused map[string]string) error {
	var busy []model.HandoverItem
	err := tx.Select("handover_id, external_user_id").Where("handover_id <> ? AND status IN ? AND external_user_id IN ?", id,
		[]string{model.ItemPending, model.ItemWaiting}, exts).Find(&busy).Error
	for _, b := range busy {
		refused[b.ExternalUserID] = fmt.Sprintf("该客户正在交接单 %d 中转接，请等它结束", b.HandoverID)
	}
	return err
}
