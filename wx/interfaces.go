package wx

import (
	"context"
	"time"
)

// OfficialAccount is every outbound WeChat Official Account call the product
// makes. *Client implements it; consumers depend on this interface so tests
// can substitute a fake or point a real Client at wxtest.
//
// Every method honours ctx's deadline. Platform failures are *Error (see
// Retryable); ErrNotConfigured means Config has no Official Account.
type OfficialAccount interface {
	// CreateQRCode creates a parametric QR code for a string scene. expire 0
	// makes a permanent code (QR_LIMIT_STR_SCENE, at most 100,000 per account),
	// otherwise a temporary one (QR_STR_SCENE, capped at 30 days).
	CreateQRCode(ctx context.Context, scene string, expire time.Duration) (QRCode, error)
	// SendCustomText sends a customer-service text message; WeChat accepts it
	// only within 48 hours of the follower's last interaction.
	SendCustomText(ctx context.Context, openID, text string) error
	// SendTemplate sends a template message.
	SendTemplate(ctx context.Context, msg TemplateMessage) error
	// GetUser reads a follower's basic information.
	GetUser(ctx context.Context, openID string) (OAUser, error)
	// EnsureUserTag returns the id of the user tag called name, creating it if
	// missing; ids are cached.
	EnsureUserTag(ctx context.Context, name string) (int64, error)
	// TagUsers puts the tag on the followers (batches of 50).
	TagUsers(ctx context.Context, tagID int64, openIDs []string) error
	// UntagUsers takes the tag off the followers (batches of 50).
	UntagUsers(ctx context.Context, tagID int64, openIDs []string) error
}

// WeCom is every outbound WeCom (企业微信) call the product makes: customer
// contact (external contacts, corp tags, welcome messages, "contact me" QR
// codes, group sends), app messages from the self-built agent, sidebar login
// and JS-SDK tickets. *Client implements it.
//
// Every method honours ctx's deadline and waits for the per-API rate limiter
// (10,000 calls/min). Platform failures are *Error (see Retryable);
// ErrNotConfigured means Config has no WeCom corp.
type WeCom interface {
	// GetExternalContact reads an external contact and the guides who added it.
	GetExternalContact(ctx context.Context, externalUserID string) (ExternalContact, error)
	// EnsureCorpTag returns the id of corp tag name in group, creating the tag
	// (and the group) if missing; ids are cached.
	EnsureCorpTag(ctx context.Context, group, name string) (string, error)
	// ListCorpTags lists the corp tags with the given ids, or all of them
	// when none are given.
	ListCorpTags(ctx context.Context, tagIDs []string) ([]CorpTag, error)
	// ForgetCorpTag drops the cached id of corp tag name in group, after it
	// was deleted or renamed in WeCom.
	ForgetCorpTag(ctx context.Context, group, name string) error
	// MarkTag adds and removes corp tags on a guide's external contact; at
	// most 5 run at once per Client, as WeCom answers 45033 beyond that.
	MarkTag(ctx context.Context, userID, externalUserID string, add, remove []string) error
	// SendWelcomeMsg answers an add_external_contact event's WelcomeCode with
	// a text welcome; WeCom accepts it once, within 20 seconds of the event.
	SendWelcomeMsg(ctx context.Context, welcomeCode, text string) error
	// AddContactWay creates a "contact me" configuration and returns its
	// config id and QR code URL.
	AddContactWay(ctx context.Context, way ContactWay) (configID, qrCodeURL string, err error)
	// DelContactWay deletes a "contact me" configuration.
	DelContactWay(ctx context.Context, configID string) error
	// SendAppTextCard sends a text card from the agent to members.
	SendAppTextCard(ctx context.Context, toUsers []string, title, description, url string) error
	// SendAppText sends a text message from the agent to members.
	SendAppText(ctx context.Context, toUsers []string, text string) error
	// AddMsgTemplate creates a group-send task for a guide (sender) to
	// confirm, sending text to the external contacts; it returns the msgid.
	AddMsgTemplate(ctx context.Context, sender string, externalUserIDs []string, text string) (string, error)
	// GetGroupMsgSendResult reads, for one guide, which contacts a group send
	// reached.
	GetGroupMsgSendResult(ctx context.Context, msgID, userID string) ([]GroupMsgResult, error)
	// AddGroupMsgTemplate creates a group send to customer groups for
	// their owner (sender) to confirm; it returns the msgid.
	AddGroupMsgTemplate(ctx context.Context, sender string, chatIDs []string, text string) (string, error)
	// GetGroupMsgTask reads which senders confirmed a group send.
	GetGroupMsgTask(ctx context.Context, msgID string) ([]GroupMsgTask, error)
	// OAuthUserID exchanges a sidebar OAuth code for the member's userid.
	OAuthUserID(ctx context.Context, code string) (string, error)
	// JSAPITicket returns the corp jsapi_ticket for wx.config, cached until
	// shortly before it expires.
	JSAPITicket(ctx context.Context) (string, error)
	// AgentJSAPITicket returns the agent ticket for wx.agentConfig, cached
	// until shortly before it expires.
	AgentJSAPITicket(ctx context.Context) (string, error)
	// ListUsers lists the members of a department and its sub-departments.
	ListUsers(ctx context.Context, departmentID int) ([]WeComUser, error)
}

// QRCode is an Official Account parametric QR code.
type QRCode struct {
	Ticket        string // exchange for the image at ImageURL
	URL           string // the content encoded in the QR code
	ImageURL      string // showqrcode URL of the image
	ExpireSeconds int    // 0 for a permanent code
}

// TemplateMessage is an Official Account template message. Data maps each
// template keyword (e.g. "first", "keyword1") to its value.
type TemplateMessage struct {
	ToUser     string
	TemplateID string
	URL        string // optional link opened on tap
	Data       map[string]string
}

// OAUser is a follower's basic information. An unsubscribed user has only
// OpenID and UnionID.
type OAUser struct {
	OpenID     string
	UnionID    string
	Nickname   string
	Subscribed bool
}

// ExternalContact is a WeCom external contact (a customer on personal WeChat
// when Type is 1) and the members who added it.
type ExternalContact struct {
	ExternalUserID string
	Name           string
	Avatar         string
	UnionID        string // set only when the corp has a bound Official Account or mini program
	Type           int    // 1 WeChat user, 2 WeCom user
	FollowUsers    []FollowUser
}

// FollowUser is one member's relation to an external contact.
type FollowUser struct {
	UserID     string
	Remark     string
	State      string    // the "contact me" state the contact was added through
	CreateTime int64     // unix seconds
	TagIDs     []string  // corp tag ids (type 1 tags only)
	Tags       []CorpTag // the same tags with their names, as WeCom lists them
}

// CorpTag is a WeCom corp tag (企业标签) and its group.
type CorpTag struct {
	ID, Name           string
	GroupID, GroupName string // GroupID is empty where WeCom does not say it
}

// ContactWay configures a "contact me" QR code or button.
type ContactWay struct {
	Type       int // 1 single member, 2 several members
	Scene      int // 1 mini-program button, 2 QR code
	State      string
	Users      []string
	Remark     string
	SkipVerify bool
}

// GroupMsgResult is a group send's outcome for one external contact, or
// for one customer group (ChatID) of a send to groups. Status: 0 not
// sent, 1 sent, 2 not a friend, 3 already got a group send.
type GroupMsgResult struct {
	ExternalUserID string
	ChatID         string
	Status         int
}

// GroupMsgTask is one sender's part of a group send: Status 0 not yet
// sent, 2 sent (confirmed on the phone), 3 could not be sent.
type GroupMsgTask struct {
	UserID   string
	Status   int
	SendTime int64
}

// WeComUser is a corp member from the address book.
type WeComUser struct {
	UserID     string
	Name       string
	Department []int
}
