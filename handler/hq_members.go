package handler

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
)

// findMembers serves GET /api/hq/members: identities (openid,
// external_userid, unionid), tag, store_code, guide_userid and the full
// targeting filter (see targetQuery), limit/offset, with the total count.
func (s *Server) findMembers(c *gin.Context) {
	f, err := memberQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	t, err := targetQuery(c)
	if err != nil {
		writeError(c, err)
		return
	}
	page, err := s.members.SearchMembers(c.Request.Context(), f, t)
	if err == nil {
		err = s.loyalty.DecorateMembers(c.Request.Context(), page.Members)
	}
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, page)
}

func (s *Server) getMember(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	m, err := s.members.GetMember(c.Request.Context(), id)
	if err == nil { // points expiring soon, for the member view
		ms := []model.MemberView{m}
		err = s.loyalty.DecorateMembers(c.Request.Context(), ms)
		m = ms[0]
	}
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, m)
}

// pathID parses a positive integer path parameter.
func pathID(c *gin.Context, name string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, model.Errorf(model.EINVALID, "%s %q: want a positive integer", name, c.Param(name))
	}
	return id, nil
}

// queryInt parses a non-negative integer query parameter with a default.
func queryInt(c *gin.Context, name string, def int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, model.Errorf(model.EINVALID, "%s %q: want a non-negative integer", name, v)
	}
	return n, nil
}

// memberList serves GET /api/hq/members/{id}/<rows>?limit=: the member's
// latest rows of one kind, as {key: [...]}.
func memberList[T any](key string, fetch func(ctx context.Context, memberID int64, limit int) ([]T, error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := bindID(c, "id")
		if !ok {
			return
		}
		limit, err := queryInt(c, "limit", 50)
		if err != nil {
			writeError(c, err)
			return
		}
		rows, err := fetch(c.Request.Context(), id, limit)
		if err != nil {
			writeError(c, err)
			return
		}
		respond(c, http.StatusOK, gin.H{key: rows})
	}
}

// pageParams reads limit= and offset= (non-negative integers; 0 and absent
// leave the service's defaults). Errors: EINVALID naming the parameter.
func pageParams(c *gin.Context) (limit, offset int, err error) {
	if limit, err = queryInt(c, "limit", 0); err != nil {
		return 0, 0, err
	}
	offset, err = queryInt(c, "offset", 0)
	return limit, offset, err
}
