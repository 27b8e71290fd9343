package wxsim

import (
	"encoding/xml"
	"time"
)

// wecomEvent is a WeCom customer-contact event as the platform sends it
// (before encryption).
type wecomEvent struct {
	XMLName        xml.Name `xml:"xml"`
	ToUserName     cdata    `xml:"ToUserName"`
	FromUserName   cdata    `xml:"FromUserName"`
	CreateTime     int64    `xml:"CreateTime"`
	MsgType        cdata    `xml:"MsgType"`
	Event          cdata    `xml:"Event"`
	ChangeType     cdata    `xml:"ChangeType"`
	UserID         *cdata   `xml:"UserID,omitempty"`
	ExternalUserID *cdata   `xml:"ExternalUserID,omitempty"`
	State          *cdata   `xml:"State,omitempty"`
	WelcomeCode    *cdata   `xml:"WelcomeCode,omitempty"`
	Source         *cdata   `xml:"Source,omitempty"`
	FailReason     *cdata   `xml:"FailReason,omitempty"`
	ID             *cdata   `xml:"Id,omitempty"`
	TagType        *cdata   `xml:"TagType,omitempty"`
}

func opt(s string) *cdata {
	if s == "" {
		return nil
	}
	return &cdata{s}
}

func (w WeCom) contactEvent(change, userID, externalUserID string, at time.Time) wecomEvent {
	return wecomEvent{ToUserName: cdata{w.CorpID}, FromUserName: cdata{"sys"}, CreateTime: at.Unix(),
		MsgType: cdata{"event"}, Event: cdata{"change_external_contact"}, ChangeType: cdata{change},
		UserID: &cdata{userID}, ExternalUserID: &cdata{externalUserID}}
}

func marshalEvent(e wecomEvent) []byte {
	b, _ := xml.Marshal(e)
	return b
}

// AddExternalContact is guide userID adding a customer, through a
// contact-way code with state (may be empty); welcomeCode (may be empty)
// lets the app send the welcome message.
func (w WeCom) AddExternalContact(userID, externalUserID, state, welcomeCode string, at time.Time) []byte {
	e := w.contactEvent("add_external_contact", userID, externalUserID, at)
	e.State, e.WelcomeCode = opt(state), opt(welcomeCode)
	return marshalEvent(e)
}

// AddHalfExternalContact is a customer adding a guide who has not accepted
// yet.
func (w WeCom) AddHalfExternalContact(userID, externalUserID, state, welcomeCode string, at time.Time) []byte {
	e := w.contactEvent("add_half_external_contact", userID, externalUserID, at)
	e.State, e.WelcomeCode = opt(state), opt(welcomeCode)
	return marshalEvent(e)
}

// EditExternalContact is a guide editing the customer's remark or tags.
func (w WeCom) EditExternalContact(userID, externalUserID string, at time.Time) []byte {
	return marshalEvent(w.contactEvent("edit_external_contact", userID, externalUserID, at))
}

// DelExternalContact is a guide deleting the customer; source
// DELETE_BY_TRANSFER marks a deletion by handing the customer over.
func (w WeCom) DelExternalContact(userID, externalUserID, source string, at time.Time) []byte {
	e := w.contactEvent("del_external_contact", userID, externalUserID, at)
	e.Source = opt(source)
	return marshalEvent(e)
}

// DelFollowUser is the customer deleting the guide.
func (w WeCom) DelFollowUser(userID, externalUserID string, at time.Time) []byte {
	return marshalEvent(w.contactEvent("del_follow_user", userID, externalUserID, at))
}

// TransferFail is a failed hand-over of the customer to guide userID;
// reason is customer_refused or customer_limit_exceed.
func (w WeCom) TransferFail(userID, externalUserID, reason string, at time.Time) []byte {
	e := w.contactEvent("transfer_fail", userID, externalUserID, at)
	e.FailReason = opt(reason)
	return marshalEvent(e)
}

// ChangeExternalTag is a corp tag (tagType "tag") or tag group
// ("tag_group") created, updated, deleted or shuffled in WeCom.
func (w WeCom) ChangeExternalTag(id, tagType, changeType string, at time.Time) []byte {
	return marshalEvent(wecomEvent{ToUserName: cdata{w.CorpID}, FromUserName: cdata{"sys"}, CreateTime: at.Unix(),
		MsgType: cdata{"event"}, Event: cdata{"change_external_tag"}, ChangeType: cdata{changeType},
		ID: opt(id), TagType: opt(tagType)})
}
