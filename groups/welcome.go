package groups

import (
	"context"
	"errors"
	"strings"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/wx"
)

// ErrGroupWelcomeNotFound is returned for a scene without a group welcome.
var ErrGroupWelcomeNotFound = model.Errorf(model.ENOTFOUND, "group welcome not found")

// welcomeVars are the script variables a group welcome may use, as WeCom
// writes them: only the newcomer's name is filled in by the platform.
var welcomeVars = strings.NewReplacer("{{称呼}}", "%NICKNAME%", "{{昵称}}", "%NICKNAME%")

// SaveWelcome creates or replaces the scene's group welcome: the template
// in WeCom (add, or edit when it exists) and the row. {{称呼}} becomes the
// newcomer's name. created reports which. Errors: EINVALID (unknown scene,
// empty or over 4000 characters), EUNAVAILABLE and EUPSTREAM from WeCom.
func (s *Service) SaveWelcome(ctx context.Context, scene, text string) (w model.GroupWelcome, created bool, err error) {
	text = strings.TrimSpace(text)
	if text == "" || utf8.RuneCountInString(text) > 4000 {
		return w, false, model.Errorf(model.EINVALID, "text: want 1-4000 characters")
	}
	if sc, _, err := s.members.LookupScene(ctx, scene); err != nil || sc == nil {
		if err != nil {
			return w, false, err
		}
		return w, false, model.Errorf(model.EINVALID, "scene %q is not configured", scene)
	}
	wc, err := s.WeCom()
	if err != nil {
		return w, false, upstream("WeCom", err)
	}
	cur, err := s.GetWelcome(ctx, scene)
	switch {
	case errors.Is(err, ErrGroupWelcomeNotFound):
		created = true
		cur = model.GroupWelcome{Scene: scene}
		if cur.TemplateID, err = wc.AddGroupWelcome(ctx, welcomeVars.Replace(text)); err != nil {
			return w, false, upstream("group_welcome_template/add", err)
		}
	case err != nil:
		return w, false, err
	default:
		if err := wc.EditGroupWelcome(ctx, cur.TemplateID, welcomeVars.Replace(text)); err != nil {
			return w, false, upstream("group_welcome_template/edit", err)
		}
	}
	cur.Text = text
	err = s.st.Tx(ctx, func(tx *gorm.DB) error { return tx.Save(&cur).Error })
	return cur, created, err
}

// GetWelcome returns the scene's group welcome. Errors:
// ErrGroupWelcomeNotFound.
func (s *Service) GetWelcome(ctx context.Context, scene string) (model.GroupWelcome, error) {
	var w model.GroupWelcome
	err := s.db.WithContext(ctx).Where("scene = ?", scene).Take(&w).Error
	return w, store.NotFound(err, ErrGroupWelcomeNotFound)
}

// ListWelcomes returns every scene's group welcome, by scene.
func (s *Service) ListWelcomes(ctx context.Context) ([]model.GroupWelcome, error) {
	out := []model.GroupWelcome{}
	err := s.db.WithContext(ctx).Order("scene").Find(&out).Error
	return out, err
}

// DeleteWelcome deletes the template in WeCom (one already gone there is
// fine) and the row. Errors: ErrGroupWelcomeNotFound, EUPSTREAM.
func (s *Service) DeleteWelcome(ctx context.Context, scene string) error {
	wc, err := s.WeCom()
	if err != nil {
		return upstream("WeCom", err)
	}
	cur, err := s.GetWelcome(ctx, scene)
	if err != nil {
		return err
	}
	var we *wx.Error
	if err := wc.DelGroupWelcome(ctx, cur.TemplateID); err != nil && !(errors.As(err, &we) && we.Code == 41049) {
		return upstream("group_welcome_template/del", err)
	}
	return s.st.Tx(ctx, func(tx *gorm.DB) error { return tx.Delete(&model.GroupWelcome{}, cur.ID).Error })
}
