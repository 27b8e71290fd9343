package wx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// request is one API call: where it goes, with which token, and what it sends.
type request struct {
	path    string       // API path, e.g. "/cgi-bin/externalcontact/mark_tag"
	query   url.Values   // extra query parameters (access_token is added)
	body    any          // JSON body; nil makes a GET
	token   *tokenSource // whose access token to send
	limited bool         // WeCom: wait for the per-API rate limiter
	// raw, when set, is sent as the body as it is (a multipart upload) with
	// contentType, instead of body as JSON.
	raw         []byte
	contentType string
}

// envelope is the error part every answer may carry.
type envelope struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// maxResponse bounds how much of an answer is read.
const maxResponse = 8 << 20

// do makes the call and decodes a successful answer into out (if not nil).
// When the platform rejects the token (40001, 42001, 40014) it drops the
// cached token — only if it is still the one sent, so a fresher token from
// another instance survives — fetches a new one and tries once more.
// It returns *Error for an errcode, ErrNotConfigured, ctx and network errors.
func (c *Client) do(ctx context.Context, r request, out any) error {
	var payload []byte
	if r.body != nil {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // WeChat shows "&" and "<" literally
		if err := enc.Encode(r.body); err != nil {
			return fmt.Errorf("wx: %s: encode request: %w", r.path, err)
		}
		payload = buf.Bytes()
	}
	if r.raw != nil {
		payload = r.raw
	}
	for attempt := 0; ; attempt++ {
		tok, err := r.token.token(ctx, c.cfg.HTTPTimeout)
		if err != nil {
			return err
		}
		if r.limited {
			if err := c.limits.wait(ctx, r.path); err != nil {
				return fmt.Errorf("wx: %s: waiting for rate limiter: %w", r.path, err)
			}
		}
		err = c.send(ctx, r, tok, payload, out)
		if attempt == 0 && isTokenError(err) {
			// Best effort: if the delete fails the next fetch may reuse the
			// bad token, and the retry reports the platform's error.
			_ = c.store.DeleteIfEqual(ctx, r.token.key, tok)
			continue
		}
		return err
	}
}

// send makes one HTTP request and decodes the answer.
func (c *Client) send(ctx context.Context, r request, tok string, payload []byte, out any) error {
	q := url.Values{}
	for k, v := range r.query {
		q[k] = v
	}
	if tok != "" { // the web authorisation code exchange sends none
		q.Set("access_token", tok)
	}
	uri := r.token.base + r.path + "?" + q.Encode()

	method, body := http.MethodGet, io.Reader(nil)
	if r.body != nil || r.raw != nil {
		method, body = http.MethodPost, bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, uri, body)
	if err != nil {
		return fmt.Errorf("wx: %s: %w", r.path, err)
	}
	switch {
	case r.raw != nil:
		req.Header.Set("Content-Type", r.contentType)
	case r.body != nil:
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("wx: %s: %w", r.path, scrub(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("wx: %s: read answer: %w", r.path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return &statusError{API: r.path, Status: resp.StatusCode}
	}

	var env envelope
	if err := json.Unmarshal(data, &env); err != nil {
		return fmt.Errorf("wx: %s: decode answer: %w", r.path, err)
	}
	if env.ErrCode != 0 {
		return &Error{Code: env.ErrCode, Msg: env.ErrMsg, API: r.path}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("wx: %s: decode answer: %w", r.path, err)
		}
	}
	return nil
}
