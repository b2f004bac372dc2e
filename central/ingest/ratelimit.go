package ingest

import (
	"sync"
	"time"
)

// rateLimiter allows one event per interval and counts the rest.
type rateLimiter struct {
	now      func() time.Time
	interval time.Duration

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func newRateLimiter(now func() time.Time, interval time.Duration) *rateLimiter {
	return &rateLimiter{now: now, interval: interval}
}

// allow reports whether an event may pass now, and how many events it held
// back since the last one that passed.
func (r *rateLimiter) allow() (ok bool, suppressed int) {
	r.mu.Lock()
	defer r.mu.Unlock()

	now := r.now()
	if !r.last.IsZero() && now.Sub(r.last) < r.interval {
		r.suppressed++
		return false, 0
	}
	r.last = now
	suppressed, r.suppressed = r.suppressed, 0
	return true, suppressed
}
