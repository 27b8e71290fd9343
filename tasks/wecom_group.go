package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/groups"
	"github.com/siyu/siyu/wx"
)

// Customer-group task types.
const (
	// TypeGroupDetails reads a group with groupchat/get and reconciles its
	// rows; retried while the API fails.
	TypeGroupDetails = "wecom:group_details"
	// TypeSyncGroups walks one page of groupchat/list and queues a
	// TypeGroupDetails for each group, then the next page.
	TypeSyncGroups = "wecom:groups_sync"
)

// EventChangeExternalChat is the customer-group callback event.
const EventChangeExternalChat = "change_external_chat"

// codeChatNotFound is groupchat/get's answer for a group that is gone.
const codeChatNotFound = 40050

// GroupDetailsPayload names the group to read.
type GroupDetailsPayload struct {
	CorpID string `json:"corp_id"`
	ChatID string `json:"chat_id"`
}

// NewGroupDetailsTask returns the task that reads chatID's details; key
// makes its TaskID (one read per event or per sync run). Errors: none in
// practice (JSON encoding).
func NewGroupDetailsTask(corpID, chatID, key string) (*asynq.Task, error) {
	payload, err := json.Marshal(GroupDetailsPayload{CorpID: corpID, ChatID: chatID})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeGroupDetails, payload, asynq.TaskID(GroupDetailsTaskID(chatID, key)),
		asynq.MaxRetry(12), asynq.Timeout(time.Minute), asynq.Retention(time.Hour)), nil
}

// GroupDetailsTaskID is the TaskID of the read of chatID's details for key.
func GroupDetailsTaskID(chatID, key string) string {
	sum := sha256.Sum256([]byte(chatID + "|" + key))
	return "group-details:" + hex.EncodeToString(sum[:16])
}

// queueGroupDetails records that the groups' details are wanted and
// queues their reads (TaskIDs from key), in that order: the sweeper finds
// a read Redis lost by the record. Reads are spread by spread each.
func (h *handlers) queueGroupDetails(ctx context.Context, corpID string, chatIDs []string, key, priority string, spread time.Duration) error {
	if err := h.Groups.WantDetails(ctx, corpID, chatIDs, key); err != nil {
		return err
	}
	for i, id := range chatIDs {
		t, err := NewGroupDetailsTask(corpID, id, key)
		if err != nil {
			return err
		}
		if err := h.Queue.Enqueue(ctx, t, priority, asynq.ProcessIn(time.Duration(i)*spread)); err != nil {
			return err
		}
	}
	return nil
}

// SyncGroupsPayload is one page of a sync run.
type SyncGroupsPayload struct {
	CorpID string   `json:"corp_id"`
	Run    string   `json:"run"`              // names the run; TaskIDs derive from it
	Owners []string `json:"owners,omitempty"` // empty: every group
	Cursor string   `json:"cursor,omitempty"`
}

// NewSyncGroupsTask returns the task for one page of a sync run. Errors:
// none in practice (JSON encoding).
func NewSyncGroupsTask(p SyncGroupsPayload) (*asynq.Task, error) {
	payload, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeSyncGroups, payload, asynq.TaskID(SyncGroupsTaskID(p)),
		asynq.MaxRetry(10), asynq.Timeout(5*time.Minute), asynq.Retention(time.Hour)), nil
}

// SyncGroupsTaskID is the TaskID of a sync run's page: the run and cursor.
func SyncGroupsTaskID(p SyncGroupsPayload) string {
	id := fmt.Sprintf("groups-sync:%s:%x", p.Run, sha256.Sum256([]byte(p.Cursor)))
	return id[:min(len(id), 120)]
}

// chatChanged handles change_external_chat: what the event says is
// recorded at once, the details are read by a TypeGroupDetails task.
func (h *handlers) chatChanged(ctx context.Context, ev WeComEvent) error {
	if h.Groups == nil {
		h.log.Warn("customer group event but groups are not wired; ignored", "chat_id", ev.ChatID)
		return nil
	}
	var list []string
	if ev.MemChangeList != "" {
		list = strings.Split(ev.MemChangeList, ",")
	}
	fetch, err := h.Groups.RecordEvent(ctx, groups.ChatEvent{CorpID: ev.CorpID, ChatID: ev.ChatID, ChangeType: ev.ChangeType,
		UpdateDetail: ev.UpdateDetail, JoinScene: ev.JoinScene, QuitScene: ev.QuitScene, MemChangeList: list, At: ev.At()})
	if err != nil || !fetch {
		return err
	}
	return h.queueGroupDetails(ctx, ev.CorpID, []string{ev.ChatID}, ev.Key(), QueueDefault, 0)
}

// groupDetails handles TypeGroupDetails.
func (h *handlers) groupDetails(ctx context.Context, t *asynq.Task) error {
	var p GroupDetailsPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.ChatID == "" {
		return BadPayload(t, fmt.Errorf("no chat id: %v", err))
	}
	api, err := h.Groups.WeCom()
	if err != nil {
		return WxFailure("read customer group", err)
	}
	started := h.Now()
	chat, err := api.GetGroupChat(ctx, p.ChatID)
	var we *wx.Error
	if errors.As(err, &we) && we.Code == codeChatNotFound {
		h.log.Info("customer group is gone in WeCom; its dismiss event ends it", "chat_id", p.ChatID)
		return h.Groups.DetailsRead(ctx, p.ChatID, started)
	}
	if err != nil {
		return WxFailure("read customer group", err)
	}
	res, err := h.Groups.Reconcile(ctx, p.CorpID, chat)
	if err != nil {
		return fmt.Errorf("reconcile group %s: %w", p.ChatID, err)
	}
	if err := h.Groups.DetailsRead(ctx, p.ChatID, started); err != nil {
		return err
	}
	for _, c := range res.Warnings {
		h.log.Warn("customer group nearly full", "chat_id", p.ChatID, "members", res.Group.MemberCount, "code", c.ID, "scene", c.Scene)
		if res.Group.Owner == "" {
			continue
		}
		n := NotifyPayload{To: res.Group.Owner, Text: groups.CapacityText(c, res.Group),
			Key: fmt.Sprintf("group-capacity:%d:%s:%d", c.ID, p.ChatID, c.WarnedAt.Unix())}
		if err := h.enqueueNotify(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

// syncGroups handles TypeSyncGroups: it lists the run's page, records and
// queues a read of each group, moves the run past the page and queues the
// next. A page of a finished run, or one the run is already past, does
// nothing.
func (h *handlers) syncGroups(ctx context.Context, t *asynq.Task) error {
	var p SyncGroupsPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil || p.Run == "" {
		return BadPayload(t, fmt.Errorf("no run: %v", err))
	}
	run, found, err := h.Groups.SyncRun(ctx, p.Run)
	if err != nil || (found && run.FinishedAt != nil) {
		return err
	}
	if found && run.Cursor != p.Cursor { // a page listed before: go on from where the run is
		p.Cursor = run.Cursor
		nt, err := NewSyncGroupsTask(p)
		if err != nil {
			return err
		}
		return h.Queue.Enqueue(ctx, nt, QueueLow)
	}
	api, err := h.Groups.WeCom()
	if err != nil {
		return WxFailure("list customer groups", err)
	}
	ids, next, err := api.ListGroupChats(ctx, p.Owners, p.Cursor, 100)
	if err != nil {
		return WxFailure("list customer groups", err)
	}
	// Spread the reads so a big corp's sync stays under WeCom's rate.
	if err := h.queueGroupDetails(ctx, p.CorpID, ids, "sync:"+p.Run, QueueLow, 20*time.Millisecond); err != nil {
		return err
	}
	if err := h.Groups.SyncPageListed(ctx, p.Run, p.Cursor, next); err != nil {
		return err
	}
	if next == "" || next == p.Cursor {
		h.log.Info("customer group sync listed its last page", "run", p.Run)
		return nil
	}
	p.Cursor = next
	nt, err := NewSyncGroupsTask(p)
	if err != nil {
		return err
	}
	return h.Queue.Enqueue(ctx, nt, QueueLow)
}
