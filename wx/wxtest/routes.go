package wxtest

import "net/url"

// handler answers one API call: the query and the raw (valid JSON) body in,
// the JSON answer out. It runs with s.mu held.
type handler func(s *Server, q url.Values, body []byte) map[string]any

// route is an API the fake serves.
type route struct {
	platform string // whose access token it takes: "oa", "wecom", or "" (token endpoints)
	post     bool   // POST with a JSON body, else GET
	raw      bool   // the POST body is not JSON (a multipart upload)
	handle   handler
}

// routes lists every API package wx calls, by path. The two platforms' paths
// do not collide, so one server plays both.
var routes = map[string]route{
	// Tokens.
	"/cgi-bin/token":    {handle: (*Server).oaToken},
	"/cgi-bin/gettoken": {handle: (*Server).wecomToken},

	// Official Account.
	"/cgi-bin/qrcode/create":               {platform: "oa", post: true, handle: (*Server).qrCreate},
	"/cgi-bin/message/custom/send":         {platform: "oa", post: true, handle: (*Server).customSend},
	"/cgi-bin/message/template/send":       {platform: "oa", post: true, handle: (*Server).templateSend},
	"/cgi-bin/user/info":                   {platform: "oa", handle: (*Server).userInfo},
	"/cgi-bin/tags/get":                    {platform: "oa", handle: (*Server).tagsGet},
	"/cgi-bin/tags/create":                 {platform: "oa", post: true, handle: (*Server).tagsCreate},
	"/cgi-bin/tags/members/batchtagging":   {platform: "oa", post: true, handle: (*Server).batchTagging},
	"/cgi-bin/tags/members/batchuntagging": {platform: "oa", post: true, handle: (*Server).batchUntagging},
	"/cgi-bin/ticket/getticket":            {platform: "oa", handle: (*Server).oaTicket},
	"/cgi-bin/menu/create":                 {platform: "oa", post: true, handle: (*Server).menuCreate},

	// Official Account web authorisation (the browser's authorize page is
	// served by ServeHTTP as a redirect).
	"/sns/oauth2/access_token": {handle: (*Server).snsToken},
	"/sns/userinfo":            {handle: (*Server).snsUserInfo},

	// WeCom customer contact.
	"/cgi-bin/externalcontact/get":                      {platform: "wecom", handle: (*Server).externalGet},
	"/cgi-bin/externalcontact/get_corp_tag_list":        {platform: "wecom", post: true, handle: (*Server).corpTagList},
	"/cgi-bin/externalcontact/add_corp_tag":             {platform: "wecom", post: true, handle: (*Server).addCorpTag},
	"/cgi-bin/externalcontact/mark_tag":                 {platform: "wecom", post: true, handle: (*Server).markTag},
	"/cgi-bin/externalcontact/send_welcome_msg":         {platform: "wecom", post: true, handle: (*Server).sendWelcomeMsg},
	"/cgi-bin/externalcontact/add_contact_way":          {platform: "wecom", post: true, handle: (*Server).addContactWay},
	"/cgi-bin/externalcontact/del_contact_way":          {platform: "wecom", post: true, handle: (*Server).delContactWay},
	"/cgi-bin/externalcontact/add_msg_template":         {platform: "wecom", post: true, handle: (*Server).addMsgTemplate},
	"/cgi-bin/externalcontact/get_groupmsg_send_result": {platform: "wecom", post: true, handle: (*Server).groupMsgSendResult},
	"/cgi-bin/externalcontact/get_groupmsg_task":        {platform: "wecom", post: true, handle: (*Server).groupMsgTask},

	// WeCom customer transfer (继承).
	"/cgi-bin/externalcontact/transfer_customer":          {platform: "wecom", post: true, handle: (*Server).transferCustomer},
	"/cgi-bin/externalcontact/resigned/transfer_customer": {platform: "wecom", post: true, handle: (*Server).resignedTransferCustomer},
	"/cgi-bin/externalcontact/transfer_result":            {platform: "wecom", post: true, handle: (*Server).transferResult},
	"/cgi-bin/externalcontact/resigned/transfer_result":   {platform: "wecom", post: true, handle: (*Server).transferResult},
	"/cgi-bin/externalcontact/get_unassigned_list":        {platform: "wecom", post: true, handle: (*Server).unassignedList},
	// WeCom customer groups.
	"/cgi-bin/externalcontact/groupchat/list":              {platform: "wecom", post: true, handle: (*Server).groupChatList},
	"/cgi-bin/externalcontact/groupchat/get":               {platform: "wecom", post: true, handle: (*Server).groupChatGet},
	"/cgi-bin/externalcontact/groupchat/transfer":          {platform: "wecom", post: true, handle: (*Server).groupChatTransfer},
	"/cgi-bin/externalcontact/groupchat/onjob_transfer":    {platform: "wecom", post: true, handle: (*Server).groupChatOnJobTransfer},
	"/cgi-bin/externalcontact/groupchat/add_join_way":      {platform: "wecom", post: true, handle: (*Server).addJoinWay},
	"/cgi-bin/externalcontact/groupchat/get_join_way":      {platform: "wecom", post: true, handle: (*Server).getJoinWay},
	"/cgi-bin/externalcontact/groupchat/update_join_way":   {platform: "wecom", post: true, handle: (*Server).updateJoinWay},
	"/cgi-bin/externalcontact/groupchat/del_join_way":      {platform: "wecom", post: true, handle: (*Server).delJoinWay},
	"/cgi-bin/externalcontact/group_welcome_template/add":  {platform: "wecom", post: true, handle: (*Server).groupWelcomeAdd},
	"/cgi-bin/externalcontact/group_welcome_template/edit": {platform: "wecom", post: true, handle: (*Server).groupWelcomeEdit},
	"/cgi-bin/externalcontact/group_welcome_template/get":  {platform: "wecom", post: true, handle: (*Server).groupWelcomeGet},
	"/cgi-bin/externalcontact/group_welcome_template/del":  {platform: "wecom", post: true, handle: (*Server).groupWelcomeDel},

	// WeCom app.
	"/cgi-bin/media/upload":     {platform: "wecom", post: true, raw: true, handle: (*Server).mediaUpload},
	"/cgi-bin/message/send":     {platform: "wecom", post: true, handle: (*Server).messageSend},
	"/cgi-bin/auth/getuserinfo": {platform: "wecom", handle: (*Server).authUserInfo},
	"/cgi-bin/get_jsapi_ticket": {platform: "wecom", handle: (*Server).jsapiTicket},
	"/cgi-bin/ticket/get":       {platform: "wecom", handle: (*Server).agentTicket},
	"/cgi-bin/user/simplelist":  {platform: "wecom", handle: (*Server).userList},
	"/cgi-bin/user/list":        {platform: "wecom", handle: (*Server).userList},
}

// oaToken is GET /cgi-bin/token?grant_type=client_credential&appid=&secret=.
func (s *Server) oaToken(q url.Values, _ []byte) map[string]any {
	switch {
	case q.Get("grant_type") != "client_credential":
		return errBody(40002, "invalid grant_type")
	case q.Get("appid") == "":
		return errBody(41002, "appid missing")
	case q.Get("secret") == "":
		return errBody(41004, "appsecret missing")
	}
	return s.issueToken("oa", q.Get("appid"))
}

// wecomToken is GET /cgi-bin/gettoken?corpid=&corpsecret=.
func (s *Server) wecomToken(q url.Values, _ []byte) map[string]any {
	switch {
	case q.Get("corpid") == "":
		return errBody(41002, "corpid missing")
	case q.Get("corpsecret") == "":
		return errBody(41004, "corpsecret missing")
	}
	return s.issueToken("wecom", q.Get("corpsecret"))
}
