// Package materials is the material library (素材库): images, videos and
// files HQ uploads (kept in the database, so every instance reads them),
// links and mini-program cards, in groups, with tags, a store scope and an
// on/off switch. Guides list the materials open to their store in the
// sidebar and send them with sendChatMessage; uploaded content needs a
// WeCom media_id, uploaded as the app on first use and cached in Redis
// until shortly before its 3-day expiry, once per material per period.
package materials

import (
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/store"
	"github.com/siyu/siyu/wx"
)

// Service is the material library. Safe for concurrent use.
type Service struct {
	st     *store.Store
	db     *gorm.DB
	rdb    redis.UniversalClient
	prefix string
	media  wx.WeComMedia
	now    func() time.Time
	log    *slog.Logger
	flight flights
	// MediaTTL is how long a media_id is used: WeCom keeps it 3 days.
	mediaTTL time.Duration
}

// Options configures New.
type Options struct {
	Redis  redis.UniversalClient // required: the media_id cache and upload lock
	Prefix string                // Redis key prefix, default "siyu"
	Media  wx.WeComMedia         // uploads; nil refuses sends of uploaded types
	Now    func() time.Time
	Logger *slog.Logger
	// MediaTTL is how long a cached media_id is used; 0 = 3 days less 1 hour.
	MediaTTL time.Duration
}

// New returns the library over st.
func New(st *store.Store, o Options) *Service {
	s := &Service{st: st, db: st.DB(), rdb: o.Redis, prefix: o.Prefix, media: o.Media, now: o.Now, log: o.Logger, mediaTTL: o.MediaTTL}
	if s.prefix == "" {
		s.prefix = "siyu"
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.mediaTTL <= 0 {
		s.mediaTTL = wx.MediaLifetime - time.Hour
	}
	return s
}

// Limits as WeCom's temporary media (media/upload).
var limits = map[string]struct {
	max   int64
	types []string // content types accepted (sniffed)
	exts  []string
}{
	model.MaterialImage: {10 << 20, []string{"image/jpeg", "image/png"}, []string{".jpg", ".jpeg", ".png"}},
	model.MaterialVideo: {10 << 20, []string{"video/mp4"}, []string{".mp4"}},
	model.MaterialFile:  {20 << 20, nil, nil},
}

// minSize is the smallest upload WeCom takes.
const minSize = 5

// Uploaded reports whether materials of type t carry content.
func Uploaded(t string) bool { _, ok := limits[t]; return ok }

// Upload is an uploaded file.
type Upload struct {
	Name string
	Data []byte
}

// checkUpload validates an upload for m's type and fills the file fields.
func checkUpload(m *model.Material, up *Upload) error {
	lim := limits[m.Type]
	if up == nil || len(up.Data) == 0 {
		return model.Errorf(model.EINVALID, "file: %s 素材需要上传文件", typeName(m.Type))
	}
	size := int64(len(up.Data))
	if size < minSize || size > lim.max {
		return model.Errorf(model.EINVALID, "file: %s 大小须在 5 字节到 %d MB 之间，上传的是 %.1f MB",
			typeName(m.Type), lim.max>>20, float64(size)/(1<<20))
	}
	ct := http.DetectContentType(up.Data)
	ext := strings.ToLower(path.Ext(up.Name))
	if lim.types != nil {
		if !contains(lim.exts, ext) || !contains(lim.types, ct) {
			return model.Errorf(model.EINVALID, "file: %s 只支持 %s 格式（收到 %s，%s）", typeName(m.Type),
				strings.Join(lim.exts, "/"), orDash(ext), ct)
		}
	}
	sum := sha256.Sum256(up.Data)
	m.FileName, m.ContentType, m.Size, m.SHA256 = path.Base(up.Name), ct, size, hex.EncodeToString(sum[:])
	return nil
}

// validate trims m and checks what its type needs.
func validate(m *model.Material) error {
	m.Title, m.Description = strings.TrimSpace(m.Title), strings.TrimSpace(m.Description)
	m.GroupName = strings.TrimSpace(m.GroupName)
	switch {
	case m.Type != model.MaterialImage && m.Type != model.MaterialVideo && m.Type != model.MaterialFile &&
		m.Type != model.MaterialLink && m.Type != model.MaterialMiniProgram:
		return model.Errorf(model.EINVALID, "type: 须为 image、video、file、link 或 miniprogram")
	case m.Title == "" || utf8.RuneCountInString(m.Title) > 128:
		return model.Errorf(model.EINVALID, "title: 须为 1-128 个字")
	case utf8.RuneCountInString(m.Description) > 512:
		return model.Errorf(model.EINVALID, "description: 最多 512 个字")
	case m.Type == model.MaterialLink && !strings.HasPrefix(m.URL, "https://") && !strings.HasPrefix(m.URL, "http://"):
		return model.Errorf(model.EINVALID, "url: 链接素材需要 http(s) 地址")
	case m.Type == model.MaterialMiniProgram && (m.AppID == "" || m.Page == ""):
		return model.Errorf(model.EINVALID, "appid, page: 小程序素材需要 appid 和页面路径")
	case m.Type == model.MaterialMiniProgram && m.CoverURL == "":
		return model.Errorf(model.EINVALID, "cover_url: 小程序素材需要封面图")
	}
	m.Tags, m.StoreCodes = joinList(m.TagList), joinList(m.StoreList)
	return nil
}

func typeName(t string) string {
	switch t {
	case model.MaterialImage:
		return "图片"
	case model.MaterialVideo:
		return "视频"
	}
	return "文件"
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func orDash(s string) string {
	if s == "" {
		return "无扩展名"
	}
	return s
}

// joinList trims, dedupes and joins with commas (no commas inside).
func joinList(in []string) string {
	var out []string
	for _, v := range in {
		v = strings.TrimSpace(strings.ReplaceAll(v, ",", " "))
		if v != "" && !contains(out, v) {
			out = append(out, v)
		}
	}
	return strings.Join(out, ",")
}

func splitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// fill sets the list fields from the stored strings.
func fill(m *model.Material) {
	m.TagList, m.StoreList = splitList(m.Tags), splitList(m.StoreCodes)
}
