package tasks

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/model"
)

// TypeMemberNotice sends one loyalty message to a member.
const TypeMemberNotice = "member:notice"

// Notice kinds; RefID names the row the message is about.
const (
	NoticeLevelUp  = "level_up" // RefID: the level change
	NoticeReferral = "referral" // RefID: the inviter's ledger entry
	NoticeBirthday = "birthday" // RefID: the birthday ledger entry
	NoticeExpiry   = "expiry"   // RefID: the expiry reminder
)

// NoticePayload is the payload of TypeMemberNotice.
type NoticePayload struct {
	Kind     string `json:"kind"`
	MemberID int64  `json:"member_id"`
	RefID    int64  `json:"ref_id"`
}

// NewNoticeTask returns the task that tells the member about kind/refID.
func NewNoticeTask(kind string, memberID, refID int64) *asynq.Task {
	b, _ := json.Marshal(NoticePayload{Kind: kind, MemberID: memberID, RefID: refID})
	return asynq.NewTask(TypeMemberNotice, b)
}

// TaskEnqueuer is what queues tasks (*Enqueuer, or a test double).
type TaskEnqueuer interface {
	Enqueue(ctx context.Context, t *asynq.Task, priority string, opts ...asynq.Option) error
}

// Notices queues member notices, once per kind and row (TaskID).
type Notices struct{ Enq TaskEnqueuer }

// Notifier queues a message to a member about a row; Notices implements it
// and tests use doubles.
type Notifier interface {
	QueueNotice(ctx context.Context, kind string, memberID, refID int64) error
}

// QueueNotice queues a notice; queuing the same one twice sends it once.
// Errors: Redis's.
func (n Notices) QueueNotice(ctx context.Context, kind string, memberID, refID int64) error {
	return n.Enq.Enqueue(ctx, NewNoticeTask(kind, memberID, refID), QueueDefault,
		asynq.TaskID(fmt.Sprintf("notice:%s:%d:%d", kind, memberID, refID)), asynq.MaxRetry(12),
		asynq.Timeout(30*time.Second), asynq.Retention(24*time.Hour))
}

// handleNotice composes the message from the row it is about and sends it.
func (d Deps) handleNotice(ctx context.Context, t *asynq.Task) error {
	var p NoticePayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.MemberID <= 0 {
		return fmt.Errorf("%s: bad payload %q: %v: %w", TypeMemberNotice, t.Payload(), err, asynq.SkipRetry)
	}
	if d.Messenger == nil { // fail before composing: nothing is marked done
		return ErrNoMessenger
	}
	var text string
	var err error
	switch p.Kind {
	case NoticeLevelUp:
		text, err = d.levelUpText(ctx, p.RefID)
	case NoticeReferral, NoticeBirthday:
		text, err = d.creditText(ctx, p)
	case NoticeExpiry:
		return d.sendExpiryReminder(ctx, p)
	default:
		return fmt.Errorf("%s: unknown kind %q: %w", TypeMemberNotice, p.Kind, asynq.SkipRetry)
	}
	if err != nil {
		return err
	}
	_, err = sendToMember(ctx, d.Messenger, d.Members, p.MemberID, text)
	return err
}

func (d Deps) levelUpText(ctx context.Context, changeID int64) (string, error) {
	ch, err := d.Loyalty.LevelChange(ctx, changeID)
	if err != nil {
		return "", err
	}
	lv, err := d.Loyalty.Level(ctx, ch.To)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "🎉 恭喜您升级为【%s】会员！当前成长值 %d。", ch.To, ch.Growth)
	if lv.Benefits != "" {
		fmt.Fprintf(&b, "\n会员权益：%s", lv.Benefits)
	}
	if len(lv.UpgradeCoupons) > 0 {
		b.WriteString("\n升级礼券已发放，回复「我的券」查看。")
	}
	return b.String(), nil
}

func (d Deps) creditText(ctx context.Context, p NoticePayload) (string, error) {
	e, err := d.Loyalty.Entry(ctx, p.RefID)
	if err != nil {
		return "", err
	}
	bal, err := d.Loyalty.Balance(ctx, p.MemberID)
	if err != nil {
		return "", err
	}
	if p.Kind == NoticeBirthday {
		return fmt.Sprintf("🎂 生日快乐！送您 %d 积分生日礼，当前积分 %d。回复「兑换」看看能换什么～", e.Delta, bal), nil
	}
	return fmt.Sprintf("您邀请的好友已关注，奖励您 %d 积分！当前积分 %d。回复「邀请」继续邀请好友。", e.Delta, bal), nil
}

// sendExpiryReminder sends an expiry reminder once; when its points have
// been spent since, it is marked done without a message.
func (d Deps) sendExpiryReminder(ctx context.Context, p NoticePayload) error {
	r, left, err := d.Loyalty.Reminder(ctx, p.RefID)
	if err != nil {
		return err
	}
	if r.Status == model.ReminderSent {
		return nil
	}
	if left > 0 {
		text := fmt.Sprintf("⏰ 积分到期提醒：您有 %d 积分将于 %s 后过期。回复「兑换」看看能换什么，回复「积分明细」查看明细。",
			left, d.Loyalty.ValidThrough(r.Deadline))
		if _, err := sendToMember(ctx, d.Messenger, d.Members, r.MemberID, text); err != nil {
			return err
		}
	}
	return d.Loyalty.MarkReminderSent(ctx, r.ID)
}
