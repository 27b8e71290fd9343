package wxtest

import (
	"encoding/json"
	"net/url"

	"github.com/siyu/siyu/wx"
)

// MarkUserDeparted makes the fake corp treat userID as having left: their
// groups go through groupchat/transfer, and onjob_transfer refuses them
// (90502), as WeCom does.
func (s *Server) MarkUserDeparted(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wg.departed[userID] = true
}

// RefuseGroupTransfer makes group transfers list the group in
// failed_chat_list with errcode (e.g. wx.GroupTakerFull).
func (s *Server) RefuseGroupTransfer(chatID string, errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wg.refuse[chatID] = errcode
}

func (s *Server) groupChatTransfer(_ url.Values, body []byte) map[string]any {
	return s.groupTransfer(body, true)
}

func (s *Server) groupChatOnJobTransfer(_ url.Values, body []byte) map[string]any {
	return s.groupTransfer(body, false)
}

// groupTransfer hands the listed groups to new_owner and lists in
// failed_chat_list the ones it cannot: unknown groups (90501), an owner
// who has not left (90500, resigned) or has (90502, on-job), a group the
// new owner already owns (90504), and the ones told to refuse.
func (s *Server) groupTransfer(body []byte, resigned bool) map[string]any {
	var req struct {
		ChatIDs  []string `json:"chat_id_list"`
		NewOwner string   `json:"new_owner"`
	}
	_ = json.Unmarshal(body, &req)
	switch {
	case req.NewOwner == "":
		return errBody(40003, "invalid new_owner")
	case len(req.ChatIDs) == 0 || len(req.ChatIDs) > wx.MaxTransferGroups:
		return errBody(40058, "chat_id_list: want 1-100")
	}
	failed := []map[string]any{}
	for _, id := range req.ChatIDs {
		g := s.wg.chats[id]
		code := s.wg.refuse[id]
		switch {
		case code != 0:
		case g == nil:
			code = wx.GroupNotCustomerGroup
		case g.Owner == req.NewOwner:
			code = wx.GroupOwnerUnchanged
		case resigned && !s.wg.departed[g.Owner]:
			code = wx.GroupOwnerNotLeft
		case !resigned && s.wg.departed[g.Owner]:
			code = wx.GroupOwnerLeft
		}
		if code != 0 {
			failed = append(failed, map[string]any{"chat_id": id, "errcode": code, "errmsg": "refused"})
			continue
		}
		g.Owner = req.NewOwner
	}
	return okBody(map[string]any{"failed_chat_list": failed})
}
