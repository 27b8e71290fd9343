package guides

import (
	"errors"
	"fmt"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tagging"
	"github.com/siyu/siyu/wx"
)

// Codes creates the codes that bring members in through a scene — WeCom
// contact-way ("联系我") QR codes whose state is the scene, and Official
// Account parametric QR codes — and keeps the guide directory in step with
// WeCom's address book. It calls WeChat and WeCom through wx and records
// the results through the directory's Service.
type Codes struct {
	dir    *Service
	scenes *tagging.Service
	wecom  wx.WeCom
	oa     wx.OfficialAccount
}

// NewCodes returns a Codes over the directory dir whose codes name scenes
// of scenes. wecom and oa may be clients without credentials: their calls
// then fail with EUNAVAILABLE naming the variables to set.
func NewCodes(dir *Service, scenes *tagging.Service, wecom wx.WeCom, oa wx.OfficialAccount) *Codes {
	return &Codes{dir: dir, scenes: scenes, wecom: wecom, oa: oa}
}

// upstream turns a failed WeChat or WeCom call into a model error: not
// configured is EUNAVAILABLE naming what to set, a retryable failure is
// EUNAVAILABLE, and a refusal is EUPSTREAM with the platform's message.
func upstream(platform, vars string, err error) error {
	var we *wx.Error
	switch {
	case err == nil:
		return nil
	case errors.Is(err, wx.ErrNotConfigured):
		return model.Errorf(model.EUNAVAILABLE, "%s API is not configured: set %s", platform, vars)
	case errors.As(err, &we) && !wx.Retryable(err):
		return model.Errorf(model.EUPSTREAM, "%s refused the call: errcode %d: %s", platform, we.Code, we.Msg)
	case wx.Retryable(err):
		return model.Errorf(model.EUNAVAILABLE, "%s is not answering; try again later (%v)", platform, err)
	}
	return fmt.Errorf("%s: %w", platform, err)
}

const (
	wecomVars = "SIYU_WECOM_CORPID and SIYU_WECOM_CONTACT_SECRET"
	oaVars    = "SIYU_WECHAT_APPID and SIYU_WECHAT_SECRET"
	appVars   = "SIYU_WECOM_CORPID, SIYU_WECOM_AGENT_ID and SIYU_WECOM_AGENT_SECRET"
)
