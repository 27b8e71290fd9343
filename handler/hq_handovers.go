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
	reply(c, http.StatusOK, d, err)
}

func (s *Server) listDeparted(c *gin.Context) {
	out, err := s.handover.ListDeparted(c.Request.Context())
	reply(c, http.StatusOK, gin.H{"guides": out}, err)
}

func (s *Server) listHandovers(c *gin.Context) {
	out, err := s.handover.List(c.Request.Context(), c.Query("from"), 0)
	reply(c, http.StatusOK, gin.H{"handovers": out}, err)
}

// createHandover serves POST /api/hq/handovers: 201 with the handover and
// its customers (the transfer runs on the queue).
func (s *Server) createHandover(c *gin.Context) {
	var p handover.Plan
	if !bindJSON(c, &p) {
		return
	}
	h, err := s.handover.Create(c.Request.Context(), p, "")
	reply(c, http.StatusCreated, h, err)
}

// previewHandover serves POST /api/hq/handovers/preview: what the plan
// would move, changing nothing.
func (s *Server) previewHandover(c *gin.Context) {
	var p handover.Plan
	if !bindJSON(c, &p) {
		return
	}
	pv, err := s.handover.Preview(c.Request.Context(), p)
	reply(c, http.StatusOK, pv, err)
}

func (s *Server) unassignedCustomers(c *gin.Context) {
	out, err := s.handover.Unassigned(c.Request.Context())
	reply(c, http.StatusOK, gin.H{"customers": out}, err)
}

func (s *Server) getHandover(c *gin.Context) {
	id, ok := bindID(c, "id")
	if !ok {
		return
	}
	h, err := s.handover.Get(c.Request.Context(), id)
	reply(c, http.StatusOK, h, err)
}
