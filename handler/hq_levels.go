package handler

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/siyu/siyu/model"
)

// levelRequest is the body of PUT /api/hq/levels/{name}.
type levelRequest struct {
	Threshold      int64   `json:"threshold"`
	KeepThreshold  int64   `json:"keep_threshold"`
	Multiplier     float64 `json:"multiplier"`
	UpgradeCoupons []int64 `json:"upgrade_coupons"`
	MonthlyCoupons []int64 `json:"monthly_coupons"`
	Benefits       string  `json:"benefits"`
}

func (s *Server) listLevels(c *gin.Context) {
	ls, err := s.loyalty.Levels(c.Request.Context())
	reply(c, http.StatusOK, gin.H{"levels": ls}, err)
}

// saveLevel creates (201) or updates (200) the named level.
func (s *Server) saveLevel(c *gin.Context) {
	var req levelRequest
	if !bindJSON(c, &req) {
		return
	}
	l, created, err := s.loyalty.SaveLevel(c.Request.Context(), model.Level{Name: c.Param("name"), Threshold: req.Threshold,
		KeepThreshold: req.KeepThreshold, Multiplier: req.Multiplier, UpgradeCoupons: req.UpgradeCoupons,
		MonthlyCoupons: req.MonthlyCoupons, Benefits: req.Benefits})
	if err != nil {
		writeError(c, err)
		return
	}
	respondSaved(c, created, l)
}

func (s *Server) deleteLevel(c *gin.Context) {
	if err := s.loyalty.DeleteLevel(c.Request.Context(), c.Param("name")); err != nil {
		writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// ruleRequest is the body of PUT /api/hq/earning-rules/{channel}.
type ruleRequest struct {
	Enabled       *bool   `json:"enabled"` // default true
	Points        int64   `json:"points"`
	Growth        int64   `json:"growth"`
	PointsPerYuan float64 `json:"points_per_yuan"`
	GrowthPerYuan float64 `json:"growth_per_yuan"`
	CapPoints     int64   `json:"cap_points"`
	CapPeriod     string  `json:"cap_period"`
}

func (s *Server) listEarningRules(c *gin.Context) {
	rs, err := s.loyalty.EarningRules(c.Request.Context())
	reply(c, http.StatusOK, gin.H{"rules": rs}, err)
}

// saveEarningRule replaces a channel's rule.
func (s *Server) saveEarningRule(c *gin.Context) {
	var req ruleRequest
	if !bindJSON(c, &req) {
		return
	}
	r, err := s.loyalty.SaveEarningRule(c.Request.Context(), model.EarningRule{Channel: c.Param("channel"),
		Enabled: req.Enabled == nil || *req.Enabled, Points: req.Points, Growth: req.Growth, PointsPerYuan: req.PointsPerYuan,
		GrowthPerYuan: req.GrowthPerYuan, CapPoints: req.CapPoints, CapPeriod: req.CapPeriod})
	if err != nil {
		writeError(c, err)
		return
	}
	respond(c, http.StatusOK, r)
}
