package handler

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/config"
	"github.com/siyu/siyu/guides"
	"github.com/siyu/siyu/members"
	"github.com/siyu/siyu/metrics"
	"github.com/siyu/siyu/segments"
)

// metricsSummary serves GET /api/hq/metrics/summary?from=&to=&store_code=:
// the 概览 KPI cards (a store manager always gets their store's).
func (s *Server) metricsSummary(c *gin.Context) {
	r, err := metrics.NewDayRange(c.Query("from"), c.Query("to"), s.loyalty.Location(), s.now())
	if err != nil {
		writeError(c, err)
		return
	}
	sum, err := s.dash.Summary(c.Request.Context(), r, chartStore(c))
	reply(c, http.StatusOK, sum, err)
}

// chartStore is the store a metrics read is limited to: a store manager's
// own, else the store_code query parameter ("" for the whole brand).
func chartStore(c *gin.Context) string {
	if st := scopedStore(c); st != "" {
		return st
	}
	return strings.TrimSpace(c.Query("store_code"))
}

// sceneStats serves GET /api/hq/scenes/{scene}/stats?from=&to=: scans,
// follows, WeCom adds and members brought by one channel code, per day.
func (s *Server) sceneStats(c *gin.Context) {
	r, err := metrics.NewDayRange(c.Query("from"), c.Query("to"), s.loyalty.Location(), s.now())
	if err != nil {
		writeError(c, err)
		return
	}
	ch, err := s.dash.SceneStats(c.Request.Context(), r, c.Param("scene"))
	reply(c, http.StatusOK, ch, err)
}

// memberTimeline serves GET /api/hq/members/{id}/timeline?limit=: the
// member's latest events (follows, scans, WeCom adds, check-ins, tags),
// newest first.
func (s *Server) memberTimeline(c *gin.Context) {
	memberList("events", s.members.Events)(c)
}

// runningConfig serves GET /api/hq/config (admins): the configuration the
// process runs with, secrets masked.
func (s *Server) runningConfig(c *gin.Context) {
	settings := s.RunningConfig
	if settings == nil {
		settings = []config.Setting{}
	}
	respond(c, http.StatusOK, gin.H{"settings": settings})
}

// queryList reads a list parameter given repeated (?k=a&k=b), comma
// separated (?k=a,b), or both; blanks are dropped.
func queryList(c *gin.Context, names ...string) []string {
	var out []string
	for _, name := range names {
		for _, v := range c.QueryArray(name) {
			for _, part := range strings.Split(v, ",") {
				if p := strings.TrimSpace(part); p != "" {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// targetQuery reads the targeting filter from query parameters: tags_any,
// tags_all, tags_none, level(s), scene(s), store_codes, guide_userids,
// lifecycle(s), rfm_segment(s), activity_min, activity_max, subscribed,
// last_active_before, last_active_after. Errors: EINVALID naming the
// parameter.
func targetQuery(c *gin.Context) (segments.TargetFilter, error) {
	f := segments.TargetFilter{
		TagsAny: queryList(c, "tags_any"), TagsAll: queryList(c, "tags_all"), TagsNone: queryList(c, "tags_none"),
		Levels: queryList(c, "levels", "level"), Scenes: queryList(c, "scenes", "scene"),
		StoreCodes: queryList(c, "store_codes"), GuideUserIDs: queryList(c, "guide_userids"),
		Lifecycles: queryList(c, "lifecycles", "lifecycle"), RFMSegments: queryList(c, "rfm_segments", "rfm_segment", "rfm"),
	}
	for _, p := range []struct {
		name string
		dst  **float64
	}{{"activity_min", &f.ActivityMin}, {"activity_max", &f.ActivityMax}} {
		if v := c.Query(p.name); v != "" {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return f, invalid("%s %q: want a number", p.name, v)
			}
			*p.dst = &n
		}
	}
	if v := c.Query("subscribed"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return f, invalid("subscribed %q: want true or false", v)
		}
		f.Subscribed = &b
	}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"last_active_before", &f.LastActiveBefore}, {"last_active_after", &f.LastActiveAfter}} {
		if v := c.Query(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return f, invalid("%s %q: want an RFC 3339 time", p.name, v)
			}
			*p.dst = &t
		}
	}
	return f, f.Validate()
}

// memberQuery reads the identity, tag, store and guide parameters and the
// page of GET /api/hq/members.
func memberQuery(c *gin.Context) (members.MemberFilter, error) {
	f := members.MemberFilter{
		OpenID: c.Query("openid"), ExternalUserID: c.Query("external_userid"), UnionID: c.Query("unionid"),
		Tag: c.Query("tag"), StoreCode: c.Query("store_code"), GuideUserID: c.Query("guide_userid"),
	}
	var err error
	if f.Limit, err = queryInt(c, "limit", 50); err != nil {
		return f, err
	}
	f.Offset, err = queryInt(c, "offset", 0)
	return f, err
}

// partialImport reports whether an import asked for row-by-row saving
// (?partial=true) rather than all or nothing.
func partialImport(c *gin.Context) bool {
	b, _ := strconv.ParseBool(c.Query("partial"))
	return b
}

// respondImport answers a row-by-row import: 200 with what was saved and
// each rejected row.
func respondImport(c *gin.Context, res guides.PartialResult, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, res)
}
