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
// EFORBIDDEN for an unknown customer and one the guide may not see alike.
func (s *Server) customerFor(c *gin.Context, externalUserID string) (model.MemberView, error) {
	externalUserID = strings.TrimSpace(externalUserID)
	if externalUserID == "" {
		return model.MemberView{}, invalid("external_userid: required")
	}
	ms, err := s.members.FindMembers(c.Request.Context(), members.MemberFilter{ExternalUserID: externalUserID, Limit: 1})
	if err != nil {
		return model.MemberView{}, err
	}
	// "Not yours" and "does not exist" answer alike, so a guide cannot
	// probe which external_userids Siyu knows.
	notYours := model.Errorf(model.EFORBIDDEN, "customer %s is not one of yours", externalUserID)
	if len(ms) == 0 {
		return model.MemberView{}, notYours
	}
	m := ms[0]
	g, _ := guideOf(c)
	ok, err := s.members.GuideMaySee(c.Request.Context(), g, m.ID)
	if err != nil {
		return model.MemberView{}, err
	}
	if !ok {
		return model.MemberView{}, notYours
	}
	return m, nil
}
