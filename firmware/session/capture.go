package session

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/ordagrann/ordagrann/hal"
)

// readFrames is the number of frames the capture loop requests per Read:
// 100 ms at 16 kHz.
const readFrames = 1600

// captureEnd is the reason a capture goroutine stopped delivering audio.
type captureEnd struct {
	// source is true when the goroutine closed the gate itself because the
	// microphone or recorder failed or the source ended.
	source bool
	err    error // a *captureError, or nil when the session closed the gate
}

// captureError is the failure that made a capture goroutine stop by itself.
type captureError struct {
	reason string // fault reason for the log and status: "microphone disconnected", "recorder failed", …
	err    error  // wraps io.EOF when the source ended
}

func (e *captureError) Error() string { return e.err.Error() }
func (e *captureError) Unwrap() error { return e.err }

// capture is one stretch of recording: from consent or resume to the next
// pause, stop, withdrawal or failure. Its gate is the only code that sets
// hal.LEDRecording.
type capture struct {
	mic  hal.Microphone
	done chan captureEnd // receives exactly one value when the goroutine exits

	mu     sync.Mutex // guards the fields below and serialises Write with closing
	closed bool
	lit    bool // LEDRecording is shown
	led    hal.LED
	rec    Recorder
}

// startCapture starts the microphone and the goroutine that moves its audio
// to rec. The LED keeps its current state until the first Write succeeds.
func startCapture(mic hal.Microphone, rec Recorder, led hal.LED) (*capture, error) {
	if err := mic.Start(); err != nil {
		return nil, fmt.Errorf("start microphone: %w", err)
	}

	c := &capture{mic: mic, rec: rec, led: led, done: make(chan captureEnd, 1)}
	buf := make([]int16, readFrames*mic.Format().Channels)
	go c.run(buf)
	return c, nil
}

func (c *capture) run(buf []int16) {
	for {
		n, readErr := c.mic.Read(buf)
		if n > 0 {
			err := c.deliver(buf[:n])
			if errors.Is(err, errGateClosed) {
				c.done <- captureEnd{}
				return
			}
			if err != nil {
				c.done <- captureEnd{source: true, err: err}
				return
			}
		}
		if readErr != nil {
			c.endBySource(readErr)
			return
		}
		if c.isClosed() {
			c.done <- captureEnd{}
			return
		}
	}
}

// errGateClosed is returned by deliver after the session closed the gate.
var errGateClosed = errors.New("capture gate closed")

// deliver writes samples to the recorder unless the gate is closed, and
// lights LEDRecording after the first successful Write. A Write error or a
// failure to light the LED closes the gate with LEDFault.
func (c *capture) deliver(samples []int16) error {
	c.mu.Lock()
	defer c.mu.Unlock()

	if c.closed {
		return errGateClosed
	}

	if err := c.rec.Write(samples); err != nil {
		c.closeLocked(hal.LEDFault)
		return &captureError{reason: "recorder failed", err: fmt.Errorf("write to recorder: %w", err)}
	}

	if !c.lit {
		if err := c.led.Set(hal.LEDRecording); err != nil {
			// The client could not see that audio was recorded: stop.
			c.closeLocked(hal.LEDFault)
			return &captureError{reason: "LED failed", err: fmt.Errorf("show recording on the LED: %w", err)}
		}
		c.lit = true
	}
	return nil
}

// endBySource closes the gate after Read failed or the source ended, and
// reports why. A Read that returns an error because the session stopped the
// microphone is not the source's failure.
func (c *capture) endBySource(err error) {
	next := hal.LEDFault
	if errors.Is(err, io.EOF) {
		next = hal.LEDSending
	}

	c.mu.Lock()
	closedBySession := c.closed
	c.closeLocked(next)
	c.mu.Unlock()

	if closedBySession {
		c.done <- captureEnd{}
		return
	}
	reason := "microphone failed"
	if errors.Is(err, hal.ErrDisconnected) {
		reason = "microphone disconnected"
	}
	c.done <- captureEnd{source: true, err: &captureError{reason: reason, err: fmt.Errorf("read microphone: %w", err)}}
}

// closeLocked closes the gate and shows next. The caller holds c.mu.
func (c *capture) closeLocked(next hal.LEDState) {
	if c.closed {
		return
	}
	c.closed = true
	c.lit = false
	// An error here leaves the LED in an unknown state. The gate can do
	// nothing more, and the session sees the error on its next Set.
	_ = c.led.Set(next)
}

func (c *capture) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// stop closes the gate with next shown, stops the microphone and waits for
// the goroutine. It returns the goroutine's own reason when the goroutine
// had closed the gate first (source is then true).
func (c *capture) stop(next hal.LEDState) (captureEnd, error) {
	c.mu.Lock()
	c.closeLocked(next)
	c.mu.Unlock()

	stopErr := c.mic.Stop()
	end := <-c.done
	if stopErr != nil {
		return end, fmt.Errorf("stop microphone: %w", stopErr)
	}
	return end, nil
}
