package wxsim

import (
	"encoding/xml"
	"sync/atomic"
	"time"
)

// oaMessage is an Official Account message or event as the platform sends
// it.
type oaMessage struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   cdata    `xml:"ToUserName"`
	FromUserName cdata    `xml:"FromUserName"`
	CreateTime   int64    `xml:"CreateTime"`
	MsgType      cdata    `xml:"MsgType"`
	Event        *cdata   `xml:"Event,omitempty"`
	EventKey     *cdata   `xml:"EventKey,omitempty"`
	Ticket       *cdata   `xml:"Ticket,omitempty"`
	Content      *cdata   `xml:"Content,omitempty"`
	MsgID        int64    `xml:"MsgId,omitempty"`
}

var msgSeq atomic.Int64

// NextMsgID returns a fresh MsgId, as the platform assigns one per message;
// ids start from the clock so separate runs do not reuse them.
func NextMsgID() int64 {
	msgSeq.CompareAndSwap(0, time.Now().UnixNano()/1000)
	return msgSeq.Add(1)
}

func (o OA) message(openID, msgType string, at time.Time) oaMessage {
	return oaMessage{ToUserName: cdata{"gh_" + o.AppID}, FromUserName: cdata{openID}, CreateTime: at.Unix(), MsgType: cdata{msgType}}
}

func marshal(m oaMessage) []byte {
	b, _ := xml.Marshal(m)
	return b
}

// Text is a text message with the given MsgId (0: a fresh one).
func (o OA) Text(openID, content string, msgID int64, at time.Time) []byte {
	if msgID == 0 {
		msgID = NextMsgID()
	}
	m := o.message(openID, "text", at)
	m.Content, m.MsgID = &cdata{content}, msgID
	return marshal(m)
}

// Subscribe is a follow event; with a scene it carries qrscene_<scene> as a
// parametric QR code's follow does.
func (o OA) Subscribe(openID, scene string, at time.Time) []byte {
	m := o.message(openID, "event", at)
	m.Event = &cdata{"subscribe"}
	if scene != "" {
		m.EventKey, m.Ticket = &cdata{"qrscene_" + scene}, &cdata{"gQ" + randomHex(8)}
	} else {
		m.EventKey = &cdata{""}
	}
	return marshal(m)
}

// Scan is a follower scanning a scene's QR code again.
func (o OA) Scan(openID, scene string, at time.Time) []byte {
	m := o.message(openID, "event", at)
	m.Event, m.EventKey, m.Ticket = &cdata{"SCAN"}, &cdata{scene}, &cdata{"gQ" + randomHex(8)}
	return marshal(m)
}

// Unsubscribe is an unfollow event.
func (o OA) Unsubscribe(openID string, at time.Time) []byte {
	m := o.message(openID, "event", at)
	m.Event, m.EventKey = &cdata{"unsubscribe"}, &cdata{""}
	return marshal(m)
}

// Click is a menu click with the given key.
func (o OA) Click(openID, key string, at time.Time) []byte {
	m := o.message(openID, "event", at)
	m.Event, m.EventKey = &cdata{"CLICK"}, &cdata{key}
	return marshal(m)
}
