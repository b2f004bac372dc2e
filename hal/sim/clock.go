package sim

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Clock is the time source of the simulated board and microphone. Its
// method set uses only standard types, so ManualClock also satisfies the
// clock interfaces of other packages that have the same two methods, such as
// firmware/session.Clock.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine once d has passed and returns a
	// function that cancels the call, reporting whether it did so before f ran.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

// SystemClock is the real time.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// AfterFunc wraps time.AfterFunc.
func (SystemClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// ManualClock is a clock for tests that moves only when Advance is called.
// It is safe for concurrent use.
type ManualClock struct {
	mu      sync.Mutex
	now     time.Time
	nextID  uint64
	pending []manualTimer
	changed chan struct{} // closed and replaced whenever pending changes
}

type manualTimer struct {
	id uint64
	at time.Time
	f  func()
}

// NewManualClock returns a clock that starts at start.
func NewManualClock(start time.Time) *ManualClock {
	return &ManualClock{now: start, changed: make(chan struct{})}
}

// Now returns the clock's current time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc schedules f to run, in its own goroutine, when Advance moves
// the clock to d after now or later.
func (c *ManualClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()

	c.nextID++
	id := c.nextID
	c.pending = append(c.pending, manualTimer{id: id, at: c.now.Add(d), f: f})
	c.notifyLocked()

	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		i := slices.IndexFunc(c.pending, func(t manualTimer) bool { return t.id == id })
		if i < 0 {
			return false
		}
		c.pending = slices.Delete(c.pending, i, i+1)
		c.notifyLocked()
		return true
	}
}

// Advance moves the clock forward by d and starts every function whose
// time has come, each in its own goroutine, so they may run in any order.
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []manualTimer
	c.pending = slices.DeleteFunc(c.pending, func(t manualTimer) bool {
		if !t.at.After(c.now) {
			due = append(due, t)
			return true
		}
		return false
	})
	if len(due) > 0 {
		c.notifyLocked()
	}
	c.mu.Unlock()

	for _, t := range due {
		go t.f()
	}
}

// Pending returns the number of scheduled functions that have not run.
func (c *ManualClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending)
}

// BlockUntil waits until exactly n functions are scheduled, so a test can
// advance the clock after the code under test has armed its timer.
func (c *ManualClock) BlockUntil(ctx context.Context, n int) error {
	for {
		c.mu.Lock()
		count, changed := len(c.pending), c.changed
		c.mu.Unlock()

		if count == n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("waiting for %d pending timers, have %d: %w", n, count, ctx.Err())
		}
	}
}

func (c *ManualClock) notifyLocked() {
	close(c.changed)
	c.changed = make(chan struct{})
}
