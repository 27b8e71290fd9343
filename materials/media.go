package materials

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/wx"
)

// flights lets one goroutine per key do the work while the others of this
// process wait for its answer (the Redis lock does the same across
// instances).
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

type flight struct {
	done chan struct{}
	val  string
	err  error
}

func (f *flights) do(key string, fn func() (string, error)) (string, error) {
	f.mu.Lock()
	if f.m == nil {
		f.m = map[string]*flight{}
	}
	if c, ok := f.m[key]; ok {
		f.mu.Unlock()
		<-c.done
		return c.val, c.err
	}
	c := &flight{done: make(chan struct{})}
	f.m[key] = c
	f.mu.Unlock()
	c.val, c.err = fn()
	f.mu.Lock()
	delete(f.m, key)
	f.mu.Unlock()
	close(c.done)
	return c.val, c.err
}

// lockTTL bounds how long an instance holds the upload lock (an upload of
// 20 MB well within it); a crashed holder's lock expires.
const lockTTL = 2 * time.Minute

// cacheKey names the media_id of a material's content (its hash, so new
// content is uploaded afresh).
func (s *Service) cacheKey(m model.Material) string {
	return fmt.Sprintf("%s:material:media:%d:%s", s.prefix, m.ID, m.SHA256)
}

// MediaID returns the WeCom media_id of an uploaded material: from the
// Redis cache, or uploaded now as the app and cached for the media TTL.
// However many guides and instances ask at once, one uploads (a Redis lock,
// and in-process one flight); the others wait for its id. Errors:
// ErrMaterialNotFound, EINVALID for a card type, EUNAVAILABLE when WeCom is
// not configured, EUPSTREAM when WeCom refuses, Redis's and ctx's.
func (s *Service) MediaID(ctx context.Context, m model.Material) (string, error) {
	if !Uploaded(m.Type) {
		return "", model.Errorf(model.EINVALID, "素材 %d 是 %s，不需要上传", m.ID, m.Type)
	}
	if s.media == nil {
		return "", model.Errorf(model.EUNAVAILABLE, "企业微信应用未配置，无法发送图片、视频或文件")
	}
	key := s.cacheKey(m)
	return s.flight.do(key, func() (string, error) { return s.mediaID(ctx, m, key) })
}

func (s *Service) mediaID(ctx context.Context, m model.Material, key string) (string, error) {
	token := randomToken()
	for wait := 20 * time.Millisecond; ; wait = min(wait*2, 500*time.Millisecond) {
		id, ok, err := s.cached(ctx, key)
		if err != nil || ok {
			return id, err
		}
		got, err := s.rdb.SetNX(ctx, key+":lock", token, lockTTL).Result()
		if err != nil {
			return "", err
		}
		if got {
			return s.upload(ctx, m, key, token)
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(wait):
		}
	}
}

// unlock deletes the lock only while it is still ours.
var unlock = redis.NewScript(`if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`)

// upload uploads the content under the lock, caches the id and releases.
func (s *Service) upload(ctx context.Context, m model.Material, key, token string) (string, error) {
	defer func() {
		if err := unlock.Run(context.WithoutCancel(ctx), s.rdb, []string{key + ":lock"}, token).Err(); err != nil {
			s.log.Warn("materials: upload lock not released; it expires", "material", m.ID, "err", err)
		}
	}()
	if id, ok, err := s.cached(ctx, key); err != nil || ok { // uploaded while we waited
		return id, err
	}
	var c model.MaterialContent
	if err := s.db.WithContext(ctx).Take(&c, "material_id = ?", m.ID).Error; err != nil {
		return "", err
	}
	id, err := s.media.UploadMedia(ctx, m.Type, m.FileName, c.Data)
	if errors.Is(err, wx.ErrNotConfigured) {
		return "", model.Errorf(model.EUNAVAILABLE, "企业微信应用未配置，无法发送图片、视频或文件")
	} else if err != nil {
		return "", model.Errorf(model.EUPSTREAM, "素材 %d 上传企业微信失败: %v", m.ID, err)
	}
	until := s.now().Add(s.mediaTTL).Unix()
	if err := s.rdb.Set(ctx, key, strconv.FormatInt(until, 10)+":"+id, s.mediaTTL).Err(); err != nil {
		return "", err
	}
	s.log.Info("materials: uploaded to WeCom", "material", m.ID, "type", m.Type, "size", len(c.Data))
	return id, nil
}

// cached returns the media_id cached under key while it is still within
// the TTL by the service's clock ("<until unix>:<media_id>"; Redis's own
// expiry removes it too).
func (s *Service) cached(ctx context.Context, key string) (string, bool, error) {
	v, err := s.rdb.Get(ctx, key).Result()
	if errors.Is(err, redis.Nil) {
		return "", false, nil
	} else if err != nil {
		return "", false, err
	}
	until, id, found := strings.Cut(v, ":")
	u, perr := strconv.ParseInt(until, 10, 64)
	if !found || perr != nil || s.now().Unix() >= u || id == "" {
		return "", false, nil
	}
	return id, true, nil
}

func randomToken() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
