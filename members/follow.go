package members

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/tagging"
)

// ArrivalResult is what a follow or scan did.
type ArrivalResult struct {
	Member       model.Member
	Scene        *model.Scene // nil when none was given or it is unknown
	UnknownScene bool         // a scene was given but is not configured
	NewMember    bool
	Refollow     bool // the member had followed before and unfollowed
}

// FollowOA records that openid followed the Official Account, through
// scene when not empty (the part after qrscene_). In one transaction it
// finds or creates the member, marks them subscribed, keeps the first scene
// as attribution, binds store and guide when the member has none, applies the
// scene's tags and records a dated follow event. A retried delivery leaves
// the same state (tags and binding are idempotent; the event row is the only
// addition, and callers dedupe retries before this).
func (s *Service) FollowOA(ctx context.Context, appID, openID, scene string) (ArrivalResult, error) {
	return s.arrive(ctx, appID, openID, scene, model.EventFollow)
}

// ScanOA records that an existing follower scanned scene's QR code: a dated
// touch that applies the scene's tags and, if the member has none yet, its
// store and guide.
func (s *Service) ScanOA(ctx context.Context, appID, openID, scene string) (ArrivalResult, error) {
	return s.arrive(ctx, appID, openID, scene, model.EventScan)
}

func (s *Service) arrive(ctx context.Context, appID, openID, scene, kind string) (ArrivalResult, error) {
	var res ArrivalResult
	var sc *model.Scene
	if scene != "" {
		found, err := s.tags.GetScene(ctx, scene)
		switch {
		case err == nil:
			sc = &found
		case errors.Is(err, model.ErrSceneNotFound):
			res.UnknownScene = true
		default:
			return res, err
		}
	}
	res.Scene = sc
	err := s.st.TxRetry(ctx, store.OnRace, func(tx *gorm.DB) error {
		m, created, err := findOrCreateLocked(tx, model.PlatformOA, appID, openID) // locked: a merge may be moving this member
		if err != nil {
			return err
		}
		res.NewMember = created
		res.Refollow = kind == model.EventFollow && !created && !m.Subscribed
		now := s.now().UTC()
		upd := map[string]any{"subscribed": true, "last_active_at": now}
		if scene != "" && m.FirstScene == "" {
			upd["first_scene"], m.FirstScene = scene, scene
		}
		if sc != nil && m.StoreCode == "" && sc.StoreCode != "" {
			upd["store_code"], m.StoreCode = sc.StoreCode, sc.StoreCode
		}
		if sc != nil && m.GuideUserID == "" && sc.GuideUserID != "" {
			upd["guide_user_id"], m.GuideUserID = sc.GuideUserID, sc.GuideUserID
		}
		if err := tx.Model(&model.Member{}).Where("id = ?", m.ID).Updates(upd).Error; err != nil {
			return err
		}
		m.Subscribed, m.LastActiveAt = true, &now
		if sc != nil {
			if err := tagging.PutTags(tx, m.ID, sc.Tags, model.TagSourceScene); err != nil {
				return err
			}
		}
		ev := model.MemberEvent{MemberID: m.ID, Kind: kind, Scene: scene, Detail: "公众号", CreatedAt: now}
		if err := tx.Create(&ev).Error; err != nil {
			return err
		}
		res.Member = m
		return nil
	})
	return res, err
}

// UnfollowOA marks the follower unsubscribed and records the event. An
// unknown openid is not an error: there is nothing to record.
func (s *Service) UnfollowOA(ctx context.Context, appID, openID string) error {
	return s.st.Tx(ctx, func(tx *gorm.DB) error {
		var id model.Identity
		err := tx.Where("platform = ? AND app_id = ? AND external_id = ?", model.PlatformOA, appID, openID).Take(&id).Error
		if err != nil {
			return store.NotFound(err, nil)
		}
		if err := tx.Model(&model.Member{}).Where("id = ?", id.MemberID).Update("subscribed", false).Error; err != nil {
			return err
		}
		return tx.Create(&model.MemberEvent{MemberID: id.MemberID, Kind: model.EventUnfollow, Detail: "公众号", CreatedAt: s.now().UTC()}).Error
	})
}

// Touch records that the member was active now (a message, a menu click).
func (s *Service) Touch(ctx context.Context, memberID int64) error {
	return s.db.WithContext(ctx).Model(&model.Member{}).Where("id = ?", memberID).
		Update("last_active_at", s.now().UTC()).Error
}

// Events returns the member's latest timeline events, newest first.
func (s *Service) Events(ctx context.Context, memberID int64, limit int) ([]model.MemberEvent, error) {
	out := []model.MemberEvent{}
	err := s.db.WithContext(ctx).Where("member_id = ?", memberID).Order("created_at DESC, id DESC").Limit(limit).Find(&out).Error
	return out, err
}
