package model

import (
	"time"
	"unicode/utf8"
)

// Group member types, as WeCom's groupchat/get names them.
const (
	GroupMemberInternal = 1 // a member of staff (a guide)
	GroupMemberExternal = 2 // an external contact (a customer)
)

// Timeline events of a member's groups.
const (
	EventGroupJoin = "group_join" // the member joined a customer group
	EventGroupQuit = "group_quit" // the member left a customer group
)

// GroupCapacity is how many people a group reached by a QR code holds.
const GroupCapacity = 200

// Group is a WeCom customer group (客户群). It appears from its
// change_external_chat event alone; DetailsAt is when groupchat/get last
// filled it in (nil: not yet).
type Group struct {
	ID          int64      `gorm:"primaryKey" json:"id"`
	CorpID      string     `gorm:"size:64;not null;default:''" json:"corp_id"`
	ChatID      string     `gorm:"size:64;not null;uniqueIndex" json:"chat_id"`
	Name        string     `gorm:"size:128;not null;default:''" json:"name"`
	Owner       string     `gorm:"size:64;not null;default:'';index" json:"owner"`
	StoreCode   string     `gorm:"size:64;not null;default:'';index" json:"store_code"`
	Notice      string     `gorm:"type:text" json:"notice"`
	MemberCount int        `gorm:"not null;default:0" json:"member_count"`
	CreatedAt   time.Time  `json:"created_at"`   // when Siyu first heard of it
	ChatCreated *time.Time `json:"chat_created"` // when it was created in WeCom
	DismissedAt *time.Time `json:"dismissed_at"` // nil while it exists
	DetailsAt   *time.Time `json:"details_at"`   // last groupchat/get
	// DetailsWantedAt is when a read of the details was queued (DetailsJob
	// the key its TaskID derives from) and not yet done: the sweeper queues it again when
	// Redis lost the job.
	DetailsWantedAt *time.Time `gorm:"index" json:"-"`
	DetailsJob      string     `gorm:"size:128;not null;default:''" json:"-"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// GroupSyncRun is one POST /api/hq/groups/sync: the groupchat/list page
// it lists next (Cursor, "" for the first) until FinishedAt, so the
// sweeper can queue a page again when Redis lost it.
type GroupSyncRun struct {
	ID         int64      `gorm:"primaryKey" json:"id"`
	Run        string     `gorm:"size:64;not null;uniqueIndex" json:"run"`
	CorpID     string     `gorm:"size:64;not null;default:''" json:"corp_id"`
	Owners     []string   `gorm:"serializer:json;type:text" json:"owners"`
	Cursor     string     `gorm:"column:page_cursor;size:256;not null;default:''" json:"cursor"` // CURSOR is reserved in MariaDB
	Pages      int        `gorm:"not null;default:0" json:"pages"`
	FinishedAt *time.Time `gorm:"index" json:"finished_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
}

// GroupMember is one person in a group: the member behind an external
// contact (MemberID, 0 while they are not a Siyu member) or a guide. A
// person who leaves keeps the row with QuitAt; rejoining clears it.
type GroupMember struct {
	ID        int64      `gorm:"primaryKey" json:"id"`
	ChatID    string     `gorm:"size:64;not null;uniqueIndex:ux_group_member;index" json:"chat_id"`
	UserID    string     `gorm:"size:64;not null;uniqueIndex:ux_group_member;index" json:"userid"` // external_userid or guide userid
	Type      int        `gorm:"not null" json:"type"`
	MemberID  int64      `gorm:"not null;default:0;index" json:"member_id,omitempty"`
	Name      string     `gorm:"size:128;not null;default:''" json:"name"`
	JoinTime  time.Time  `gorm:"index" json:"join_time"`
	JoinScene int        `gorm:"not null;default:0" json:"join_scene"` // 1 invited directly, 2 by link, 3 by QR code
	Invitor   string     `gorm:"size:64;not null;default:''" json:"invitor,omitempty"`
	State     string     `gorm:"size:64;not null;default:'';index" json:"state,omitempty"` // the group code's state: a scene
	QuitAt    *time.Time `gorm:"index" json:"quit_at,omitempty"`
	QuitScene int        `gorm:"not null;default:0" json:"quit_scene,omitempty"` // 0 left, 1 removed by the owner
	UpdatedAt time.Time  `json:"updated_at"`
}

// Active reports whether the person is still in the group.
func (m GroupMember) Active() bool { return m.QuitAt == nil }

// GroupCode is a 加入群聊 code (WeCom join way) whose state is a scene:
// who joins through it arrives through that scene.
type GroupCode struct {
	ID             int64      `gorm:"primaryKey" json:"id"`
	ConfigID       string     `gorm:"size:64;not null;default:'';index" json:"config_id"`
	Scene          string     `gorm:"size:64;not null;index" json:"scene"`
	ChatIDs        []string   `gorm:"serializer:json;type:text" json:"chat_ids"`
	AutoCreateRoom bool       `gorm:"not null;default:false" json:"auto_create_room"`
	RoomBaseName   string     `gorm:"size:64;not null;default:''" json:"room_base_name"`
	RoomBaseID     int        `gorm:"not null;default:0" json:"room_base_id"`
	Remark         string     `gorm:"size:64;not null;default:''" json:"remark"`
	QRCode         string     `gorm:"size:512;not null;default:''" json:"qr_code"`
	CapacityWarned string     `gorm:"size:64;not null;default:''" json:"capacity_warned_chat,omitempty"` // the chat last warned about
	WarnedAt       *time.Time `json:"capacity_warned_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// Validate reports the first problem with c as an EINVALID *Error.
func (c *GroupCode) Validate() error {
	switch {
	case !sceneRe.MatchString(c.Scene) || len(c.Scene) > 30:
		return Errorf(EINVALID, "scene %q: want 1-30 letters, digits or _-.: (WeCom keeps 30 characters of a state)", c.Scene)
	case len(c.ChatIDs) == 0 || len(c.ChatIDs) > 5:
		return Errorf(EINVALID, "chat_ids: want 1 to 5 groups, got %d", len(c.ChatIDs))
	case utf8.RuneCountInString(c.Remark) > 30:
		return Errorf(EINVALID, "remark: at most 30 characters")
	case c.AutoCreateRoom && c.RoomBaseName == "":
		return Errorf(EINVALID, "room_base_name: needed when auto_create_room is on")
	case utf8.RuneCountInString(c.RoomBaseName) > 40:
		return Errorf(EINVALID, "room_base_name: at most 40 characters")
	case c.RoomBaseID < 0:
		return Errorf(EINVALID, "room_base_id: want 0 or more")
	}
	seen := map[string]bool{}
	for _, id := range c.ChatIDs {
		if id == "" || len(id) > 64 || seen[id] {
			return Errorf(EINVALID, "chat_ids: %q is empty, too long or repeated", id)
		}
		seen[id] = true
	}
	return nil
}

// TableName keeps the table clear of GROUPS, a reserved word in MySQL 8.
func (Group) TableName() string { return "customer_groups" }

// TableName names the table beside customer_groups.
func (GroupMember) TableName() string { return "customer_group_members" }

// GroupWelcome is a scene's group welcome (入群欢迎语): the text, kept in
// WeCom as a group welcome template (TemplateID) that the group's owner
// picks in the group's settings.
type GroupWelcome struct {
	ID         int64     `gorm:"primaryKey" json:"id"`
	Scene      string    `gorm:"size:64;not null;uniqueIndex" json:"scene"`
	Text       string    `gorm:"type:text" json:"text"`
	TemplateID string    `gorm:"size:128;not null;default:''" json:"template_id"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}
