package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// respond answers a request that succeeded with status and body as JSON:
// the one success ending of every handler (writeError is the failure one).
func respond(c *gin.Context, status int, body any) { c.JSON(status, body) }

// respondSaved answers 201 Created when the request created something and
// 200 OK when it changed, or replayed, what existed: the ending of every
// create-or-update and every idempotent post.
func respondSaved(c *gin.Context, created bool, body any) {
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	respond(c, status, body)
}

// reply is the ending of a handler that made one service call: the error
// when the call failed, else status and body. body is not read on failure.
func reply(c *gin.Context, status int, body any, err error) {
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, status, body)
}

// bindJSON decodes the request body into v; on a bad body it has answered
// 400 and reports false, and the handler stops.
func bindJSON(c *gin.Context, v any) bool {
	if err := decodeJSON(c, v); err != nil {
		writeError(c, err)
		return false
	}
	return true
}

// bindID reads the numeric path parameter name; on a bad one it has
// answered 400 and reports false, and the handler stops.
func bindID(c *gin.Context, name string) (int64, bool) {
	id, err := pathID(c, name)
	if err != nil {
		writeError(c, err)
		return 0, false
	}
	return id, true
}
