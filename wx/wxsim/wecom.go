package wxsim

import (
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// WeCom signs callbacks for one WeCom corp (always encrypted).
type WeCom struct {
	CorpID, Token, AESKey string
	AgentID               string // optional, for app callbacks
}

// Sign encrypts plain and signs it as WeCom does: msg_signature over
// token, timestamp, nonce and the ciphertext.
func (w WeCom) Sign(plain []byte, now time.Time) (Signed, error) {
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := randomHex(5)
	enc, err := util.EncryptMsg([]byte(randomHex(8)), plain, w.CorpID, w.AESKey)
	if err != nil {
		return Signed{}, fmt.Errorf("encrypt: %w", err)
	}
	env := envelope{ToUserName: cdata{w.CorpID}, Encrypt: cdata{string(enc)}}
	if w.AgentID != "" {
		env.AgentID = &cdata{w.AgentID}
	}
	body, _ := xml.Marshal(env)
	q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "msg_signature": {util.Signature(w.Token, ts, nonce, string(enc))}}
	return Signed{Query: q, Body: body}, nil
}

// Verify builds the URL-verification GET: echostr is encrypted and signed.
func (w WeCom) Verify(echo string, now time.Time) (url.Values, error) {
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := randomHex(5)
	enc, err := util.EncryptMsg([]byte(randomHex(8)), []byte(echo), w.CorpID, w.AESKey)
	if err != nil {
		return nil, err
	}
	return url.Values{"timestamp": {ts}, "nonce": {nonce}, "echostr": {string(enc)},
		"msg_signature": {util.Signature(w.Token, ts, nonce, string(enc))}}, nil
}
