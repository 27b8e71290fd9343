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
