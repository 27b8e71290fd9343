package tasks

import (
	"math/rand/v2"
	"time"

	"github.com/hibiken/asynq"

	"github.com/siyu/siyu/wx"
)

// RetryDelay returns the worker's RetryDelayFunc, in units of unit (a
// second in production; tests shrink it):
//
//   - welcome messages retry quickly (½, 1, 1½ units): WeCom takes them only
//     within 20 s of the add event;
//   - a quota or frequency limit (45009, 45011) waits a minute, WeCom's window;
//   - a concurrency limit (45033, mark_tag) backs off exponentially from one
//     unit, at most 30;
//   - anything else backs off exponentially from one unit, at most 10 minutes.
//
// Each delay but the welcome's gets up to one unit of jitter, so tasks that
// failed together do not retry together.
func RetryDelay(unit time.Duration) asynq.RetryDelayFunc {
	if unit <= 0 {
		unit = time.Second
	}
	return func(n int, err error, t *asynq.Task) time.Duration {
		jitter := rand.N(unit)
		switch code := wx.ErrCode(err); {
		case t.Type() == TypeSendWelcome:
			return unit / 2 * time.Duration(n+1)
		case code == wx.CodeQuotaExceeded || code == wx.CodeFrequencyLimit:
			return 60*unit + jitter
		case code == wx.CodeConcurrencyLimit:
			return backoff(unit, n, 30) + jitter
		}
		return backoff(unit, n, 600) + jitter
	}
}

// backoff is unit·2ⁿ, capped at limit units.
func backoff(unit time.Duration, n, limit int) time.Duration {
	if n > 20 {
		n = 20
	}
	return min(unit<<n, time.Duration(limit)*unit)
}
