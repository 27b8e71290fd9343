package guides

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/wx"
)

// maxStateLen is how much of a state WeCom keeps.
const maxStateLen = 30

// ContactWayRequest asks for a contact-way QR code for a scene that routes
// to the given guides (one guide makes a single-member code).
type ContactWayRequest struct {
	Scene      string
	Guides     []string
	Remark     string
	SkipVerify bool // add without the guide confirming
}

// CreateContactWay creates the code in WeCom with state = scene and records
// it. The scene must exist and fit WeCom's 30-character state; the guides
// must be recorded. Errors: EINVALID, ErrSceneNotFound, EUNAVAILABLE and
// EUPSTREAM from WeCom.
func (s *Codes) CreateContactWay(ctx context.Context, r ContactWayRequest) (model.ContactWay, error) {
	r.Scene = strings.TrimSpace(r.Scene)
	if r.Scene == "" || utf8.RuneCountInString(r.Scene) > maxStateLen {
		return model.ContactWay{}, model.Errorf(model.EINVALID, "scene %q: a contact-way state is 1-%d characters", r.Scene, maxStateLen)
	}
	guides, err := cleanGuides(r.Guides)
	if err != nil {
		return model.ContactWay{}, err
	}
	if utf8.RuneCountInString(r.Remark) > 30 {
		return model.ContactWay{}, model.Errorf(model.EINVALID, "remark: at most 30 characters")
	}
	if _, err := s.scenes.GetScene(ctx, r.Scene); err != nil {
		return model.ContactWay{}, err
	}
	unknown, err := s.dir.UnknownGuides(ctx, guides)
	if err != nil {
		return model.ContactWay{}, err
	}
	if len(unknown) > 0 {
		return model.ContactWay{}, model.Errorf(model.EINVALID, "guides %s are not recorded: create or import them first", strings.Join(unknown, ", "))
	}
	way := wx.ContactWay{Type: 2, Scene: 2, State: r.Scene, Users: guides, Remark: r.Remark, SkipVerify: r.SkipVerify}
	if len(guides) == 1 {
		way.Type = 1
	}
	configID, qr, err := s.wecom.AddContactWay(ctx, way)
	if err != nil {
		return model.ContactWay{}, upstream("WeCom", wecomVars, err)
	}
	cw, err := s.dir.SaveContactWay(ctx, model.ContactWay{ConfigID: configID, Scene: r.Scene, Guides: guides,
		Remark: r.Remark, SkipVerify: r.SkipVerify, QRCodeURL: qr})
	if err != nil {
		// Not recorded, so not listable or deletable here: undo it in WeCom.
		_ = s.wecom.DelContactWay(context.WithoutCancel(ctx), configID)
		return cw, err
	}
	return cw, nil
}

// DeleteContactWay deletes the code in WeCom, then the record; a code WeCom
// no longer knows is only forgotten. Errors: guides.ErrContactWayNotFound,
// EUNAVAILABLE and EUPSTREAM from WeCom.
func (s *Codes) DeleteContactWay(ctx context.Context, id int64) error {
	cw, err := s.dir.GetContactWay(ctx, id)
	if err != nil {
		return err
	}
	err = s.wecom.DelContactWay(ctx, cw.ConfigID)
	if err != nil && !isUnknownConfig(err) {
		return upstream("WeCom", wecomVars, err)
	}
	return s.dir.DeleteContactWay(ctx, id)
}

// isUnknownConfig reports WeCom's answer for a config id it does not know
// (deleted in the admin console, say).
func isUnknownConfig(err error) bool {
	return wx.ErrCode(err) == 40058 && strings.Contains(strings.ToLower(err.Error()), "config")
}

// cleanGuides trims, dedupes and bounds a guide list.
func cleanGuides(in []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, g := range in {
		g = strings.TrimSpace(g)
		if g == "" || seen[g] {
			continue
		}
		seen[g] = true
		out = append(out, g)
	}
	if len(out) == 0 || len(out) > 100 {
		return nil, model.Errorf(model.EINVALID, "guides: want 1-100 WeCom userids, got %d", len(out))
	}
	return out, nil
}
