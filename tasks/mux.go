package tasks

import "github.com/hibiken/asynq"

// Deps are what task handlers need. Later features add their services.
type Deps struct{}

// NewMux registers every task handler in one place.
func NewMux(d Deps) *asynq.ServeMux {
	mux := asynq.NewServeMux()
	return mux
}
