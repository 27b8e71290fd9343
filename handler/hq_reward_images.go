package handler

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
)

// uploadRewardImage serves POST /api/hq/rewards/{id}/image: a multipart
// form whose "image" file (PNG, JPEG, WebP or GIF, at most 512 KB) becomes
// the reward's picture. Answers the reward's image URL.
func (s *Server) uploadRewardImage(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	fh, err := c.FormFile("image")
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeError(c, mbe)
		return
	case err != nil:
		writeError(c, invalid("want a multipart form with the picture in the field \"image\": %v", err))
		return
	}
	if fh.Size > model.MaxRewardImageBytes {
		writeError(c, model.Errorf("too_large", "图片 %d KB，超过上限 %d KB", (fh.Size+1023)/1024, model.MaxRewardImageBytes/1024))
		return
	}
	f, err := fh.Open()
	if err != nil {
		writeError(c, invalid("cannot read the uploaded image: %v", err))
		return
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, model.MaxRewardImageBytes+1))
	if err != nil {
		writeError(c, invalid("cannot read the uploaded image: %v", err))
		return
	}
	img, err := s.loyalty.SetRewardImage(c.Request.Context(), id, data)
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, gin.H{"reward_id": id, "content_type": img.ContentType, "bytes": len(data),
		"image_url": rewardImageURL(id, img.UpdatedAt.UnixMilli())})
}

// rewardImageURL is where a reward's picture is served; v changes with
// each upload so browsers never show a stale one.
func rewardImageURL(id, v int64) string {
	return fmt.Sprintf("/api/hq/rewards/%d/image?v=%d", id, v)
}

// rewardImage serves GET /api/hq/rewards/{id}/image: the picture's bytes.
func (s *Server) rewardImage(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	img, err := s.loyalty.RewardImage(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.Header("Cache-Control", "private, max-age=86400")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Content-Length", strconv.Itoa(len(img.Data)))
	c.Data(http.StatusOK, img.ContentType, img.Data)
}

// rewardView is a reward in the HQ reward list, with its picture's URL
// when it has one.
type rewardView struct {
	model.Reward
	ImageURL string `json:"image_url,omitempty"`
}

// withImages adds the image URLs to a reward list.
func (s *Server) withImages(c *gin.Context, rs []model.Reward) ([]rewardView, error) {
	times, err := s.loyalty.RewardImageTimes(c.Request.Context())
	if err != nil {
		return nil, err
	}
	out := make([]rewardView, len(rs))
	for i, r := range rs {
		out[i] = rewardView{Reward: r}
		if t, ok := times[r.ID]; ok {
			out[i].ImageURL = rewardImageURL(r.ID, t.UnixMilli())
		}
	}
	return out, nil
}
