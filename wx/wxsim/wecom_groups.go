package wxsim

import (
	"encoding/xml"
	"time"
)

// chatEvent is a change_external_chat event as WeCom sends it.
type chatEvent struct {
	XMLName       xml.Name `xml:"xml"`
	ToUserName    cdata    `xml:"ToUserName"`
	FromUserName  cdata    `xml:"FromUserName"`
	CreateTime    int64    `xml:"CreateTime"`
	MsgType       cdata    `xml:"MsgType"`
	Event         cdata    `xml:"Event"`
	ChatID        cdata    `xml:"ChatId"`
	ChangeType    cdata    `xml:"ChangeType"`
	UpdateDetail  *cdata   `xml:"UpdateDetail,omitempty"`
	JoinScene     int      `xml:"JoinScene,omitempty"`
	QuitScene     int      `xml:"QuitScene,omitempty"`
	MemChangeCnt  int      `xml:"MemChangeCnt,omitempty"`
	MemChangeList *struct {
		Item []string `xml:"Item"`
	} `xml:"MemChangeList,omitempty"`
}

// ChangeExternalChat is a customer group created, updated (detail
// add_member, del_member, change_owner, change_name, change_notice, with
// the userids that joined or left) or dismissed. joinScene 3 is a QR code.
func (w WeCom) ChangeExternalChat(chatID, change, detail string, members []string, joinScene, quitScene int, at time.Time) []byte {
	e := chatEvent{ToUserName: cdata{w.CorpID}, FromUserName: cdata{"sys"}, CreateTime: at.Unix(), MsgType: cdata{"event"},
		Event: cdata{"change_external_chat"}, ChatID: cdata{chatID}, ChangeType: cdata{change}, UpdateDetail: opt(detail),
		JoinScene: joinScene, QuitScene: quitScene, MemChangeCnt: len(members)}
	if len(members) > 0 {
		e.MemChangeList = &struct {
			Item []string `xml:"Item"`
		}{members}
	}
	b, _ := xml.Marshal(e)
	return b
}
