package wxtest

import (
	"encoding/json"
	"net/url"
	"sort"
	"strings"
)

// Transfer errcodes the fake answers per customer.
const (
	CodeTransferInProgress = 40129 // 当前客户正在转接中
	CodeTransferTooOften   = 40128 // 客户90天内已被转接2次 (在职继承)
	CodeNotCustomer        = 40096 // 不是原跟进成员的客户
)

// transferState is what the fake corp remembers of customer transfers.
type transferState struct {
	byExt      map[string]*transfer // external_userid -> its latest transfer
	refuse     map[string]int       // external_userid -> errcode to answer
	counts     map[string]int       // external_userid -> on-job transfers so far
	unassigned []map[string]any
	media      map[string]int // media_id -> upload size
}

type transfer struct {
	from, to string
	status   int
	resigned bool
}

func newTransferState() transferState {
	return transferState{byExt: map[string]*transfer{}, refuse: map[string]int{}, counts: map[string]int{}, media: map[string]int{}}
}

// RefuseTransfer makes transfer calls answer errcode for the customer.
func (s *Server) RefuseTransfer(externalUserID string, errcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tr.refuse[externalUserID] = errcode
}

// SetTransferStatus sets what transfer_result reports for the customer's
// latest transfer (1 done, 2 waiting, 3 refused by the customer, 4 the
// takeover guide is full, 5 no record).
func (s *Server) SetTransferStatus(externalUserID string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tr.byExt[externalUserID]; t != nil {
		t.status = status
	}
}

// CompleteTransfers finishes every waiting transfer (status 1), as WeCom
// does 24 hours after the request, and returns how many it finished.
func (s *Server) CompleteTransfers() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, t := range s.tr.byExt {
		if t.status == 2 {
			t.status, n = 1, n+1
		}
	}
	return n
}

// AddUnassigned lists a customer of a departed member in get_unassigned_list.
func (s *Server) AddUnassigned(handoverUserID, externalUserID string, dimission int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tr.unassigned = append(s.tr.unassigned, map[string]any{"handover_userid": handoverUserID,
		"external_userid": externalUserID, "dimission_time": dimission})
}

func (s *Server) transferCustomer(_ url.Values, body []byte) map[string]any {
	return s.transferCall(body, false)
}

func (s *Server) resignedTransferCustomer(_ url.Values, body []byte) map[string]any {
	return s.transferCall(body, true)
}

func (s *Server) transferCall(body []byte, resigned bool) map[string]any {
	var req struct {
		From string   `json:"handover_userid"`
		To   string   `json:"takeover_userid"`
		Ext  []string `json:"external_userid"`
		Msg  string   `json:"transfer_success_msg"`
	}
	_ = json.Unmarshal(body, &req)
	switch {
	case req.From == "" || req.To == "":
		return errBody(40003, "invalid userid")
	case len(req.Ext) == 0 || len(req.Ext) > 100:
		return errBody(40058, "external_userid: want 1-100")
	case len([]rune(req.Msg)) > 200:
		return errBody(40058, "transfer_success_msg longer than 200 characters")
	}
	var out []map[string]any
	for _, ext := range req.Ext {
		code := s.tr.refuse[ext]
		if t := s.tr.byExt[ext]; code == 0 && t != nil && t.status == 2 {
			code = CodeTransferInProgress
		}
		if code == 0 && !resigned && s.tr.counts[ext] >= 2 {
			code = CodeTransferTooOften
		}
		if code == 0 {
			s.tr.byExt[ext] = &transfer{from: req.From, to: req.To, status: 2, resigned: resigned}
			if !resigned {
				s.tr.counts[ext]++
			}
		}
		out = append(out, map[string]any{"external_userid": ext, "errcode": code})
	}
	return okBody(map[string]any{"customer": out})
}

func (s *Server) transferResult(_ url.Values, body []byte) map[string]any {
	var req struct {
		From string `json:"handover_userid"`
		To   string `json:"takeover_userid"`
	}
	_ = json.Unmarshal(body, &req)
	var exts []string
	for ext, t := range s.tr.byExt {
		if t.from == req.From && t.to == req.To {
			exts = append(exts, ext)
		}
	}
	sort.Strings(exts)
	out := []map[string]any{}
	for _, ext := range exts {
		out = append(out, map[string]any{"external_userid": ext, "status": s.tr.byExt[ext].status, "takeover_time": 0})
	}
	return okBody(map[string]any{"customer": out, "next_cursor": ""})
}

func (s *Server) unassignedList(_ url.Values, _ []byte) map[string]any {
	return okBody(map[string]any{"info": s.tr.unassigned, "is_last": true, "next_cursor": ""})
}

// Media limits as WeCom's: images 10 MB (jpg, png), videos 10 MB (mp4),
// files 20 MB, anything at least 5 bytes.
var mediaLimits = map[string]int{"image": 10 << 20, "video": 10 << 20, "file": 20 << 20, "voice": 2 << 20}

// mediaUpload answers a multipart media/upload; body is the Content-Type
// line then the raw body.
func (s *Server) mediaUpload(q url.Values, body []byte) map[string]any {
	typ := q.Get("type")
	limit, ok := mediaLimits[typ]
	if !ok {
		return errBody(40004, "invalid media type")
	}
	ct, raw, _ := strings.Cut(string(body), "\n")
	if !strings.HasPrefix(ct, "multipart/form-data") || !strings.Contains(raw, `name="media"`) {
		return errBody(41006, "media data missing")
	}
	size := len(raw)
	if size < 5 || size > limit+1024 {
		return errBody(40006, "invalid file size")
	}
	id := s.nextID("MEDIA_" + typ + "_")
	s.tr.media[id] = size
	return okBody(map[string]any{"type": typ, "media_id": id, "created_at": "0"})
}

// MediaUploaded reports whether the fake issued media_id.
func (s *Server) MediaUploaded(mediaID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.tr.media[mediaID]
	return ok
}
