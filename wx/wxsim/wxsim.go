// Package wxsim plays the platforms' side of callbacks: it builds, signs and
// encrypts Official Account and WeCom callbacks exactly as WeChat and WeCom
// do, and decrypts the replies. `siyu simulate`, `siyu bench` and the tests
// use it to talk to a running server with no WeChat account.
package wxsim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/silenceper/wechat/v2/util"
)

// OA signs callbacks for one Official Account. With AESKey empty it sends
// plaintext; with it, safe mode (or compatible mode when Compat is set).
type OA struct {
	AppID, Token, AESKey string
	Compat               bool
}

// Signed is a callback ready to POST: the query string and the body.
type Signed struct {
	Query url.Values
	Body  []byte
}

// Sign wraps a plaintext message XML as the platform would send it at now.
func (o OA) Sign(plain []byte, now time.Time) (Signed, error) {
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := randomHex(5)
	q := url.Values{"timestamp": {ts}, "nonce": {nonce}, "signature": {util.Signature(o.Token, ts, nonce)}}
	if o.AESKey == "" {
		return Signed{Query: q, Body: plain}, nil
	}
	enc, err := util.EncryptMsg([]byte(randomHex(8)), plain, o.AppID, o.AESKey)
	if err != nil {
		return Signed{}, fmt.Errorf("encrypt: %w", err)
	}
	q.Set("encrypt_type", "aes")
	q.Set("msg_signature", util.Signature(o.Token, ts, nonce, string(enc)))
	var body []byte
	if o.Compat { // compatible mode: plaintext fields and the ciphertext side by side
		body = append([]byte(nil), plain[:len(plain)-len("</xml>")]...)
		body = append(body, []byte("<Encrypt><![CDATA["+string(enc)+"]]></Encrypt></xml>")...)
	} else {
		body, _ = xml.Marshal(envelope{ToUserName: cdata{o.AppID}, Encrypt: cdata{string(enc)}})
	}
	return Signed{Query: q, Body: body}, nil
}

// Verify signs a URL-verification GET with echostr.
func (o OA) Verify(echostr string, now time.Time) url.Values {
	ts := strconv.FormatInt(now.Unix(), 10)
	nonce := randomHex(5)
	return url.Values{"timestamp": {ts}, "nonce": {nonce}, "echostr": {echostr}, "signature": {util.Signature(o.Token, ts, nonce)}}
}

// Reply is a decoded passive reply.
type Reply struct {
	XMLName      xml.Name `xml:"xml"`
	ToUserName   string   `xml:"ToUserName"`
	FromUserName string   `xml:"FromUserName"`
	MsgType      string   `xml:"MsgType"`
	Content      string   `xml:"Content"`
	CreateTime   int64    `xml:"CreateTime"`
}

// DecodeReply turns the server's answer into a Reply: "success" or an empty
// body is an empty Reply; in safe mode the signature is checked and the
// ciphertext decrypted (and its AppID checked).
func (o OA) DecodeReply(body []byte) (Reply, error) {
	var r Reply
	s := string(body)
	if s == "" || s == "success" {
		return r, nil
	}
	if o.AESKey != "" {
		var env struct {
			Encrypt      string `xml:"Encrypt"`
			MsgSignature string `xml:"MsgSignature"`
			TimeStamp    string `xml:"TimeStamp"`
			Nonce        string `xml:"Nonce"`
		}
		if err := xml.Unmarshal(body, &env); err != nil {
			return r, fmt.Errorf("reply is not XML: %w: %q", err, s)
		}
		if env.Encrypt != "" {
			if util.Signature(o.Token, env.TimeStamp, env.Nonce, env.Encrypt) != env.MsgSignature {
				return r, fmt.Errorf("reply signature does not match")
			}
			_, plain, err := util.DecryptMsg(o.AppID, env.Encrypt, o.AESKey)
			if err != nil {
				return r, fmt.Errorf("decrypt reply: %w", err)
			}
			body = plain
		}
	}
	if err := xml.Unmarshal(body, &r); err != nil {
		return r, fmt.Errorf("reply is not XML: %w: %q", err, string(body))
	}
	return r, nil
}

type cdata struct {
	Text string `xml:",cdata"`
}

type envelope struct {
	XMLName    xml.Name `xml:"xml"`
	ToUserName cdata    `xml:"ToUserName"`
	Encrypt    cdata    `xml:"Encrypt"`
	AgentID    *cdata   `xml:"AgentID,omitempty"`
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
