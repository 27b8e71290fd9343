package wx

import (
	"context"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"
)

// tagIDTTL is how long a tag name -> id mapping is trusted. An operator may
// delete a tag in the console; the platform then rejects the id (40068 on
// WeCom, 45159 on the OA) until, an hour later at most, the tag is looked up
// and re-created. A miss costs one list call per tag name.
const tagIDTTL = time.Hour

// OA limits on user tags.
const (
	maxUserTagName = 30 // characters
	batchTagSize   = 50 // openids per batchtagging call
)

func (c *Client) userTagKey(name string) string {
	return "oa_user_tag:" + c.cfg.WeChatAppID + ":" + name
}

// EnsureUserTag returns the id of the Official Account user tag called name,
// creating it if missing. Ids are cached (in Redis when configured) for an hour,
// so most calls make no API call. It returns an error for an empty or
// over-long name, ErrNotConfigured, and *Error, e.g. 45056 when the account
// already has 100 tags.
func (c *Client) EnsureUserTag(ctx context.Context, name string) (int64, error) {
	if name == "" || utf8.RuneCountInString(name) > maxUserTagName {
		return 0, fmt.Errorf("wx: user tag name must be 1-%d characters", maxUserTagName)
	}
	if c.oa.handle == nil {
		return 0, errNotConfigured(c.oa)
	}
	if id, ok := c.cachedUserTag(ctx, name); ok {
		return id, nil
	}
	if err := c.tagMu.lock(ctx); err != nil {
		return 0, err
	}
	defer c.tagMu.unlock()
	if id, ok := c.cachedUserTag(ctx, name); ok {
		return id, nil
	}

	for attempt := 0; ; attempt++ {
		// List first: the tag usually exists, created by another instance or
		// in the console.
		if id, ok, err := c.findUserTag(ctx, name); err != nil || ok {
			return id, err
		}
		var resp struct {
			Tag struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			} `json:"tag"`
		}
		req := map[string]any{"tag": map[string]string{"name": name}}
		err := c.do(ctx, c.oaCall(pathTagsCreate, nil, req), &resp)
		if ErrCode(err) == CodeUserTagExists && attempt == 0 {
			continue // created concurrently: list again
		}
		if err != nil {
			return 0, err
		}
		_ = c.store.SetContext(ctx, c.userTagKey(name), strconv.FormatInt(resp.Tag.ID, 10), tagIDTTL)
		return resp.Tag.ID, nil
	}
}

func (c *Client) cachedUserTag(ctx context.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(getString(ctx, c.store, c.userTagKey(name)), 10, 64)
	return id, err == nil
}

// findUserTag lists the account's tags, caches all their ids and reports the
// one called name.
func (c *Client) findUserTag(ctx context.Context, name string) (int64, bool, error) {
	var resp struct {
		Tags []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"tags"`
	}
	if err := c.do(ctx, c.oaCall(pathTagsGet, nil, nil), &resp); err != nil {
		return 0, false, err
	}
	var id int64
	found := false
	for _, t := range resp.Tags {
		_ = c.store.SetContext(ctx, c.userTagKey(t.Name), strconv.FormatInt(t.ID, 10), tagIDTTL)
		if t.Name == name {
			id, found = t.ID, true
		}
	}
	return id, found, nil
}

// TagUsers puts user tag tagID on the followers, 50 per call; no openids
// means no call. A failure stops at the failing batch: earlier batches stay
// tagged, and tagging again is harmless. It returns ErrNotConfigured and
// *Error, e.g. 45059 when a follower already has 20 tags.
func (c *Client) TagUsers(ctx context.Context, tagID int64, openIDs []string) error {
	return c.batchTag(ctx, pathTagsBatchTag, tagID, openIDs)
}

// UntagUsers takes user tag tagID off the followers, 50 per call, like TagUsers.
// It returns ErrNotConfigured and *Error.
func (c *Client) UntagUsers(ctx context.Context, tagID int64, openIDs []string) error {
	return c.batchTag(ctx, pathTagsBatchUntag, tagID, openIDs)
}

func (c *Client) batchTag(ctx context.Context, path string, tagID int64, openIDs []string) error {
	for start := 0; start < len(openIDs); start += batchTagSize {
		req := struct {
			OpenIDList []string `json:"openid_list"`
			TagID      int64    `json:"tagid"`
		}{OpenIDList: openIDs[start:min(start+batchTagSize, len(openIDs))], TagID: tagID}
		if err := c.do(ctx, c.oaCall(path, nil, req), nil); err != nil {
			return err
		}
	}
	return nil
}
