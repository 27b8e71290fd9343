package handler

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tagging"
)

// customerFor returns the customer with that external_userid if the
// signed-in guide may see them: a guide with an active WeCom relation to
// them, or the manager of their store. Errors: EINVALID for an empty id,
// EFORBIDDEN for an unknown customer and one the guide may not see alike.
func (s *Server) customerFor(c *gin.Context, externalUserID string) (model.Member, error) {
	externalUserID = strings.TrimSpace(externalUserID)
	if externalUserID == "" {
		return model.Member{}, invalid("external_userid: required")
	}
	ms, err := s.tags.FindMembers(c.Request.Context(), tagging.MemberFilter{ExternalUserID: externalUserID, Limit: 1})
	if err != nil {
		return model.Member{}, err
	}
	// "Not yours" and "does not exist" answer alike, so a guide cannot
	// probe which external_userids Siyu knows.
	notYours := model.Errorf(model.EFORBIDDEN, "customer %s is not one of yours", externalUserID)
	if len(ms) == 0 {
		return model.Member{}, notYours
	}
	m := ms[0]
	g, _ := guideOf(c)
	ok, err := s.tags.GuideMaySee(c.Request.Context(), g, m.ID)
	if err != nil {
		return model.Member{}, err
	}
	if !ok {
		return model.Member{}, notYours
	}
	return m, nil
}
