package handler

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
)

// customerFor returns the customer with that external_userid if the
// signed-in guide may see them: a guide with an active WeCom relation to
// them, or the manager of their store. Errors: EINVALID for an empty id,
// ENOTFOUND for an unknown customer, EFORBIDDEN otherwise.
func (s *Server) customerFor(c *gin.Context, externalUserID string) (model.MemberView, error) {
	externalUserID = strings.TrimSpace(externalUserID)
	if externalUserID == "" {
		return model.MemberView{}, invalid("external_userid: required")
	}
	ms, err := s.members.FindMembers(c.Request.Context(), members.MemberFilter{ExternalUserID: externalUserID, Limit: 1})
	if err != nil {
		return model.MemberView{}, err
	}
	if len(ms) == 0 {
		return model.MemberView{}, model.Errorf(model.ENOTFOUND, "customer %s is not known to Siyu yet", externalUserID)
	}
	m := ms[0]
	g, _ := guideOf(c)
	ok, err := s.members.GuideMaySee(c.Request.Context(), g, m.ID)
	if err != nil {
		return model.MemberView{}, err
	}
	if !ok {
		return model.MemberView{}, model.Errorf(model.EFORBIDDEN, "customer %s is not one of yours", externalUserID)
	}
	return m, nil
}
