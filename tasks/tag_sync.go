package tasks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tagging"
	"github.com/siyu/siyu/wx"
)

// TypeMirrorTags mirrors a member's scene, manual and segment tags to WeCom: every
// guide who has the member as a contact sees them as corp tags.
const TypeMirrorTags = "wecom:mirror_tags"

// codeInvalidTagID is WeCom's answer to a tag id that no longer exists.
const codeInvalidTagID = 40068

// MirrorTagsPayload names the member, and tags just taken off in Siyu that
// should come off in WeCom too.
type MirrorTagsPayload struct {
	MemberID int64    `json:"member_id"`
	Remove   []string `json:"remove,omitempty"`
}

// NewMirrorTagsTask returns the mirror task for a member; key names what
// triggered it (one task per trigger). Errors: none in practice.
func NewMirrorTagsTask(memberID int64, remove []string, key string) (*asynq.Task, error) {
	payload, err := json.Marshal(MirrorTagsPayload{MemberID: memberID, Remove: remove})
	if err != nil {
		return nil, err
	}
	return asynq.NewTask(TypeMirrorTags, payload, asynq.TaskID(fmt.Sprintf("mirror:%d:%s", memberID, key)),
		asynq.MaxRetry(10), asynq.Timeout(2*time.Minute), asynq.Retention(time.Hour)), nil
}

func (h *handlers) enqueueMirror(ctx context.Context, memberID int64, remove []string, key string) error {
	t, err := NewMirrorTagsTask(memberID, remove, key)
	if err != nil {
		return err
	}
	return h.Queue.Enqueue(ctx, t, QueueDefault)
}

// mirrorTags handles TypeMirrorTags. It compares what each guide's view of
// the contact carries with what it should, and calls mark_tag only for the
// difference, so a retry after a lost answer makes no second call.
func (h *handlers) mirrorTags(ctx context.Context, t *asynq.Task) error {
	var p MirrorTagsPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return BadPayload(t, err)
	}
	return h.mirrorMember(ctx, p.MemberID, p.Remove)
}

// mirrorMember mirrors one member's tags to every guide's view of them, and
// takes remove off. A member without WeCom relations needs no call.
func (h *handlers) mirrorMember(ctx context.Context, memberID int64, remove []string) error {
	m, err := h.Members.GetMember(ctx, memberID)
	if errors.Is(err, model.ErrMemberNotFound) {
		return fmt.Errorf("member %d: %w", memberID, asynq.SkipRetry)
	} else if err != nil {
		return err
	}
	rels, err := h.Members.ActiveRelations(ctx, m.ID)
	if err != nil || len(rels) == 0 {
		return err
	}
	names, err := h.Tagging.MirroredTags(ctx, m.ID)
	if err != nil {
		return err
	}
	var errs []error
	for _, contact := range groupByContact(rels) {
		if err := h.mirrorContact(ctx, contact, names, remove); err != nil {
			errs = append(errs, err)
		}
	}
	return joinFailures(errs)
}

// groupByContact groups relations by (corp, external_userid).
func groupByContact(rels []model.GuideRelation) [][]model.GuideRelation {
	var out [][]model.GuideRelation
	index := map[string]int{}
	for _, r := range rels {
		k := r.CorpID + "|" + r.ExternalUserID
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], r)
	}
	return out
}

// mirrorContact mirrors to one external contact, as seen by each guide.
func (h *handlers) mirrorContact(ctx context.Context, rels []model.GuideRelation, names, remove []string) error {
	corp, ext := rels[0].CorpID, rels[0].ExternalUserID
	want := make([]string, 0, len(names))
	var seen []tagging.CorpTag
	for _, n := range names {
		group, tag := tagging.CorpTagOf(n)
		id, err := h.WeCom.EnsureCorpTag(ctx, group, tag)
		if err != nil {
			return WxFailure("ensure corp tag "+n, err)
		}
		want = append(want, id)
		seen = append(seen, tagging.CorpTag{ID: id, Group: group, Name: tag})
	}
	if err := h.Tagging.RecordWeComTags(ctx, corp, seen); err != nil {
		return err
	}
	drop, err := h.Tagging.WeComTagIDs(ctx, corp, slices.DeleteFunc(slices.Clone(remove), func(n string) bool { return slices.Contains(names, n) }))
	if err != nil {
		return err
	}
	ec, err := h.WeCom.GetExternalContact(ctx, ext)
	if err != nil {
		return WxFailure("read wecom contact", err)
	}
	var errs []error
	for _, r := range rels {
		var have []string
		for _, f := range ec.FollowUsers {
			if f.UserID == r.GuideUserID {
				have = f.TagIDs
			}
		}
		add := slices.DeleteFunc(slices.Clone(want), func(id string) bool { return slices.Contains(have, id) })
		var rm []string
		for _, id := range drop {
			if slices.Contains(have, id) {
				rm = append(rm, id)
			}
		}
		if len(add) == 0 && len(rm) == 0 {
			continue
		}
		err := h.WeCom.MarkTag(ctx, r.GuideUserID, ext, add, rm)
		if wx.ErrCode(err) == codeInvalidTagID {
			// A tag was deleted in WeCom since its id was cached: forget the
			// ids, and the retry creates the tags again.
			for _, n := range names {
				group, tag := tagging.CorpTagOf(n)
				_ = h.WeCom.ForgetCorpTag(ctx, group, tag)
			}
			errs = append(errs, fmt.Errorf("mark_tag for %s: %w (cached tag ids dropped; retrying)", r.GuideUserID, err))
			continue
		}
		if err != nil {
			errs = append(errs, WxFailure("mark_tag for "+r.GuideUserID, err))
		}
	}
	return joinFailures(errs)
}

// joinFailures joins errors; the result skips retries only when every one
// of them does.
func joinFailures(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	err := errors.Join(errs...)
	for _, e := range errs {
		if !errors.Is(e, asynq.SkipRetry) {
			return stripSkip{err}
		}
	}
	return err
}

// stripSkip hides asynq.SkipRetry in a joined error that has a retryable
// part; wx codes stay visible to RetryDelay.
type stripSkip struct{ err error }

func (s stripSkip) Error() string { return s.err.Error() }

// As lets errors.As (and wx.ErrCode) see the errors inside.
func (s stripSkip) As(target any) bool {
	return errors.As(s.err, target)
}

// corpTagsChanged handles change_external_tag: tags were created, renamed
// or deleted in WeCom. It reads the corp's tag list and reconciles the
// recorded ids and the members' wecom-source tags with it.
func (h *handlers) corpTagsChanged(ctx context.Context, ev WeComEvent) error {
	switch ev.ChangeType {
	case "create", "update", "delete":
	default:
		return nil // shuffle: only the order changed
	}
	tags, err := h.WeCom.ListCorpTags(ctx, nil)
	if err != nil {
		return WxFailure("list corp tags", err)
	}
	present := make([]tagging.CorpTag, len(tags))
	for i, t := range tags {
		present[i] = corpTag(t)
	}
	stale, err := h.Tagging.ReconcileWeComTags(ctx, ev.CorpID, present)
	if err != nil {
		return fmt.Errorf("reconcile corp tags: %w", err)
	}
	for _, t := range stale {
		if err := h.WeCom.ForgetCorpTag(ctx, t.Group, t.Name); err != nil {
			return fmt.Errorf("forget cached tag id: %w", err)
		}
	}
	h.log.Info("wecom corp tags reconciled", "change", ev.ChangeType, "tag_type", ev.TagType, "stale", len(stale))
	return nil
}
