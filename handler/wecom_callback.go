package handler

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/silenceper/wechat/v2/util"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/tasks"
)

// WeComConfig holds the WeCom callback credentials (the customer-contact
// callback set in the admin console; WeCom always encrypts).
type WeComConfig struct {
	CorpID, Token, AESKey string
}

// wecomReply is the whole answer to an accepted callback: the work is
// queued, so WeCom never waits for it.
const wecomReply = "success"

// wecomConfigured names the variable to set when callbacks cannot be
// verified.
func (s *Server) wecomConfigured() error {
	for _, v := range []struct{ val, name string }{
		{s.wcCfg.CorpID, "SIYU_WECOM_CORPID"}, {s.wcCfg.Token, "SIYU_WECOM_TOKEN"}, {s.wcCfg.AESKey, "SIYU_WECOM_AES_KEY"},
	} {
		if v.val == "" {
			return model.Errorf(model.EUNAVAILABLE, "WeCom callbacks are not configured: set %s", v.name)
		}
	}
	return nil
}

// wecomDecrypt checks msg_signature over the ciphertext, then decrypts it,
// checking that it was encrypted for this corp.
func (s *Server) wecomDecrypt(c *gin.Context, encrypted string) ([]byte, error) {
	if !sameSignature(util.Signature(s.wcCfg.Token, c.Query("timestamp"), c.Query("nonce"), encrypted), c.Query("msg_signature")) {
		return nil, badSignature("msg_signature")
	}
	_, plain, err := util.DecryptMsg(s.wcCfg.CorpID, encrypted, s.wcCfg.AESKey)
	if err != nil {
		return nil, invalid("ciphertext does not decrypt for corp %s: %v", s.wcCfg.CorpID, err)
	}
	return plain, nil
}

// wecomVerify answers WeCom's URL verification (GET): echostr is encrypted
// and signed; the answer is its plaintext.
func (s *Server) wecomVerify(c *gin.Context) {
	if err := s.wecomConfigured(); err != nil {
		s.refuse(c, "wecom", err)
		return
	}
	if err := checkTimestamp(c.Query("timestamp"), s.now(), s.maxSkew); err != nil {
		s.refuse(c, "wecom", err)
		return
	}
	echo := c.Query("echostr")
	if echo == "" {
		s.refuse(c, "wecom", invalid("echostr is missing"))
		return
	}
	plain, err := s.wecomDecrypt(c, echo)
	if err != nil {
		s.refuse(c, "wecom", err)
		return
	}
	c.String(http.StatusOK, string(plain))
}

// wecomCallback handles a WeCom callback (POST). It verifies, decrypts and
// decodes the event, queues it once per delivery and answers at once.
// Refusals are 4xx and change nothing.
func (s *Server) wecomCallback(c *gin.Context) {
	start := time.Now()
	defer func() { s.metrics.CallbackSeconds.WithLabelValues("wecom").Observe(time.Since(start).Seconds()) }()
	ev, ok, err := s.decodeWeComCallback(c)
	if err != nil {
		s.refuse(c, "wecom", err)
		return
	}
	if !ok {
		s.metrics.Callbacks.WithLabelValues("wecom", "other", "ignored").Inc()
		c.String(http.StatusOK, wecomReply)
		return
	}
	if s.enq == nil {
		s.refuse(c, "wecom", model.Errorf(model.EUNAVAILABLE, "the task queue is not available"))
		return
	}
	s.acceptWeComEvent(c, ev)
}

// decodeWeComCallback runs every check of a POST and returns the event;
// ok is false for a message Siyu accepts but does not act on.
func (s *Server) decodeWeComCallback(c *gin.Context) (ev tasks.WeComEvent, ok bool, err error) {
	if err := s.wecomConfigured(); err != nil {
		return ev, false, err
	}
	if err := checkTimestamp(c.Query("timestamp"), s.now(), s.maxSkew); err != nil {
		return ev, false, err
	}
	body, err := readBody(c.Request)
	if err != nil {
		return ev, false, err
	}
	env, err := parseEnvelope(body)
	if err != nil {
		return ev, false, err
	}
	plain, err := s.wecomDecrypt(c, env.Encrypt)
	if err != nil {
		return ev, false, err
	}
	ev, ok, err = decodeWeComEvent(plain, s.wcCfg.CorpID, logger(c))
	if err == nil { // only a verified message binds its timestamp and nonce
		err = s.checkReplay(c.Request.Context(), "wecom", c.Query("timestamp"), c.Query("nonce"), body)
	}
	return ev, ok, err
}

// acceptWeComEvent queues the event once per delivery: a retry of a
// delivery already queued is answered at once; a failure to queue answers
// 503 and clears the dedupe mark, so WeCom's retry is queued afresh.
func (s *Server) acceptWeComEvent(c *gin.Context, ev tasks.WeComEvent) {
	log := logger(c)
	kind := ev.Event + ":" + ev.ChangeType
	key := ev.Key()
	claim, _, err := s.replies.claim(c.Request.Context(), key)
	if err != nil {
		log.Warn("dedupe unavailable; queueing anyway (task ids still dedupe)", "err", err)
	}
	if claim != claimFirst {
		s.metrics.Callbacks.WithLabelValues("wecom", kind, "retry").Inc()
		c.String(http.StatusOK, wecomReply)
		return
	}
	ctx := context.WithoutCancel(c.Request.Context())
	if err := s.enqueueWeComEvent(ctx, ev); err != nil {
		log.Error("cannot queue wecom event; WeCom will retry", "err", err, "kind", kind)
		if err := s.replies.abort(ctx, key); err != nil {
			log.Warn("dedupe abort", "err", err)
		}
		s.metrics.Callbacks.WithLabelValues("wecom", kind, "error").Inc()
		writeError(c, model.Errorf(model.EUNAVAILABLE, "cannot queue the event now; retry later"))
		return
	}
	if err := s.replies.finish(ctx, key, wecomReply); err != nil {
		log.Warn("dedupe finish", "err", err)
	}
	s.metrics.Callbacks.WithLabelValues("wecom", kind, "ok").Inc()
	c.String(http.StatusOK, wecomReply)
}

// enqueueWeComEvent queues the event, and for an add with a WelcomeCode the
// welcome first, on the critical queue: WeCom takes it only within 20 s.
func (s *Server) enqueueWeComEvent(ctx context.Context, ev tasks.WeComEvent) error {
	if ev.WelcomeCode != "" && (ev.ChangeType == tasks.ChangeAddExternalContact || ev.ChangeType == tasks.ChangeAddHalfExternalContact) {
		t, err := tasks.NewSendWelcomeTask(ev)
		if err != nil {
			return err
		}
		if err := s.enq.Enqueue(ctx, t, tasks.QueueCritical); err != nil {
			return err
		}
	}
	t, err := tasks.NewWeComEventTask(ev)
	if err != nil {
		return err
	}
	return s.enq.Enqueue(ctx, t, tasks.QueueDefault)
}
