package tasks

import (
	"context"
	"fmt"
	"time"

	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tagging"
	"github.com/siyu/siyu/wx"
)

// contactChanged handles a change_external_contact event.
func (h *handlers) contactChanged(ctx context.Context, ev WeComEvent) error {
	log := h.log.With("change_type", ev.ChangeType, "guide", ev.UserID, "external_userid", model.LogID(ev.ExternalUserID))
	if ev.ExternalUserID == "" || ev.UserID == "" {
		log.Warn("wecom contact event without guide or customer; ignored")
		return nil
	}
	switch ev.ChangeType {
	case ChangeAddExternalContact, ChangeAddHalfExternalContact:
		return h.contactAdded(ctx, ev)
	case ChangeEditExternalContact:
		_, err := h.refreshContact(ctx, ev.CorpID, ev.ExternalUserID)
		return err
	case ChangeDelExternalContact:
		by := model.EndedByGuide
		if ev.Source == SourceDeleteByTransfer {
			by = model.EndedByTransfer
		}
		return h.contactDeleted(ctx, ev, by)
	case ChangeDelFollowUser:
		return h.contactDeleted(ctx, ev, model.EndedByCustomer)
	case ChangeTransferFail:
		log.Warn("wecom: handing the customer to another guide failed; the relation stays", "reason", ev.FailReason)
		return nil
	}
	log.Info("wecom contact change ignored")
	return nil
}

// contactAdded records the member, the relation and the scene, then reads
// the contact's details (merging by unionid) and mirrors the member's tags.
// Every step is idempotent, so a retry after any failure is safe.
func (h *handlers) contactAdded(ctx context.Context, ev WeComEvent) error {
	res, err := h.Members.AddWeComContact(ctx, members.WeComArrival{
		CorpID: ev.CorpID, GuideUserID: ev.UserID, ExternalUserID: ev.ExternalUserID, State: ev.State, At: ev.At(),
	})
	if err != nil {
		return fmt.Errorf("record wecom add: %w", err)
	}
	if res.UnknownScene {
		h.log.Warn("wecom add through an unknown scene; no tags applied", "state", ev.State, "member", res.Member.ID)
	}
	memberID, err := h.refreshContact(ctx, ev.CorpID, ev.ExternalUserID)
	if err != nil {
		return err
	}
	return h.enqueueMirror(ctx, memberID, nil, "add:"+ev.taskID("e"))
}

// refreshContact reads the contact from WeCom, applies name, avatar,
// remarks and the guides' tags to the member, and merges it with the
// member holding the same unionid. It returns the surviving member's id.
func (h *handlers) refreshContact(ctx context.Context, corpID, externalUserID string) (int64, error) {
	ec, err := h.WeCom.GetExternalContact(ctx, externalUserID)
	if err != nil {
		return 0, WxFailure("read wecom contact", err)
	}
	d := members.WeComDetails{CorpID: corpID, ExternalUserID: externalUserID, Name: ec.Name, Avatar: ec.Avatar}
	for _, f := range ec.FollowUsers {
		wf := members.WeComFollow{UserID: f.UserID, Remark: f.Remark}
		for _, t := range f.Tags {
			wf.Tags = append(wf.Tags, corpTag(t))
		}
		d.Follows = append(d.Follows, wf)
	}
	m, err := h.Members.ApplyWeComDetails(ctx, d)
	if err != nil {
		return 0, fmt.Errorf("apply wecom contact: %w", err)
	}
	if ec.UnionID == "" {
		return m.ID, nil
	}
	return h.mergeUnionID(ctx, m.ID, ec.UnionID)
}

// mergeUnionID merges the member by unionid and returns the survivor. A
// merge brings the other side's tags, so they are mirrored to WeCom.
func (h *handlers) mergeUnionID(ctx context.Context, memberID int64, unionID string) (int64, error) {
	res, err := h.Members.MergeByUnionID(ctx, memberID, unionID)
	if err != nil {
		return 0, fmt.Errorf("merge by unionid: %w", err)
	}
	if res.Conflict {
		h.log.Warn("member already has another unionid; not merged", "member", memberID, "unionid", model.LogID(unionID))
	}
	if res.MergedID != 0 {
		h.log.Info("members merged by unionid", "survivor", res.SurvivorID, "merged", res.MergedID)
		if err := h.enqueueMirror(ctx, res.SurvivorID, nil, fmt.Sprintf("merge:%d", res.MergedID)); err != nil {
			return 0, err
		}
	}
	return res.SurvivorID, nil
}

// contactDeleted ends the relation and tells the guide's store managers.
func (h *handlers) contactDeleted(ctx context.Context, ev WeComEvent, by string) error {
	res, err := h.Members.EndWeComRelation(ctx, members.WeComDeparture{
		CorpID: ev.CorpID, GuideUserID: ev.UserID, ExternalUserID: ev.ExternalUserID, At: ev.At(), By: by,
	})
	if err != nil {
		return fmt.Errorf("end wecom relation: %w", err)
	}
	if !res.Ended {
		h.log.Info("stale wecom delete ignored: the pair was added again since", "guide", ev.UserID, "external_userid", model.LogID(ev.ExternalUserID))
		return nil
	}
	if by == model.EndedByTransfer {
		return nil
	}
	guide, managers, found, err := h.Guides.StoreManagersOf(ctx, ev.UserID)
	if err != nil {
		return err
	}
	if !found || len(managers) == 0 {
		h.log.Info("wecom churn: no store manager to notify", "guide", ev.UserID, "guide_known", found, "store", guide.StoreCode)
		return nil
	}
	text := churnText(guide, res.Member, ev, by, h.Location)
	for _, m := range managers {
		p := NotifyPayload{To: m.UserID, Text: text, Key: fmt.Sprintf("churn:%d", res.Relation.ID)}
		if err := h.enqueueNotify(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

// guideDeleted records a guide's deletion from the address book on the
// members bound to or in touch with them; what follows (handing them to
// another guide) is the handover's to decide.
func (h *handlers) guideDeleted(ctx context.Context, ev WeComEvent) error {
	n, err := h.Members.RecordGuideDeleted(ctx, ev.CorpID, ev.UserID, ev.At())
	if err != nil {
		return fmt.Errorf("record guide deletion: %w", err)
	}
	h.log.Warn("wecom: guide deleted from the address book; recorded on their members until a handover", "guide", ev.UserID, "members", n)
	return nil
}

// churnText is the store manager's notification of a deletion.
func churnText(g model.Guide, m model.Member, ev WeComEvent, by string, loc *time.Location) string {
	who := m.Nickname
	if who == "" {
		who = ev.ExternalUserID
	}
	name := g.Name
	if name == "" {
		name = g.UserID
	}
	at := ev.At().In(loc)
	what := fmt.Sprintf("导购 %s 删除了客户 %s", name, who)
	if by == model.EndedByCustomer {
		what = fmt.Sprintf("客户 %s 删除了导购 %s", who, name)
	}
	return fmt.Sprintf("【客户流失提醒】门店 %s：%s（%s）。", g.StoreCode, what, at.Format("2006-01-02 15:04"))
}

// corpTag converts wx's corp tag to tagging's.
func corpTag(t wx.CorpTag) tagging.CorpTag {
	return tagging.CorpTag{ID: t.ID, GroupID: t.GroupID, Group: t.GroupName, Name: t.Name}
}
