package handler

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/silenceper/wechat/v2/cache"
	"github.com/silenceper/wechat/v2/officialaccount"
	oaconfig "github.com/silenceper/wechat/v2/officialaccount/config"
	"github.com/silenceper/wechat/v2/officialaccount/message"
	"github.com/silenceper/wechat/v2/util"

	"github.com/siyu/siyu/bot"
	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
)

// OAConfig holds the Official Account's callback credentials.
type OAConfig struct {
	AppID, Secret, Token, AESKey string
}

// politeError is the reply when Siyu cannot answer in time; the member can
// simply try again.
const politeError = "系统有点忙，请稍后再试一次～"

// callbackBudget bounds the database work of one callback, well inside the
// platform's 5 s.
const callbackBudget = 3 * time.Second

func newOA(cfg OAConfig) *officialaccount.OfficialAccount {
	return officialaccount.NewOfficialAccount(&oaconfig.Config{
		AppID: cfg.AppID, AppSecret: cfg.Secret, Token: cfg.Token, EncodingAESKey: cfg.AESKey, Cache: cache.NewMemory(),
	})
}

// wechatVerify answers the Official Account's URL verification (GET).
func (s *Server) wechatVerify(c *gin.Context) {
	if err := s.checkOASignature(c); err != nil {
		s.refuse(c, "wechat", err)
		return
	}
	c.String(http.StatusOK, c.Query("echostr"))
}

// checkOASignature checks configuration, timestamp skew and the plain
// signature shared by GET and POST.
func (s *Server) checkOASignature(c *gin.Context) error {
	if s.oaCfg.Token == "" {
		return model.Errorf(model.EUNAVAILABLE, "the Official Account is not configured: set SIYU_WECHAT_TOKEN")
	}
	if err := checkTimestamp(c.Query("timestamp"), s.now(), s.maxSkew); err != nil {
		return err
	}
	if !sameSignature(util.Signature(s.oaCfg.Token, c.Query("timestamp"), c.Query("nonce")), c.Query("signature")) {
		return badSignature("signature")
	}
	return nil
}

// wechatCallback handles a message or event (POST), plaintext, compatible
// or safe mode. Refusals are 4xx and change nothing; a retried delivery gets
// the first delivery's reply.
func (s *Server) wechatCallback(c *gin.Context) {
	start := time.Now()
	defer func() { s.metrics.CallbackSeconds.WithLabelValues("wechat").Observe(time.Since(start).Seconds()) }()
	if err := s.checkOASignature(c); err != nil {
		s.refuse(c, "wechat", err)
		return
	}
	body, err := readBody(c.Request)
	if err == nil {
		err = s.requireSafeMode(c.Query("encrypt_type"))
	}
	if err != nil {
		s.refuse(c, "wechat", err)
		return
	}
	safe := c.Query("encrypt_type") == "aes"
	if safe {
		if err := s.checkOAMsgSignature(c, body); err != nil {
			s.refuse(c, "wechat", err)
			return
		}
	}

	// silenceper decrypts (checking the AppID), parses and builds the reply;
	// we capture its output so a bad message can still be refused.
	out := newBufferedWriter()
	srv := s.oa.GetServer(c.Request, out)
	var (
		badMsg error
		reply  string
	)
	srv.SetMessageHandler(func(mix *message.MixMessage) *message.Reply {
		msg := toBotMessage(s.oaCfg.AppID, mix)
		if msg.OpenID == "" || msg.MsgType == "" {
			badMsg = invalid("message has no FromUserName or MsgType")
			return nil
		}
		// Only a verified, decoded message binds its timestamp and nonce.
		if badMsg = s.checkReplay(c.Request.Context(), "wechat", c.Query("timestamp"), c.Query("nonce"), body); badMsg != nil {
			return nil
		}
		reply = s.answerOA(c, msg)
		if reply == "" {
			return nil
		}
		return &message.Reply{MsgType: message.MsgTypeText, MsgData: message.NewText(reply)}
	})
	err = srv.Serve()
	if err == nil && badMsg != nil {
		err = badMsg
	}
	if err != nil {
		if model.ErrorCode(err) == model.EINTERNAL { // silenceper's decode errors
			err = invalid("cannot decode callback: %v", err)
		}
		s.refuse(c, "wechat", err)
		return
	}
	if reply == "" { // in safe mode silenceper would send an encrypted empty string
		c.String(http.StatusOK, "success")
		return
	}
	if err := srv.Send(); err != nil {
		logger(c).Error("send reply", "err", err)
		c.String(http.StatusOK, "success")
		return
	}
	out.flush(c.Writer)
}

// checkOAMsgSignature checks msg_signature over the Encrypt element, the
// safe-mode signature, before anything is decrypted.
func (s *Server) checkOAMsgSignature(c *gin.Context, body []byte) error {
	if s.oaCfg.AESKey == "" {
		return invalid("safe mode (encrypt_type=aes) but SIYU_WECHAT_AES_KEY is not set")
	}
	env, err := parseEnvelope(body)
	if err != nil {
		return err
	}
	if !sameSignature(util.Signature(s.oaCfg.Token, c.Query("timestamp"), c.Query("nonce"), env.Encrypt), c.Query("msg_signature")) {
		return badSignature("msg_signature")
	}
	return nil
}

// answerOA runs the bot once per delivery: a retry gets the stored reply,
// a failure gets a polite reply and clears the dedupe mark.
func (s *Server) answerOA(c *gin.Context, msg bot.Message) (reply string) {
	log := logger(c)
	key := oaDedupeKey(msg)
	claim, stored, err := s.replies.claim(c.Request.Context(), key)
	redisDown := err != nil
	if redisDown {
		log.Warn("dedupe unavailable; handling anyway", "err", err)
	}
	if claim == claimFirst { // a reply kept in the database while Redis was down
		if kept, ok := s.dbReply(c.Request.Context(), key); ok {
			claim, stored = claimReplay, kept
			_ = s.replies.finish(context.WithoutCancel(c.Request.Context()), key, kept)
		}
	}
	switch claim {
	case claimReplay:
		s.metrics.Callbacks.WithLabelValues("wechat", "retry", "replayed").Inc()
		return stored
	case claimBusy:
		s.metrics.Callbacks.WithLabelValues("wechat", "retry", "busy").Inc()
		return ""
	}
	if polite, limited := s.overLimit(c, msg); limited {
		if err := s.replies.finish(context.WithoutCancel(c.Request.Context()), key, polite); err != nil {
			log.Warn("dedupe finish", "err", err)
		}
		return polite
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), callbackBudget)
	defer cancel()
	r, err := s.bot.Handle(ctx, msg)
	if err != nil {
		log.Error("callback failed; polite reply sent", "err", err, "msg_type", msg.MsgType, "event", msg.Event)
		s.metrics.Callbacks.WithLabelValues("wechat", msgKind(msg), "error").Inc()
		if err := s.replies.abort(context.WithoutCancel(c.Request.Context()), key); err != nil {
			log.Warn("dedupe abort", "err", err)
		}
		return politeError
	}
	if err := s.replies.finish(context.WithoutCancel(c.Request.Context()), key, r.Text); err != nil || redisDown {
		log.Warn("dedupe finish; reply kept in the database", "err", err)
		r.Text = s.keepReply(context.WithoutCancel(c.Request.Context()), key, r.Text)
	}
	switch {
	case msg.MsgType == "event" && strings.EqualFold(msg.Event, "subscribe"):
		s.queueUnionID(c, msg, strconv.FormatInt(msg.CreateTime, 10))
	case r.UnionIDUnknown: // at most one look-up per follower and day
		s.queueUnionID(c, msg, s.loyalty.BusinessDay(s.now()))
	}
	s.metrics.Callbacks.WithLabelValues("wechat", r.Kind, "ok").Inc()
	if ci := r.CheckIn; ci != nil {
		result := "credited"
		if ci.Already {
			result = "already"
		}
		s.metrics.CheckIns.WithLabelValues(result).Inc()
	}
	s.metrics.PointsCredited.Add(float64(r.Credited))
	return r.Text
}

// queueUnionID queues reading a follower's unionid, to merge them with the
// WeCom contact who has it: on every follow, and for a follower whose
// unionid is still unknown (one from before the API was configured) once a
// day when they write. key makes the task's id. It needs the OA API
// (SIYU_WECHAT_SECRET); a failure to queue is logged: the message itself
// succeeded.
func (s *Server) queueUnionID(c *gin.Context, msg bot.Message, key string) {
	if s.enq == nil || s.oaCfg.Secret == "" {
		return
	}
	if !s.limits.allow(c.Request.Context(), limitUnionID, msg.AppID+":"+msg.OpenID) {
		s.metrics.Limited.WithLabelValues(limitUnionID.kind).Inc()
		return
	}
	t, err := tasks.NewResolveOAUnionIDTask(msg.AppID, msg.OpenID, key)
	if err == nil {
		err = s.enq.Enqueue(context.WithoutCancel(c.Request.Context()), t, tasks.QueueDefault)
	}
	if err != nil {
		logger(c).Warn("follower's unionid not queued for merging", "openid", model.LogID(msg.OpenID), "err", err)
	}
}

// oaDedupeKey identifies one delivery: MsgId for messages;
// FromUserName+CreateTime+Event(+EventKey) for events, which have no MsgId.
func oaDedupeKey(m bot.Message) string {
	if m.MsgType != "event" && m.MsgID != 0 {
		return fmt.Sprintf("oa:%s:msg:%d", m.AppID, m.MsgID)
	}
	return fmt.Sprintf("oa:%s:ev:%s:%d:%s:%s", m.AppID, m.OpenID, m.CreateTime, m.Event, m.EventKey)
}

func msgKind(m bot.Message) string {
	if m.MsgType == "event" {
		return "event_" + strings.ToLower(m.Event)
	}
	return m.MsgType
}

func toBotMessage(appID string, mix *message.MixMessage) bot.Message {
	return bot.Message{
		AppID: appID, OpenID: string(mix.FromUserName), MsgType: string(mix.MsgType),
		Event: string(mix.Event), EventKey: mix.EventKey, Content: mix.Content,
		MsgID: mix.MsgID, CreateTime: mix.CreateTime,
	}
}

// refuse answers a refused callback (4xx, nothing changed) and counts it.
func (s *Server) refuse(c *gin.Context, platform string, err error) {
	s.metrics.Callbacks.WithLabelValues(platform, "-", "refused_"+model.ErrorCode(err)).Inc()
	logger(c).Info("callback refused", "platform", platform, "reason", model.ErrorMessage(err))
	writeError(c, err)
}
