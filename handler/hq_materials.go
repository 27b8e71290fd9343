package handler

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/materials"
	"github.com/siyu/siyu/model"
)

// maxUploadBytes caps a material upload: WeCom's 20 MB for files, and the
// form around it.
const maxUploadBytes = 21 << 20

// hqMaterialRoutes are the material library (素材库).
func (s *Server) hqMaterialRoutes(hq *gin.RouterGroup) {
	hq.GET("/materials", s.needMaterials, s.listMaterials)
	hq.GET("/materials/usage", s.needMaterials, s.materialUsage)
	hq.POST("/materials", s.needMaterials, s.saveMaterial)
	hq.GET("/materials/:id", s.needMaterials, s.getMaterial)
	hq.GET("/materials/:id/content", s.needMaterials, s.materialContent)
	hq.GET("/materials/:id/usage", s.needMaterials, s.oneMaterialUsage)
	hq.PUT("/materials/:id", s.needMaterials, s.saveMaterial)
	hq.DELETE("/materials/:id", s.needMaterials, s.deleteMaterial)
}

func (s *Server) needMaterials(c *gin.Context) {
	if serviceWired(c, s.materials != nil, "素材库未启用") {
		c.Next()
	}
}

func (s *Server) listMaterials(c *gin.Context) {
	limit, _ := strconv.Atoi(c.Query("limit"))
	offset, _ := strconv.Atoi(c.Query("offset"))
	out, err := s.materials.List(c.Request.Context(), materials.Query{Q: c.Query("q"), Group: c.Query("group"),
		Type: c.Query("type"), StoreCode: c.Query("store_code"), EnabledOnly: c.Query("enabled") == "true", Limit: limit, Offset: offset})
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, gin.H{"materials": out})
}

func (s *Server) getMaterial(c *gin.Context) {
	id, err := pathID(c, "id")
	var m model.Material
	if err == nil {
		m, err = s.materials.Get(c.Request.Context(), id)
	}
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, m)
}

func (s *Server) materialContent(c *gin.Context) {
	id, err := pathID(c, "id")
	var data []byte
	var ct string
	if err == nil {
		data, ct, err = s.materials.Content(c.Request.Context(), id)
	}
	if err != nil {
		writeError(c, err)
		return
	}
	c.Data(http.StatusOK, ct, data)
}

// saveMaterial serves POST /api/hq/materials and PUT …/{id}: a multipart
// form (type, title, file, description, group, tags, store_codes, url,
// cover_url, appid, page, enabled) or, for cards, the same as JSON.
func (s *Server) saveMaterial(c *gin.Context) {
	m, up, err := materialForm(c)
	if err != nil {
		writeError(c, err)
		return
	}
	id, status, err := createOrUpdate(c)
	if err != nil {
		writeError(c, err)
		return
	}
	m.ID = id
	saved, err := s.materials.Save(c.Request.Context(), m, up)
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, status, saved)
}

// materialForm decodes the material and its file from a multipart or
// JSON body.
func materialForm(c *gin.Context) (model.Material, *materials.Upload, error) {
	m := model.Material{Enabled: true} // on unless the body says otherwise
	if !strings.HasPrefix(c.ContentType(), "multipart/") {
		err := decodeJSON(c, &m)
		return m, nil, err
	}
	if err := c.Request.ParseMultipartForm(8 << 20); err != nil {
		return m, nil, invalid("multipart form: %v", err)
	}
	f := c.Request.PostFormValue
	m = model.Material{Type: f("type"), Title: f("title"), Description: f("description"), GroupName: f("group"),
		URL: f("url"), CoverURL: f("cover_url"), AppID: f("appid"), Page: f("page"), Enabled: f("enabled") != "false",
		TagList: strings.Split(f("tags"), ","), StoreList: strings.Split(f("store_codes"), ",")}
	file, hdr, err := c.Request.FormFile("file")
	if err == http.ErrMissingFile {
		return m, nil, nil
	} else if err != nil {
		return m, nil, invalid("file: %v", err)
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		return m, nil, err
	}
	return m, &materials.Upload{Name: hdr.Filename, Data: data}, nil
}

func (s *Server) deleteMaterial(c *gin.Context) {
	id, err := pathID(c, "id")
	if err == nil {
		err = s.materials.Delete(c.Request.Context(), id)
	}
	if err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// materialUsage serves GET /api/hq/materials/usage?from=&to=&store_code=.
func (s *Server) materialUsage(c *gin.Context) {
	from, to, err := usageRange(c)
	if err != nil {
		writeError(c, err)
		return
	}
	out, err := s.materials.Usage(c.Request.Context(), from, to, c.Query("store_code"))
	reply(c, http.StatusOK, gin.H{"usage": out}, err)
}

// oneMaterialUsage serves GET /api/hq/materials/{id}/usage?from=&to=&store_code=:
// the material's sends per guide and store.
func (s *Server) oneMaterialUsage(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	from, to, err := usageRange(c)
	if err != nil {
		writeError(c, err)
		return
	}
	out, err := s.materials.MaterialUsage(c.Request.Context(), id, from, to, c.Query("store_code"))
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, gin.H{"usage": out})
}

// usageRange reads from= and to= (inclusive days); to is returned as the
// next day's start.
func usageRange(c *gin.Context) (time.Time, time.Time, error) {
	from, err := optionalDay(c.Query("from"))
	var to time.Time
	if err == nil {
		to, err = optionalDay(c.Query("to"))
	}
	if !to.IsZero() {
		to = to.AddDate(0, 0, 1)
	}
	return from, to, err
}

// optionalDay parses YYYY-MM-DD (UTC); "" is the zero time.
func optionalDay(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return t, invalid("date %q: want YYYY-MM-DD", v)
	}
	return t, nil
}
