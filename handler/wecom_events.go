package handler

import (
	"encoding/xml"
	"log/slog"
	"strings"

	"github.com/siyu/siyu/groups"
	"github.com/siyu/siyu/tasks"
)

// wecomMessage is the decrypted XML of a WeCom callback, with every field
// of the customer-contact events Siyu reads. silenceper's
// EventCallbackMessage lacks Source, FailReason, Id and TagType.
type wecomMessage struct {
	XMLName        xml.Name `xml:"xml"`
	ToUserName     string   `xml:"ToUserName"`
	FromUserName   string   `xml:"FromUserName"`
	CreateTime     int64    `xml:"CreateTime"`
	MsgType        string   `xml:"MsgType"`
	Event          string   `xml:"Event"`
	ChangeType     string   `xml:"ChangeType"`
	UserID         string   `xml:"UserID"`
	ExternalUserID string   `xml:"ExternalUserID"`
	State          string   `xml:"State"`
	WelcomeCode    string   `xml:"WelcomeCode"`
	Source         string   `xml:"Source"`
	FailReason     string   `xml:"FailReason"`
	ID             string   `xml:"Id"`
	TagType        string   `xml:"TagType"`
	// change_external_chat
	ChatID        string   `xml:"ChatId"`
	UpdateDetail  string   `xml:"UpdateDetail"`
	JoinScene     int      `xml:"JoinScene"`
	QuitScene     int      `xml:"QuitScene"`
	MemChangeList []string `xml:"MemChangeList>Item"`
}

// contactChanges are the change_external_contact types; each names a guide
// (UserID) and a customer (ExternalUserID).
var contactChanges = map[string]bool{
	tasks.ChangeAddExternalContact: true, tasks.ChangeAddHalfExternalContact: true,
	tasks.ChangeEditExternalContact: true, tasks.ChangeDelExternalContact: true,
	tasks.ChangeDelFollowUser: true, tasks.ChangeTransferFail: true,
}

// chatChanges are the change_external_chat types; each names a group.
var chatChanges = map[string]bool{groups.ChangeCreate: true, groups.ChangeUpdate: true, groups.ChangeDismiss: true}

// decodeWeComEvent decodes a decrypted callback into a tasks.WeComEvent.
// ok is false for messages Siyu accepts without acting on them (other
// events, app messages, unknown change types), which are logged. A body
// that is not XML, has no MsgType or CreateTime, names another corp, or is
// a contact change without its guide or customer is refused (EINVALID).
func decodeWeComEvent(plain []byte, corpID string, log *slog.Logger) (ev tasks.WeComEvent, ok bool, err error) {
	var m wecomMessage
	if err := xml.Unmarshal(plain, &m); err != nil {
		return ev, false, invalid("decrypted message is not the expected XML: %v", err)
	}
	switch {
	case m.MsgType == "":
		return ev, false, invalid("message has no MsgType")
	case m.CreateTime <= 0:
		return ev, false, invalid("message has no CreateTime")
	case m.ToUserName != corpID:
		return ev, false, invalid("message is addressed to %q, not corp %s", m.ToUserName, corpID)
	}
	ev = tasks.WeComEvent{
		CorpID: m.ToUserName, Event: m.Event, ChangeType: m.ChangeType, UserID: m.UserID,
		ExternalUserID: m.ExternalUserID, State: m.State, WelcomeCode: m.WelcomeCode, Source: m.Source,
		FailReason: m.FailReason, TagID: m.ID, TagType: m.TagType, CreateTime: m.CreateTime,
		ChatID: m.ChatID, UpdateDetail: m.UpdateDetail, JoinScene: m.JoinScene, QuitScene: m.QuitScene,
		MemChangeList: strings.Join(m.MemChangeList, ","),
	}
	switch {
	case m.MsgType != "event":
		log.Info("wecom message accepted and ignored", "msg_type", m.MsgType)
		return ev, false, nil
	case m.Event == tasks.EventChangeExternalContact && contactChanges[m.ChangeType]:
		if m.UserID == "" || m.ExternalUserID == "" {
			return ev, false, invalid("%s without UserID or ExternalUserID", m.ChangeType)
		}
		return ev, true, nil
	case m.Event == tasks.EventChangeExternalChat && chatChanges[m.ChangeType]:
		if m.ChatID == "" {
			return ev, false, invalid("%s %s without ChatId", m.Event, m.ChangeType)
		}
		return ev, true, nil
	case m.Event == tasks.EventChangeExternalTag && m.ChangeType != "":
		return ev, true, nil
	case m.Event == tasks.EventChangeContact && m.ChangeType == tasks.ChangeDeleteUser:
		if m.UserID == "" {
			return ev, false, invalid("%s without UserID", m.ChangeType)
		}
		return ev, true, nil
	}
	log.Info("wecom event accepted and ignored", "event", m.Event, "change_type", m.ChangeType)
	return ev, false, nil
}
