package groups

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/wx"
)

// ErrGroupCodeNotFound is returned for a group code id that does not exist.
var ErrGroupCodeNotFound = model.Errorf(model.ENOTFOUND, "group code not found")

// joinWay is the WeCom join way of a code: a QR code whose state is the
// code's scene.
func joinWay(c model.GroupCode) wx.JoinWay {
	w := wx.JoinWay{ConfigID: c.ConfigID, Scene: 2, Remark: c.Remark, RoomBaseName: c.RoomBaseName, RoomBaseID: c.RoomBaseID,
		ChatIDs: c.ChatIDs, State: c.Scene}
	if c.AutoCreateRoom {
		w.AutoCreateRoom = 1
	}
	return w
}

// checkCode validates c and checks that its scene is configured, so a join
// through it tags by the scene's rules. Errors: EINVALID.
func (s *Service) checkCode(ctx context.Context, c *model.GroupCode) error {
	if err := c.Validate(); err != nil {
		return err
	}
	sc, unknown, err := s.members.LookupScene(ctx, c.Scene)
	if err != nil {
		return err
	}
	if unknown || sc == nil {
		return model.Errorf(model.EINVALID, "scene %q is not configured: create it under /api/hq/scenes first", c.Scene)
	}
	return nil
}

// CreateCode creates the join way in WeCom with the scene as its state,
// reads its QR code and stores the code. Errors: EINVALID, wx.ErrNotConfigured,
// *wx.Error.
func (s *Service) CreateCode(ctx context.Context, c model.GroupCode) (model.GroupCode, error) {
	wc, err := s.WeCom()
	if err != nil {
		return c, upstream("WeCom", err)
	}
	if err := s.checkCode(ctx, &c); err != nil {
		return c, err
	}
	if c.ConfigID, err = wc.AddJoinWay(ctx, joinWay(c)); err != nil {
		return c, upstream("add_join_way", err)
	}
	got, err := wc.GetJoinWay(ctx, c.ConfigID)
	if err != nil {
		return c, upstream("get_join_way", err)
	}
	c.ID, c.QRCode = 0, got.QRCode
	err = s.st.Tx(ctx, func(tx *gorm.DB) error { return tx.Create(&c).Error })
	return c, err
}

// UpdateCode replaces a code's scene, groups and room settings in WeCom
// and here. Errors: ErrGroupCodeNotFound, EINVALID, *wx.Error.
func (s *Service) UpdateCode(ctx context.Context, id int64, c model.GroupCode) (model.GroupCode, error) {
	wc, err := s.WeCom()
	if err != nil {
		return c, upstream("WeCom", err)
	}
	cur, err := s.GetCode(ctx, id)
	if err != nil {
		return c, err
	}
	if err := s.checkCode(ctx, &c); err != nil {
		return c, err
	}
	c.ID, c.ConfigID, c.QRCode, c.CreatedAt = cur.ID, cur.ConfigID, cur.QRCode, cur.CreatedAt
	if err := wc.UpdateJoinWay(ctx, joinWay(c)); err != nil {
		return c, upstream("update_join_way", err)
	}
	err = s.st.Tx(ctx, func(tx *gorm.DB) error {
		return tx.Model(&model.GroupCode{}).Where("id = ?", id).Updates(map[string]any{
			"scene": c.Scene, "chat_ids": model.MarshalTags(c.ChatIDs), "auto_create_room": c.AutoCreateRoom,
			"room_base_name": c.RoomBaseName, "room_base_id": c.RoomBaseID, "remark": c.Remark}).Error
	})
	if err != nil {
		return c, err
	}
	return s.GetCode(ctx, id)
}

// DeleteCode deletes the join way in WeCom (one already gone there is
// fine) and the code. Errors: ErrGroupCodeNotFound, *wx.Error.
func (s *Service) DeleteCode(ctx context.Context, id int64) error {
	wc, err := s.WeCom()
	if err != nil {
		return upstream("WeCom", err)
	}
	cur, err := s.GetCode(ctx, id)
	if err != nil {
		return err
	}
	var we *wx.Error
	if err := wc.DelJoinWay(ctx, cur.ConfigID); err != nil && !(errors.As(err, &we) && we.Code == 41044) {
		return upstream("del_join_way", err)
	}
	return s.st.Tx(ctx, func(tx *gorm.DB) error { return tx.Delete(&model.GroupCode{}, id).Error })
}

// GetCode returns a code. Errors: ErrGroupCodeNotFound.
func (s *Service) GetCode(ctx context.Context, id int64) (model.GroupCode, error) {
	var c model.GroupCode
	err := s.db.WithContext(ctx).Take(&c, id).Error
	return c, store.NotFound(err, ErrGroupCodeNotFound)
}

// ListCodes returns every code, newest first.
func (s *Service) ListCodes(ctx context.Context) ([]model.GroupCode, error) {
	out := []model.GroupCode{}
	err := s.db.WithContext(ctx).Order("id DESC").Find(&out).Error
	return out, err
}

// upstream maps a failed WeCom call to what HQ is told: not configured or
// not answering is EUNAVAILABLE, a refusal EUPSTREAM with WeCom's message.
func upstream(op string, err error) error {
	var we *wx.Error
	switch {
	case errors.Is(err, wx.ErrNotConfigured):
		return model.Errorf(model.EUNAVAILABLE, "企业微信未配置：请设置 SIYU_WECOM_CORPID 和 SIYU_WECOM_CONTACT_SECRET")
	case errors.As(err, &we) && !wx.Retryable(err):
		return model.Errorf(model.EUPSTREAM, "企业微信拒绝了 %s：errcode %d：%s", op, we.Code, we.Msg)
	case wx.Retryable(err):
		return model.Errorf(model.EUNAVAILABLE, "企业微信暂时无响应，请稍后重试（%s）", op)
	}
	return fmt.Errorf("%s: %w", op, err)
}
