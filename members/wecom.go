package members

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tagging"
)

// WeComArrival is an add_external_contact event: guide GuideUserID of corp
// CorpID added ExternalUserID at At, through a contact-way code whose state
// is State (a scene name, or empty).
type WeComArrival struct {
	CorpID, GuideUserID, ExternalUserID, State string
	At                                         time.Time
}

// WeComArrivalResult is what AddWeComContact did.
type WeComArrivalResult struct {
	Member       model.Member
	Relation     model.GuideRelation
	Scene        *model.Scene // nil when State is empty or not a configured scene
	UnknownScene bool
	NewMember    bool
	// NewRelation is false for a replay of an add already recorded, or an
	// add older than what the relation history already knows (a delete
	// that arrived first): nothing was applied then.
	NewRelation bool
}

// AddWeComContact records a guide adding a customer on WeCom. In one
// transaction it finds or creates the member behind the external_userid,
// opens the guide relation (guide, time, state), and for a new relation
// applies the scene named by the state as an Official Account follow would
// (first scene, store, tags with source scene), binds the guide when the
// member has none and records a dated wecom_add event. Replays and stale
// adds change nothing. Errors: the database's.
func (s *Service) AddWeComContact(ctx context.Context, a WeComArrival) (WeComArrivalResult, error) {
	var res WeComArrivalResult
	a.At = eventTime(a.At, s.now)
	sc, unknown, err := s.lookupScene(ctx, a.State)
	if err != nil {
		return res, err
	}
	err = s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		res = WeComArrivalResult{Scene: sc, UnknownScene: unknown}
		m, created, err := findOrCreateLocked(tx, model.PlatformWeCom, a.CorpID, a.ExternalUserID)
		if err != nil {
			return err
		}
		res.NewMember, res.Member = created, m
		rel, fresh, err := openRelation(tx, m.ID, a)
		if err != nil || !fresh {
			res.Relation = rel
			return err
		}
		res.Relation, res.NewRelation = rel, true
		res.Member, err = s.applyWeComArrival(tx, m, a, sc)
		return err
	})
	return res, err
}

// applyWeComArrival applies a new relation's scene and binding to m.
func (s *Service) applyWeComArrival(tx *gorm.DB, m model.Member, a WeComArrival, sc *model.Scene) (model.Member, error) {
	upd := map[string]any{"last_active_at": a.At}
	if a.State != "" && m.FirstScene == "" {
		upd["first_scene"], m.FirstScene = a.State, a.State
	}
	if m.GuideUserID == "" {
		// The guide who added the customer serves them, whatever the
		// scene's default guide is.
		upd["guide_user_id"], m.GuideUserID = a.GuideUserID, a.GuideUserID
	}
	if m.StoreCode == "" {
		store := ""
		if sc != nil {
			store = sc.StoreCode
		}
		if store == "" {
			var g model.Guide
			if err := tx.Where("user_id = ?", a.GuideUserID).Take(&g).Error; err == nil {
				store = g.StoreCode
			} else if !errors.Is(err, gorm.ErrRecordNotFound) {
				return m, err
			}
		}
		if store != "" {
			upd["store_code"], m.StoreCode = store, store
		}
	}
	if err := tx.Model(&model.Member{}).Where("id = ?", m.ID).Updates(upd).Error; err != nil {
		return m, err
	}
	m.LastActiveAt = &a.At
	if sc != nil {
		if err := tagging.PutTags(tx, m.ID, sc.Tags, model.TagSourceScene); err != nil {
			return m, err
		}
	}
	ev := model.MemberEvent{MemberID: m.ID, Kind: model.EventWeComAdd, Scene: a.State,
		Detail: fmt.Sprintf("企业微信: 导购 %s 添加", a.GuideUserID), CreatedAt: a.At}
	return m, tx.Create(&ev).Error
}

// lookupScene returns the scene called name; unknown reports a name that is
// not configured. An empty name is neither.
func (s *Service) lookupScene(ctx context.Context, name string) (sc *model.Scene, unknown bool, err error) {
	if name == "" {
		return nil, false, nil
	}
	found, err := s.tags.GetScene(ctx, name)
	switch {
	case err == nil:
		return &found, false, nil
	case errors.Is(err, model.ErrSceneNotFound):
		return nil, true, nil
	}
	return nil, false, err
}

// WeComDetails is what WeCom tells about an external contact: their WeChat
// name and avatar, and for each guide who has them, the remark and the corp
// tags that guide put on them.
type WeComDetails struct {
	CorpID, ExternalUserID string
	Name, Avatar           string
	Follows                []WeComFollow
}

// WeComFollow is one guide's view of an external contact.
type WeComFollow struct {
	UserID, Remark string
	Tags           []tagging.CorpTag
}

// ApplyWeComDetails updates the member behind the external contact with
// what WeCom says: the name and avatar, the remark on each active guide
// relation, and the member's wecom-source tags, which become exactly the
// corp tags the guides put on the contact, less tags the member already has
// from another source (those are Siyu's own, mirrored out). It records the
// corp tag ids it sees. Errors: the database's.
func (s *Service) ApplyWeComDetails(ctx context.Context, d WeComDetails) (model.Member, error) {
	var m model.Member
	var tags []tagging.CorpTag
	for _, f := range d.Follows {
		tags = append(tags, f.Tags...)
	}
	err := s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		var err error
		m, _, err = findOrCreateLocked(tx, model.PlatformWeCom, d.CorpID, d.ExternalUserID)
		if err != nil {
			return err
		}
		upd := map[string]any{}
		if d.Name != "" && d.Name != m.Nickname {
			upd["nickname"], m.Nickname = d.Name, d.Name
		}
		if d.Avatar != "" && d.Avatar != m.Avatar {
			upd["avatar"], m.Avatar = d.Avatar, d.Avatar
		}
		if len(upd) > 0 {
			if err := tx.Model(&model.Member{}).Where("id = ?", m.ID).Updates(upd).Error; err != nil {
				return err
			}
		}
		for _, f := range d.Follows {
			if err := tx.Model(&model.GuideRelation{}).Where("active_key = ? AND remark <> ?",
				activeKey(d.CorpID, f.UserID, d.ExternalUserID), f.Remark).Update("remark", f.Remark).Error; err != nil {
				return err
			}
		}
		if _, err := tagging.SyncWeComTags(tx, d.CorpID, tags); err != nil {
			return err
		}
		names := make([]string, 0, len(tags))
		for _, t := range tags {
			names = append(names, t.SiyuName())
		}
		return tagging.SetWeComTags(tx, m.ID, names)
	})
	return m, err
}

// eventTime is t in UTC to the second (as platforms send it), or now.
func eventTime(t time.Time, now func() time.Time) time.Time {
	if t.IsZero() {
		t = now()
	}
	return t.UTC().Truncate(time.Second)
}
