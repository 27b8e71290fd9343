package handler

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
	"github.com/siyu/siyu/scripts"
)

type scriptGroupRequest struct {
	Name string `json:"name"`
	Sort int    `json:"sort"`
}

type scriptRequest struct {
	GroupID    int64    `json:"group_id"`
	Title      string   `json:"title"`
	Content    string   `json:"content"`
	Sort       int      `json:"sort"`
	StoreCodes []string `json:"store_codes"`
}

// saveScriptGroup serves POST /api/hq/script-groups and PUT …/{id}.
func (s *Server) saveScriptGroup(c *gin.Context) {
	saveByID(c, func(ctx context.Context, id int64, req scriptGroupRequest) (model.ScriptGroup, error) {
		return s.scripts.SaveGroup(ctx, model.ScriptGroup{ID: id, Name: req.Name, SortOrder: req.Sort})
	})
}

// deleteScriptGroup serves DELETE /api/hq/script-groups/{id}.
func (s *Server) deleteScriptGroup(c *gin.Context) { deleteByID(c, s.scripts.DeleteGroup) }

// saveScript serves POST /api/hq/scripts and PUT …/{id}.
func (s *Server) saveScript(c *gin.Context) {
	saveByID(c, func(ctx context.Context, id int64, req scriptRequest) (model.Script, error) {
		return s.scripts.SaveScript(ctx, model.Script{ID: id,
			GroupID: req.GroupID, Title: req.Title, Content: req.Content, SortOrder: req.Sort, StoreCodes: req.StoreCodes})
	})
}

// deleteScript serves DELETE /api/hq/scripts/{id}.
func (s *Server) deleteScript(c *gin.Context) { deleteByID(c, s.scripts.DeleteScript) }

// saveByID serves a create (POST, no id: 201) or an update (PUT …/{id}:
// 200) of one object: it decodes the JSON body into a Req and hands it,
// with the id (0 on create), to save.
func saveByID[Req, Out any](c *gin.Context, save func(ctx context.Context, id int64, req Req) (Out, error)) {
	var req Req
	if !bindJSON(c, &req) {
		return
	}
	id, status, err := createOrUpdate(c)
	if err != nil {
		writeError(c, err)
		return
	}
	out, err := save(c.Request.Context(), id, req)
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, status, out)
}

// deleteByID serves DELETE …/{id}: 204 once del has removed it.
func deleteByID(c *gin.Context, del func(ctx context.Context, id int64) error) {
	id, err := pathID(c, "id")
	if err == nil {
		err = del(c.Request.Context(), id)
	}
	if err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// listScripts serves GET /api/hq/scripts?q=&group=: every script, by group.
func (s *Server) listScripts(c *gin.Context) {
	groups, err := s.scripts.List(c.Request.Context(), scripts.ScriptQuery{Query: c.Query("q"), Group: c.Query("group")})
	reply(c, http.StatusOK, gin.H{"groups": groups}, err)
}

// scriptUsage serves GET /api/hq/scripts/usage?from=&to=: sends per script
// and guide (business days, inclusive; default the last 30 days).
func (s *Server) scriptUsage(c *gin.Context) {
	from, to, err := dayRange(c, s.now(), s.loyalty.Location(), 30)
	if err != nil {
		writeError(c, err)
		return
	}
	usage, err := s.scripts.Usage(c.Request.Context(), from, to)
	reply(c, http.StatusOK, gin.H{"from": from, "to": to, "usage": usage}, err)
}

// createOrUpdate tells a POST (create: id 0, 201) from a PUT …/{id}
// (update: that id, 200).
func createOrUpdate(c *gin.Context) (id int64, status int, err error) {
	if c.Param("id") == "" {
		return 0, http.StatusCreated, nil
	}
	id, err = pathID(c, "id")
	return id, http.StatusOK, err
}
