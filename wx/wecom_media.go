package wx

import (
	"bytes"
	"context"
	"fmt"
	"mime/multipart"
	"net/url"
	"time"
)

// pathMediaUpload uploads temporary media as the app (media_id valid 3 days).
const pathMediaUpload = "/cgi-bin/media/upload"

// MediaLifetime is how long WeCom keeps an uploaded temporary media_id.
const MediaLifetime = 72 * time.Hour

// WeComMedia uploads temporary media as the self-built app, for the
// sidebar's sendChatMessage. *Client implements it.
type WeComMedia interface {
	// UploadMedia uploads data as mediaType (image, video or file) named
	// fileName and returns the media_id WeCom keeps for MediaLifetime.
	UploadMedia(ctx context.Context, mediaType, fileName string, data []byte) (string, error)
}

var _ WeComMedia = (*Client)(nil)

// UploadMedia posts a multipart media/upload with the agent's token. It
// returns an error for an unknown type, ErrNotConfigured and *Error (e.g.
// 40004 bad media type, 40005 bad file type, 40006 bad size).
func (c *Client) UploadMedia(ctx context.Context, mediaType, fileName string, data []byte) (string, error) {
	switch mediaType {
	case "image", "video", "file", "voice":
	default:
		return "", fmt.Errorf("wx: media type %q: want image, video, file or voice", mediaType)
	}
	if c.agent.handle == nil {
		return "", errNotConfigured(c.agent)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("media", fileName)
	if err == nil {
		_, err = fw.Write(data)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return "", fmt.Errorf("wx: media upload: encode: %w", err)
	}
	var resp struct {
		MediaID string `json:"media_id"`
	}
	r := request{path: pathMediaUpload, query: url.Values{"type": {mediaType}}, token: c.agent, limited: true,
		raw: buf.Bytes(), contentType: mw.FormDataContentType()}
	if err := c.do(ctx, r, &resp); err != nil {
		return "", err
	}
	return resp.MediaID, nil
}
