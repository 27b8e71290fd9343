package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/model"
)

// TypeResolveOAUnionID reads a new Official Account follower's unionid and
// merges them with the WeCom contact who has it, if any.
const TypeResolveOAUnionID = "oa:unionid"

// OAUnionIDPayload names the follower.
type OAUnionIDPayload struct {
	AppID  string `json:"app_id"`
	OpenID string `json:"openid"`
}

// NewResolveOAUnionIDTask returns the task for a follow of openID; key
// names the follow event (its CreateTime), one task per event. Errors:
// none in practice (JSON encoding).
func NewResolveOAUnionIDTask(appID, openID, key string) (*asynq.Task, error) {
	payload, err := json.Marshal(OAUnionIDPayload{AppID: appID, OpenID: openID})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeResolveOAUnionID, payload, asynq.TaskID(fmt.Sprintf("oa-unionid:%s:%s:%s", appID, openID, key)),
		asynq.MaxRetry(8), asynq.Timeout(30*time.Second), asynq.Retention(time.Hour)), nil
}

// resolveOAUnionID handles TypeResolveOAUnionID.
func (h *handlers) resolveOAUnionID(ctx context.Context, t *asynq.Task) error {
	var p OAUnionIDPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return BadPayload(t, err)
	}
	u, err := h.OA.GetUser(ctx, p.OpenID)
	if err != nil {
		return WxFailure("read follower", err)
	}
	if u.UnionID == "" {
		return nil // the account is not bound to an Open Platform account
	}
	m, err := h.Members.MemberByIdentity(ctx, model.PlatformOA, p.AppID, p.OpenID)
	if errors.Is(err, model.ErrMemberNotFound) {
		return fmt.Errorf("follower %s not recorded: %w", p.OpenID, asynq.SkipRetry)
	} else if err != nil {
		return err
	}
	_, err = h.mergeUnionID(ctx, m.ID, u.UnionID)
	return err
}
