package wx

import (
	"context"
	"errors"
	"fmt"
	"net/url"
)

// WeCom corp-tag API paths.
const (
	pathCorpTagList = "/cgi-bin/externalcontact/get_corp_tag_list"
	pathAddCorpTag  = "/cgi-bin/externalcontact/add_corp_tag"
	pathMarkTag     = "/cgi-bin/externalcontact/mark_tag"
)

// corpTagGroup is a group of get_corp_tag_list and add_corp_tag answers.
type corpTagGroup struct {
	GroupID   string `json:"group_id"`
	GroupName string `json:"group_name"`
	Deleted   bool   `json:"deleted"`
	Tag       []struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Deleted bool   `json:"deleted"`
	} `json:"tag"`
}

func (c *Client) corpTagKey(group, name string) string {
	return "wecom_corp_tag:" + c.cfg.WeComCorpID + ":" + url.PathEscape(group) + ":" + name
}

// EnsureCorpTag returns the id of corp tag name in tag group group, creating
// the tag (and the group) if missing. Ids are cached (in Redis when
// configured) for an hour, so most calls make no API call; a miss lists all
// corp tags once and caches them all. It returns an error for an empty
// group or name, ErrNotConfigured, and *Error, e.g. 40071 if the tag keeps
// being created concurrently elsewhere.
func (c *Client) EnsureCorpTag(ctx context.Context, group, name string) (string, error) {
	if group == "" || name == "" {
		return "", errors.New("wx: corp tag group and name must not be empty")
	}
	if c.contact.handle == nil {
		return "", errNotConfigured(c.contact)
	}
	key := c.corpTagKey(group, name)
	if id := getString(ctx, c.store, key); id != "" {
		return id, nil
	}
	if err := c.tagMu.lock(ctx); err != nil {
		return "", err
	}
	defer c.tagMu.unlock()
	if id := getString(ctx, c.store, key); id != "" {
		return id, nil
	}

	for attempt := 0; ; attempt++ {
		groupID, tagID, err := c.findCorpTag(ctx, group, name)
		if err != nil || tagID != "" {
			return tagID, err
		}
		// A known group is addressed by id; otherwise group_name creates it.
		type tagName struct {
			Name string `json:"name"`
		}
		req := struct {
			GroupID   string    `json:"group_id,omitempty"`
			GroupName string    `json:"group_name,omitempty"`
			Tag       []tagName `json:"tag"`
		}{GroupID: groupID, Tag: []tagName{{Name: name}}}
		if groupID == "" {
			req.GroupName = group
		}
		var resp struct {
			TagGroup corpTagGroup `json:"tag_group"`
		}
		err = c.do(ctx, c.contactCall(pathAddCorpTag, nil, req), &resp)
		if ErrCode(err) == CodeCorpTagExists && attempt == 0 {
			continue // created concurrently: list again
		}
		if err != nil {
			return "", err
		}
		c.cacheCorpTags(ctx, resp.TagGroup)
		for _, t := range resp.TagGroup.Tag {
			if t.Name == name {
				return t.ID, nil
			}
		}
		return "", fmt.Errorf("wx: %s answered without tag %q", pathAddCorpTag, name)
	}
}

// findCorpTag lists all corp tags, caches them, and reports the id of the
// group called group and of its tag called name ("" when missing).
func (c *Client) findCorpTag(ctx context.Context, group, name string) (groupID, tagID string, err error) {
	var resp struct {
		TagGroup []corpTagGroup `json:"tag_group"`
	}
	body := map[string][]string{"tag_id": {}, "group_id": {}}
	if err := c.do(ctx, c.contactCall(pathCorpTagList, nil, body), &resp); err != nil {
		return "", "", err
	}
	for _, g := range resp.TagGroup {
		if g.Deleted {
			continue
		}
		c.cacheCorpTags(ctx, g)
		if g.GroupName != group {
			continue
		}
		groupID = g.GroupID
		for _, t := range g.Tag {
			if t.Name == name && !t.Deleted {
				tagID = t.ID
			}
		}
	}
	return groupID, tagID, nil
}

func (c *Client) cacheCorpTags(ctx context.Context, g corpTagGroup) {
	for _, t := range g.Tag {
		if !t.Deleted && t.ID != "" {
			_ = c.store.SetContext(ctx, c.corpTagKey(g.GroupName, t.Name), t.ID, tagIDTTL)
		}
	}
}

// MarkTag adds and removes corp tags (by id) on the external contact as seen
// by member userID; with nothing to add or remove it makes no call. WeCom
// allows about 5 concurrent mark_tag calls per corp, so at most 5 run at once
// per Client and the rest wait (or fail with ctx's error). It returns
// ErrNotConfigured and *Error, e.g. 40068 for an unknown tag id or 45033
// (retryable) when other instances add to the concurrency.
func (c *Client) MarkTag(ctx context.Context, userID, externalUserID string, add, remove []string) error {
	if len(add) == 0 && len(remove) == 0 {
		return nil
	}
	if err := c.limits.acquireMarkTag(ctx); err != nil {
		return err
	}
	defer c.limits.releaseMarkTag()
	req := struct {
		UserID         string   `json:"userid"`
		ExternalUserID string   `json:"external_userid"`
		AddTag         []string `json:"add_tag,omitempty"`
		RemoveTag      []string `json:"remove_tag,omitempty"`
	}{userID, externalUserID, add, remove}
	return c.do(ctx, c.contactCall(pathMarkTag, nil, req), nil)
}

// ListCorpTags lists the corp tags with the given ids (all of them when
// tagIDs is empty), with their groups, and refreshes the cached ids. It
// returns ErrNotConfigured and *Error.
func (c *Client) ListCorpTags(ctx context.Context, tagIDs []string) ([]CorpTag, error) {
	if tagIDs == nil {
		tagIDs = []string{}
	}
	var resp struct {
		TagGroup []corpTagGroup `json:"tag_group"`
	}
	body := map[string][]string{"tag_id": tagIDs, "group_id": {}}
	if err := c.do(ctx, c.contactCall(pathCorpTagList, nil, body), &resp); err != nil {
		return nil, err
	}
	var out []CorpTag
	for _, g := range resp.TagGroup {
		if g.Deleted {
			continue
		}
		c.cacheCorpTags(ctx, g)
		for _, t := range g.Tag {
			if !t.Deleted {
				out = append(out, CorpTag{ID: t.ID, Name: t.Name, GroupID: g.GroupID, GroupName: g.GroupName})
			}
		}
	}
	return out, nil
}

// ForgetCorpTag drops the cached id of corp tag name in group, so the next
// EnsureCorpTag looks it up (or creates it) again. It returns the cache's
// error.
func (c *Client) ForgetCorpTag(ctx context.Context, group, name string) error {
	return c.store.DeleteContext(ctx, c.corpTagKey(group, name))
}
