package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/wx"
)

// TypeSendWelcome answers an add event's WelcomeCode with the scene's
// welcome. Enqueue it on the critical queue: WeCom accepts a welcome only
// within WelcomeWindow of the event, and only once per code.
const TypeSendWelcome = "wecom:welcome"

// WelcomeWindow is how long after the add event WeCom accepts its welcome.
const WelcomeWindow = 20 * time.Second

// DefaultWeComWelcome greets a customer who added a guide through no scene,
// or one without a welcome text.
const DefaultWeComWelcome = "您好，很高兴为您服务！有任何问题随时联系我。"

// codeWelcomeUsed is WeCom's answer to a welcome code already used (or
// expired).
const codeWelcomeUsed = 41051

// WelcomePayload is the welcome to send for one add event.
type WelcomePayload struct {
	WelcomeCode string `json:"welcome_code"`
	State       string `json:"state,omitempty"` // the scene whose welcome is sent
	GuideUserID string `json:"guide_userid"`
	EventAt     int64  `json:"event_at"` // the add event's CreateTime
}

// NewSendWelcomeTask returns the welcome task for an add event with a
// WelcomeCode: one per code (TaskID), few quick retries, a 15 s timeout.
// Errors: EINVALID for an event without a welcome code.
func NewSendWelcomeTask(ev WeComEvent) (*asynq.Task, error) {
	if ev.WelcomeCode == "" {
		return nil, model.Errorf(model.EINVALID, "event has no WelcomeCode")
	}
	payload, err := json.Marshal(WelcomePayload{WelcomeCode: ev.WelcomeCode, State: ev.State, GuideUserID: ev.UserID, EventAt: ev.CreateTime})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeSendWelcome, payload, asynq.TaskID("welcome:"+ev.WelcomeCode),
		asynq.MaxRetry(3), asynq.Timeout(15*time.Second), asynq.Retention(time.Hour)), nil
}

// sendWelcome handles TypeSendWelcome: it sends the scene's welcome text
// (or the default one) before the window closes, and gives up after it.
func (h *handlers) sendWelcome(ctx context.Context, t *asynq.Task) error {
	var p WelcomePayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return BadPayload(t, err)
	}
	deadline := time.Unix(p.EventAt, 0).Add(WelcomeWindow)
	if !h.Now().Before(deadline) {
		h.log.Warn("welcome not sent: WeCom's 20 s window has passed", "guide", p.GuideUserID, "state", p.State)
		return fmt.Errorf("welcome window passed %s ago: %w", h.Now().Sub(deadline).Round(time.Millisecond), asynq.SkipRetry)
	}
	text := DefaultWeComWelcome
	if p.State != "" {
		sc, err := h.Tagging.GetScene(ctx, p.State)
		switch {
		case err == nil && sc.Welcome != "":
			text = sc.Welcome
		case err != nil && !errors.Is(err, model.ErrSceneNotFound):
			return fmt.Errorf("welcome: read scene: %w", err)
		}
	}
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	err := h.WeCom.SendWelcomeMsg(ctx, p.WelcomeCode, text)
	if wx.ErrCode(err) == codeWelcomeUsed {
		// Our earlier attempt most likely got through and its answer was lost.
		h.log.Warn("welcome code already used or expired; not sent again", "guide", p.GuideUserID, "err", err)
		return nil
	}
	if err != nil {
		return WxFailure("send welcome", err)
	}
	return nil
}
