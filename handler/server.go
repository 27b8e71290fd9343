// Package handler is Siyu's HTTP surface: platform callbacks, the HQ API,
// the sidebar, health and metrics. Handlers decode, call one service
// method and encode; errors go through writeError.
package handler

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/silenceper/wechat/v2/officialaccount"
	"gorm.io/gorm"

	"github.com/redis/go-redis/v9"

	"github.com/siyu/siyu/bot"
	"github.com/siyu/siyu/guides"
	"github.com/siyu/siyu/hqtasks"
	"github.com/siyu/siyu/intake"
	"github.com/siyu/siyu/loyalty"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/metrics"
	"github.com/siyu/siyu/operators"
	"github.com/siyu/siyu/profile"
	"github.com/siyu/siyu/scripts"
	"github.com/siyu/siyu/segments"
	"github.com/siyu/siyu/tagging"
	"github.com/siyu/siyu/tasks"
)

// Deps are what the HTTP surface needs, passed in by cmd/siyu.
type Deps struct {
	DB      *gorm.DB
	Redis   redis.UniversalClient
	Prefix  string // Redis key prefix
	Bot     *bot.Bot
	Tagging *tagging.Service
	Members *members.Service
	Guides  *guides.Service
	// Segments computes segments and filters members for targeting.
	Segments *segments.Service
	// Dashboards answers /api/hq/metrics/*.
	Dashboards *metrics.Service
	Loyalty    *loyalty.Service
	Metrics    *Metrics
	Logger     *slog.Logger

	OA      OAConfig
	WeCom   WeComConfig
	MaxSkew time.Duration
	HQToken string
	Now     func() time.Time // nil = time.Now

	// QueueDashboard, if set, is mounted at /admin/queues/ (HQ admin only).
	QueueDashboard http.Handler

	// The guide sidebar.
	Scripts       *scripts.Library
	SidebarWeCom  SidebarWeCom // nil: WeCom not configured
	WeComAgentID  string
	SessionSecret string        // "": random per start
	SessionTTL    time.Duration // default 12 h

	// Enqueuer puts callback work on the queue; nil refuses WeCom callbacks
	// with 503.
	Enqueuer tasks.TaskEnqueuer
	// Codes creates contact-way and QR codes and syncs guides; nil
	// answers those HQ endpoints with 503.
	Codes *guides.Codes
	// Tasks is the HQ task service (tasks, reports, feedback, the
	// sidebar's task panel); nil answers those endpoints with 503.
	Tasks *hqtasks.Service
	// Operators are HQ accounts, sessions, keys and the audit log; nil
	// builds them on DB and Redis.
	Operators *operators.Service
	Auth      AuthConfig
}

// Server holds the handlers' dependencies.
type Server struct {
	db       *gorm.DB
	rdb      redis.UniversalClient
	bot      *bot.Bot
	tags     *tagging.Service
	members  *members.Service
	guides   *guides.Service
	segments *segments.Service
	dash     *metrics.Service
	loyalty  *loyalty.Service
	metrics  *Metrics
	log      *slog.Logger
	replies  *ReplyCache

	oaCfg   OAConfig
	oa      *officialaccount.OfficialAccount
	wcCfg   WeComConfig
	enq     tasks.TaskEnqueuer
	codes   *guides.Codes
	maxSkew time.Duration
	hqToken string
	now     func() time.Time
	queues  http.Handler

	scripts      *scripts.Library
	sidebarWX    SidebarWeCom
	sessions     *Sessions
	wecomCorpID  string
	wecomAgentID string
	tasks        *hqtasks.Service
	intake       *intake.Service
	profiles     *profile.Service

	ops    *operators.Service
	limits *limiter
	AuthConfig
}

// New builds the HTTP handler with every route.
func New(d Deps) http.Handler {
	s := &Server{
		db: d.DB, rdb: d.Redis, bot: d.Bot, tags: d.Tagging, members: d.Members, guides: d.Guides, segments: d.Segments, dash: d.Dashboards, loyalty: d.Loyalty, metrics: d.Metrics,
		log: d.Logger, replies: NewReplyCache(d.Redis, d.Prefix),
		oaCfg: d.OA, oa: newOA(d.OA), maxSkew: d.MaxSkew, hqToken: d.HQToken, now: d.Now, queues: d.QueueDashboard,
		wcCfg: d.WeCom, enq: d.Enqueuer, codes: d.Codes, tasks: d.Tasks,
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.intake = intake.New(d.Members, d.Loyalty, d.Segments, d.Logger)
	s.profiles = profile.New(d.Members, d.Loyalty, d.Tagging, d.Guides)
	if d.SessionTTL == 0 {
		d.SessionTTL = 12 * time.Hour
	}
	s.ops, s.AuthConfig = d.Operators, d.Auth
	if s.ops == nil {
		s.ops = operators.New(d.DB, operators.Options{Redis: d.Redis, Prefix: d.Prefix, Now: s.now})
	}
	s.limits = newLimiter(d.Redis, d.Prefix)
	s.scripts, s.sidebarWX, s.wecomCorpID, s.wecomAgentID = d.Scripts, d.SidebarWeCom, d.WeCom.CorpID, d.WeComAgentID
	s.sessions = NewSessions(d.SessionSecret, d.SessionTTL, s.now)
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// Services get c.Request.Context(); without fallback a *gin.Context passed by
	// mistake is a plain, never-cancelled context rather than a data race
	// with gin reusing it.
	r.ContextWithFallback = false
	r.SetTrustedProxies(d.Auth.TrustedProxies) // nil: the peer address, never a client-set X-Forwarded-For
	r.Use(requestContext(s.log), recoverer(), limitBody())
	s.routes(r)
	return r
}

// healthz answers 200 while the process serves.
func (s *Server) healthz(c *gin.Context) { respond(c, http.StatusOK, gin.H{"status": "ok"}) }

// readyz answers 200 only while the database and Redis answer.
func (s *Server) readyz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	checks := gin.H{"database": "ok", "redis": "ok"}
	ready := true
	if sqlDB, err := s.db.DB(); err != nil || sqlDB.PingContext(ctx) != nil {
		checks["database"], ready = "unavailable", false
	}
	if err := s.rdb.Ping(ctx).Err(); err != nil {
		checks["redis"], ready = "unavailable", false
	}
	status := http.StatusOK
	if !ready {
		status = http.StatusServiceUnavailable
	}
	respond(c, status, gin.H{"ready": ready, "checks": checks})
}
