package handler

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/guides"
	"github.com/siyu/siyu/model"
)

// storeRequest is a store in POST /api/hq/stores and its import.
type storeRequest struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// guideRequest is a guide in POST /api/hq/guides and its import.
type guideRequest struct {
	UserID    string `json:"userid"`
	Name      string `json:"name"`
	StoreCode string `json:"store_code"`
	Role      string `json:"role"`
}

func (r guideRequest) guide() model.Guide {
	return model.Guide{UserID: r.UserID, Name: r.Name, StoreCode: r.StoreCode, Role: r.Role}
}

func (s *Server) saveStore(c *gin.Context) {
	var req storeRequest
	if !bindJSON(c, &req) {
		return
	}
	st, isNew, err := s.guides.SaveStore(c.Request.Context(), model.Store{Code: req.Code, Name: req.Name})
	if err != nil {
		writeError(c, err)
		return
	}
	respondSaved(c, isNew, st)
}

func (s *Server) listStores(c *gin.Context) {
	stores, err := s.guides.ListStores(c.Request.Context())
	reply(c, http.StatusOK, gin.H{"stores": stores}, err)
}

// importStores takes a JSON array of stores or a CSV with columns code,name:
// all or nothing, or with ?partial=true the valid rows saved and each
// rejected row listed with its reason.
func (s *Server) importStores(c *gin.Context) {
	var rows []storeRequest
	if err := decodeImport(c, &rows, []string{"code", "name"}, []string{"code"}); err != nil {
		writeError(c, err)
		return
	}
	stores := make([]model.Store, len(rows))
	for i, r := range rows {
		stores[i] = model.Store{Code: r.Code, Name: r.Name}
	}
	if partialImport(c) {
		res, err := s.guides.ImportStoresPartial(c.Request.Context(), stores)
		respondImport(c, res, err)
		return
	}
	res, err := s.guides.ImportStores(c.Request.Context(), stores)
	reply(c, http.StatusOK, res, err)
}

func (s *Server) saveGuide(c *gin.Context) {
	var req guideRequest
	if !bindJSON(c, &req) {
		return
	}
	g, isNew, err := s.guides.SaveGuide(c.Request.Context(), req.guide())
	if err != nil {
		writeError(c, err)
		return
	}
	respondSaved(c, isNew, g)
}

func (s *Server) listGuides(c *gin.Context) {
	guides, err := s.guides.ListGuides(c.Request.Context(), guides.GuideFilter{StoreCode: c.Query("store_code"), Role: c.Query("role")})
	reply(c, http.StatusOK, gin.H{"guides": guides}, err)
}

// importGuides takes a JSON array of guides or a CSV with columns
// userid,name,store_code,role.
func (s *Server) importGuides(c *gin.Context) {
	var rows []guideRequest
	if err := decodeImport(c, &rows, []string{"userid", "name", "store_code", "role"}, []string{"userid"}); err != nil {
		writeError(c, err)
		return
	}
	guides := make([]model.Guide, len(rows))
	for i, r := range rows {
		guides[i] = r.guide()
	}
	if partialImport(c) {
		res, err := s.guides.ImportGuidesPartial(c.Request.Context(), guides)
		respondImport(c, res, err)
		return
	}
	res, err := s.guides.ImportGuides(c.Request.Context(), guides)
	reply(c, http.StatusOK, res, err)
}

// syncGuides reads guides from WeCom's address book:
// ?department_id= (default 1, the whole corp) and ?store_code= for new ones.
func (s *Server) syncGuides(c *gin.Context) {
	if s.codes == nil {
		writeError(c, model.Errorf(model.EUNAVAILABLE, "WeCom is not configured"))
		return
	}
	dept := 1
	if v := c.Query("department_id"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			writeError(c, invalid("department_id %q: want a number", v))
			return
		}
		dept = n
	}
	res, err := s.codes.SyncGuides(c.Request.Context(), dept, c.Query("store_code"))
	reply(c, http.StatusOK, res, err)
}
