// Package halconformance checks that a hal driver keeps the contracts the
// firmware relies on, in the style of testing/slogtest. Driver tests call
// its functions with a function that opens the device. The simulated
// board and the real drivers run the same checks.
package halconformance

import (
	"errors"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/hal"
)

// wait bounds how long a check waits for a call that must return.
const wait = 5 * time.Second

// TestMicrophone checks a microphone that delivers audio as soon as it is
// started, such as a sound card or a WAV file played as fast as possible.
// open must return a new, stopped microphone each time.
func TestMicrophone(t *testing.T, open func(t *testing.T) hal.Microphone) {
	t.Run("format_is_valid", func(t *testing.T) {
		m := open(t)
		defer m.Close()
		f := m.Format()
		if f.SampleRate < 8000 || f.SampleRate > 48000 || f.Channels < 1 || f.Channels > 8 {
			t.Errorf("Format() = %+v, want 8000 to 48000 Hz and 1 to 8 channels", f)
		}
	})

	t.Run("read_returns_whole_frames", func(t *testing.T) {
		m := open(t)
		defer m.Close()
		if err := m.Start(); err != nil {
			t.Fatal(err)
		}
		channels := m.Format().Channels
		buf := make([]int16, 7*channels+1) // room for a partial frame that must stay unused
		n, err := callRead(t, m, buf)
		if err != nil {
			t.Fatalf("Read() = %v", err)
		}
		if n == 0 || n%channels != 0 {
			t.Errorf("Read() = %d samples, want a positive multiple of %d", n, channels)
		}
	})

	t.Run("read_while_stopped_returns", func(t *testing.T) {
		m := open(t)
		defer m.Close()
		if err := m.Start(); err != nil {
			t.Fatal(err)
		}
		if err := m.Stop(); err != nil {
			t.Fatal(err)
		}
		n, err := callRead(t, m, make([]int16, 64*m.Format().Channels))
		if n != 0 || err != nil {
			t.Errorf("Read() after Stop = %d, %v; want 0, nil", n, err)
		}
	})

	t.Run("read_after_close_fails", func(t *testing.T) {
		m := open(t)
		if err := m.Start(); err != nil {
			t.Fatal(err)
		}
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := callRead(t, m, make([]int16, 64*m.Format().Channels)); !errors.Is(err, hal.ErrClosed) {
			t.Errorf("Read() after Close = %v, want hal.ErrClosed", err)
		}
		if err := m.Start(); !errors.Is(err, hal.ErrClosed) {
			t.Errorf("Start() after Close = %v, want hal.ErrClosed", err)
		}
	})
}

// callRead calls Read and fails the test if it does not return in time.
func callRead(t *testing.T, m hal.Microphone, buf []int16) (int, error) {
	t.Helper()
	type result struct {
		n   int
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := m.Read(buf)
		done <- result{n, err}
	}()
	select {
	case r := <-done:
		return r.n, r.err
	case <-time.After(wait):
		t.Fatalf("Read() did not return within %v", wait)
		return 0, nil
	}
}

// TestButton checks the Close contract of a button. open must return a
// new button each time.
func TestButton(t *testing.T, open func(t *testing.T) hal.Button) {
	b := open(t)
	events := b.Events()
	if b.Events() != events {
		t.Error("Events() returned a different channel on the second call")
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	select {
	case _, ok := <-events:
		if ok {
			// A gesture queued before Close may still be delivered; the channel must close after it.
			for range events {
			}
		}
	case <-time.After(wait):
		t.Errorf("Events() channel still open %v after Close", wait)
	}
}

// TestLED checks that an LED accepts every state and rejects Set after Close.
func TestLED(t *testing.T, open func(t *testing.T) hal.LED) {
	l := open(t)
	for s := hal.LEDOff; s <= hal.LEDBadgeUnknown; s++ {
		if err := l.Set(s); err != nil {
			t.Errorf("Set(%s) = %v, want nil", s, err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if err := l.Set(hal.LEDIdle); !errors.Is(err, hal.ErrClosed) {
		t.Errorf("Set() after Close = %v, want hal.ErrClosed", err)
	}
}

// TestBadgeReader checks that Close closes the Taps channel.
func TestBadgeReader(t *testing.T, open func(t *testing.T) hal.BadgeReader) {
	r := open(t)
	taps := r.Taps()
	if err := r.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	select {
	case _, ok := <-taps:
		if ok {
			for range taps {
			}
		}
	case <-time.After(wait):
		t.Errorf("Taps() channel still open %v after Close", wait)
	}
}
