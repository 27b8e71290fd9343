package handler

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/siyu/siyu/model"
)

// readBody reads the whole (already size-limited) request body; an
// oversized body fails with *http.MaxBytesError (413 in writeError).
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, err
	} else if err != nil {
		return nil, invalid("cannot read body: %v", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// checkTimestamp refuses a callback whose timestamp is missing, not a
// number, or further than maxSkew from now (0 turns the skew check off).
func checkTimestamp(raw string, now time.Time, maxSkew time.Duration) error {
	ts, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return invalid("timestamp %q: want Unix seconds", raw)
	}
	if maxSkew > 0 {
		d := now.Sub(time.Unix(ts, 0))
		if d < 0 {
			d = -d
		}
		if d > maxSkew {
			return model.Errorf(model.EFORBIDDEN, "timestamp %d is %s from now; allowed skew is %s (SIYU_CALLBACK_MAX_SKEW)", ts, d.Round(time.Second), maxSkew)
		}
	}
	return nil
}

// encryptedEnvelope is the outer XML of a safe-mode (or WeCom) callback.
type encryptedEnvelope struct {
	XMLName    xml.Name `xml:"xml"`
	ToUserName string   `xml:"ToUserName"`
	Encrypt    string   `xml:"Encrypt"`
	AgentID    string   `xml:"AgentID"`
}

// parseEnvelope decodes the outer XML and insists on an Encrypt element.
func parseEnvelope(body []byte) (encryptedEnvelope, error) {
	var env encryptedEnvelope
	if err := xml.Unmarshal(body, &env); err != nil {
		return env, invalid("body is not the expected XML: %v", err)
	}
	if env.Encrypt == "" {
		return env, invalid("body has no <Encrypt> element")
	}
	return env, nil
}

// badSignature is the refusal for a signature that does not match.
func badSignature(which string) error {
	return model.Errorf(model.EFORBIDDEN, "%s does not match: check the token configured on both sides", which)
}

// bufferedWriter captures what a library writes so the handler can still
// refuse the request, or send the reply, after the library returns.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferedWriter() *bufferedWriter { return &bufferedWriter{header: http.Header{}} }

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }
func (b *bufferedWriter) WriteHeader(status int)      { b.status = status }

// flush copies the captured response to w.
func (b *bufferedWriter) flush(w http.ResponseWriter) {
	for k, v := range b.header {
		w.Header()[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes()) // the client is gone if this fails; nobody to tell
}
