package wx

import (
	"context"
	"fmt"
)

// WeCom customer-transfer (继承) API paths.
const (
	pathTransferCustomer         = "/cgi-bin/externalcontact/transfer_customer"
	pathTransferResult           = "/cgi-bin/externalcontact/transfer_result"
	pathResignedTransferCustomer = "/cgi-bin/externalcontact/resigned/transfer_customer"
	pathResignedTransferResult   = "/cgi-bin/externalcontact/resigned/transfer_result"
	pathUnassignedList           = "/cgi-bin/externalcontact/get_unassigned_list"

	// MaxTransferCustomers is how many customers one transfer call takes.
	MaxTransferCustomers = 100
)

// Transfer statuses WeCom reports per customer (transfer_result).
const (
	TransferDone      = 1 // 接替完毕
	TransferWaiting   = 2 // 等待接替
	TransferRefused   = 3 // 客户拒绝
	TransferTakerFull = 4 // 接替成员客户达到上限
	TransferNoRecord  = 5 // 无接替记录
)

// WeComTransfer is the customer-transfer part of WeCom: handing a guide's
// customers to another guide, while employed (在职继承) or after leaving
// (离职继承). *Client implements it.
type WeComTransfer interface {
	// TransferCustomers asks WeCom to hand at most MaxTransferCustomers
	// customers from one guide to another; resigned picks the 离职 API
	// (msg is then ignored). It returns each customer's errcode (0 accepted).
	TransferCustomers(ctx context.Context, from, to string, externalUserIDs []string, msg string, resigned bool) (map[string]int, error)
	// TransferResults reads the status of every customer in transfer from one
	// guide to another (all pages).
	TransferResults(ctx context.Context, from, to string, resigned bool) (map[string]int, error)
	// UnassignedCustomers lists customers of departed members that WeCom
	// holds as not yet assigned (all pages).
	UnassignedCustomers(ctx context.Context) ([]Unassigned, error)
	// TransferGroupChats hands at most MaxTransferGroups customer groups to
	// newOwner (resigned: the owner has left) and returns those refused.
	TransferGroupChats(ctx context.Context, chatIDs []string, newOwner string, resigned bool) (map[string]GroupTransferFailure, error)
}

var _ WeComTransfer = (*Client)(nil)

// Unassigned is one customer of a departed member waiting for a new guide.
type Unassigned struct {
	HandoverUserID string `json:"handover_userid"`
	ExternalUserID string `json:"external_userid"`
	DimissionTime  int64  `json:"dimission_time"`
}

// TransferCustomers calls transfer_customer (or resigned/transfer_customer).
// It returns an error for more than MaxTransferCustomers customers,
// ErrNotConfigured and *Error for a refusal of the whole call.
func (c *Client) TransferCustomers(ctx context.Context, from, to string, externalUserIDs []string, msg string, resigned bool) (map[string]int, error) {
	if len(externalUserIDs) > MaxTransferCustomers {
		return nil, fmt.Errorf("wx: transfer takes at most %d customers, got %d", MaxTransferCustomers, len(externalUserIDs))
	}
	req := struct {
		HandoverUserID string   `json:"handover_userid"`
		TakeoverUserID string   `json:"takeover_userid"`
		ExternalUserID []string `json:"external_userid"`
		Msg            string   `json:"transfer_success_msg,omitempty"`
	}{from, to, externalUserIDs, msg}
	path := pathTransferCustomer
	if resigned {
		path, req.Msg = pathResignedTransferCustomer, ""
	}
	var resp struct {
		Customer []struct {
			ExternalUserID string `json:"external_userid"`
			ErrCode        int    `json:"errcode"`
		} `json:"customer"`
	}
	if err := c.do(ctx, c.contactCall(path, nil, req), &resp); err != nil {
		return nil, err
	}
	out := make(map[string]int, len(resp.Customer))
	for _, cu := range resp.Customer {
		out[cu.ExternalUserID] = cu.ErrCode
	}
	return out, nil
}

// TransferResults calls transfer_result (or resigned/transfer_result)
// until the last page. It returns ErrNotConfigured and *Error.
func (c *Client) TransferResults(ctx context.Context, from, to string, resigned bool) (map[string]int, error) {
	path := pathTransferResult
	if resigned {
		path = pathResignedTransferResult
	}
	out := map[string]int{}
	cursor := ""
	for {
		req := struct {
			HandoverUserID string `json:"handover_userid"`
			TakeoverUserID string `json:"takeover_userid"`
			Cursor         string `json:"cursor,omitempty"`
		}{from, to, cursor}
		var resp struct {
			Customer []struct {
				ExternalUserID string `json:"external_userid"`
				Status         int    `json:"status"`
			} `json:"customer"`
			NextCursor string `json:"next_cursor"`
		}
		if err := c.do(ctx, c.contactCall(path, nil, req), &resp); err != nil {
			return nil, err
		}
		for _, cu := range resp.Customer {
			out[cu.ExternalUserID] = cu.Status
		}
		if resp.NextCursor == "" || resp.NextCursor == cursor {
			return out, nil
		}
		cursor = resp.NextCursor
	}
}

// UnassignedCustomers calls get_unassigned_list until the last page. It
// returns ErrNotConfigured and *Error.
func (c *Client) UnassignedCustomers(ctx context.Context) ([]Unassigned, error) {
	var out []Unassigned
	cursor := ""
	for {
		req := struct {
			Cursor   string `json:"cursor,omitempty"`
			PageSize int    `json:"page_size"`
		}{cursor, 1000}
		var resp struct {
			Info       []Unassigned `json:"info"`
			IsLast     bool         `json:"is_last"`
			NextCursor string       `json:"next_cursor"`
		}
		if err := c.do(ctx, c.contactCall(pathUnassignedList, nil, req), &resp); err != nil {
			return nil, err
		}
		out = append(out, resp.Info...)
		if resp.IsLast || resp.NextCursor == "" || resp.NextCursor == cursor {
			return out, nil
		}
		cursor = resp.NextCursor
	}
}

// WeCom group-transfer (客户群继承) API paths and limit.
const (
	pathGroupChatTransfer      = "/cgi-bin/externalcontact/groupchat/transfer"
	pathGroupChatOnJobTransfer = "/cgi-bin/externalcontact/groupchat/onjob_transfer"

	// MaxTransferGroups is how many groups one group-transfer call takes.
	MaxTransferGroups = 100
)

// Group-transfer errcodes WeCom answers per group in failed_chat_list.
const (
	GroupOwnerNotLeft     = 90500 // 群主并未离职 (groupchat/transfer of an employed owner)
	GroupNotCustomerGroup = 90501 // 该群不是客户群
	GroupOwnerLeft        = 90502 // 群主已经离职 (onjob_transfer of a departed owner)
	GroupTakerFull        = 90503 // 满人 & 99个上限: the new owner cannot take more groups
	GroupOwnerUnchanged   = 90504 // 群主没变: the new owner already owns it
	GroupInTransfer       = 90507 // 离职群正在继承处理中
	GroupAlreadyInherited = 90508 // 离职群已经继承
)

// GroupTransferFailure is one group WeCom did not hand over.
type GroupTransferFailure struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// TransferGroupChats hands at most MaxTransferGroups customer groups to
// newOwner: groupchat/transfer when their owner has left (resigned), else
// groupchat/onjob_transfer. It returns the groups WeCom refused, by
// chat_id; every other group now belongs to newOwner. It returns an error
// for more than MaxTransferGroups groups, ErrNotConfigured and *Error for
// a refusal of the whole call.
func (c *Client) TransferGroupChats(ctx context.Context, chatIDs []string, newOwner string, resigned bool) (map[string]GroupTransferFailure, error) {
	if len(chatIDs) > MaxTransferGroups {
		return nil, fmt.Errorf("wx: group transfer takes at most %d groups, got %d", MaxTransferGroups, len(chatIDs))
	}
	req := struct {
		ChatIDs  []string `json:"chat_id_list"`
		NewOwner string   `json:"new_owner"`
	}{chatIDs, newOwner}
	path := pathGroupChatOnJobTransfer
	if resigned {
		path = pathGroupChatTransfer
	}
	var resp struct {
		Failed []struct {
			ChatID  string `json:"chat_id"`
			ErrCode int    `json:"errcode"`
			ErrMsg  string `json:"errmsg"`
		} `json:"failed_chat_list"`
	}
	if err := c.do(ctx, c.contactCall(path, nil, req), &resp); err != nil {
		return nil, err
	}
	out := make(map[string]GroupTransferFailure, len(resp.Failed))
	for _, f := range resp.Failed {
		out[f.ChatID] = GroupTransferFailure{ErrCode: f.ErrCode, ErrMsg: f.ErrMsg}
	}
	return out, nil
}
