package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/handover"
	"github.com/siyu/siyu/model"
)

// hqHandoverRoutes are departures and handovers of guides' customers.
func (s *Server) hqHandoverRoutes(hq *gin.RouterGroup) {
	hq.POST("/guides/:userid/depart", s.needHandover, s.departGuide)
	hq.GET("/guides/departed", s.needHandover, s.listDeparted)
	hq.GET("/handovers", s.needHandover, s.listHandovers)
	hq.POST("/handovers", s.needHandover, s.createHandover)
	hq.POST("/handovers/preview", s.needHandover, s.previewHandover)
	hq.GET("/handovers/unassigned", s.needHandover, s.unassignedCustomers)
	hq.GET("/handovers/:id", s.needHandover, s.getHandover)
}

func (s *Server) needHandover(c *gin.Context) {
	if serviceWired(c, s.handover != nil, "handover is not configured") {
		c.Next()
	}
}

// departGuide serves POST /api/hq/guides/{userid}/depart.
func (s *Server) departGuide(c *gin.Context) {
	d, err := s.handover.Depart(c.Request.Context(), c.Param("userid"), model.DepartByHQ)
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, d)
}

func (s *Server) listDeparted(c *gin.Context) {
	out, err := s.handover.ListDeparted(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, gin.H{"guides": out})
}

func (s *Server) listHandovers(c *gin.Context) {
	out, err := s.handover.List(c.Request.Context(), c.Query("from"), 0)
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, gin.H{"handovers": out})
}

// createHandover serves POST /api/hq/handovers: 201 with the handover and
// its customers (the transfer runs on the queue).
func (s *Server) createHandover(c *gin.Context) {
	var p handover.Plan
	if err := decodeJSON(c, &p); err != nil {
		writeError(c, err)
		return
	}
	h, err := s.handover.Create(c.Request.Context(), p, "")
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusCreated, h)
}

// previewHandover serves POST /api/hq/handovers/preview: what the plan
// would move, changing nothing.
func (s *Server) previewHandover(c *gin.Context) {
	var p handover.Plan
	if err := decodeJSON(c, &p); err != nil {
		writeError(c, err)
		return
	}
	pv, err := s.handover.Preview(c.Request.Context(), p)
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, pv)
}

func (s *Server) unassignedCustomers(c *gin.Context) {
	out, err := s.handover.Unassigned(c.Request.Context())
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, gin.H{"customers": out})
}

func (s *Server) getHandover(c *gin.Context) {
	id, err := pathID(c, "id")
	if err != nil {
		writeError(c, err)
		return
	}
	h, err := s.handover.Get(c.Request.Context(), id)
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, h)
}
