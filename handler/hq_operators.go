package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/operators"
)

// The operators endpoints (admin only). Their services write the audit
// row in the change's own transaction, so auditHQ records only failures.

// listOperators serves GET /api/hq/operators.
func (s *Server) listOperators(c *gin.Context) {
	ops, err := s.ops.ListOperators(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"operators": ops})
}

// getOperator serves GET /api/hq/operators/{id}, with its keys.
func (s *Server) getOperator(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	op, err := s.ops.GetOperator(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return
	}
	keys, err := s.ops.ListKeys(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"operator": op, "keys": keys})
}

// createOperator serves POST /api/hq/operators {"username","name","role","store_code","password"}.
func (s *Server) createOperator(c *gin.Context) {
	var in operators.NewOperator
	if !bindJSON(c, &in) {
		return
	}
	op, err := s.ops.CreateOperator(c.Request.Context(), in, actor(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.Set(ctxAudited, true)
	c.JSON(http.StatusCreated, op)
}

// updateOperator serves PUT /api/hq/operators/{id}; absent fields stay.
func (s *Server) updateOperator(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	var u operators.OperatorUpdate
	if !bindJSON(c, &u) {
		return
	}
	op, err := s.ops.UpdateOperator(c.Request.Context(), id, u, actor(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.Set(ctxAudited, true)
	c.JSON(http.StatusOK, op)
}

// deleteOperator serves DELETE /api/hq/operators/{id}.
func (s *Server) deleteOperator(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	if err := s.ops.DeleteOperator(c.Request.Context(), id, actor(c)); err != nil {
		writeError(c, err)
		return
	}
	c.Set(ctxAudited, true)
	c.JSON(http.StatusOK, gin.H{"deleted": id})
}

// createOperatorKey serves POST /api/hq/operators/{id}/keys: the new key,
// shown this once.
func (s *Server) createOperatorKey(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	key, k, err := s.ops.CreateKey(c.Request.Context(), id, actor(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.Set(ctxAudited, true)
	c.JSON(http.StatusCreated, gin.H{"key": key, "prefix": k.Prefix, "id": k.ID})
}

// revokeOperatorKey serves DELETE /api/hq/operators/{id}/keys/{prefix}.
func (s *Server) revokeOperatorKey(c *gin.Context) {
	if err := s.ops.RevokeKey(c.Request.Context(), c.Param("prefix"), actor(c)); err != nil {
		writeError(c, err)
		return
	}
	c.Set(ctxAudited, true)
	c.JSON(http.StatusOK, gin.H{"revoked": c.Param("prefix")})
}
