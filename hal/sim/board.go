package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/ordagrann/ordagrann/hal"
)

// ErrDropped is returned by the Board's press and tap methods when the
// event queue is full because no goroutine receives from it. The event is
// lost, as on real hardware.
var ErrDropped = errors.New("sim: event dropped, queue full")

// DefaultQueue is the default number of button events or badge taps that
// wait for a reader before further ones are dropped.
const DefaultQueue = 16

// Options configure a Board. Nil and zero fields mean the defaults.
type Options struct {
	Logger *slog.Logger // default slog.Default()
	Clock  Clock        // timestamps of LED changes and badge taps; default SystemClock
	Queue  int          // events queued per button and for the reader; default DefaultQueue
}

// Board is a simulated box: two buttons, a badge reader and an LED, driven
// by method calls, the terminal or a control socket. It is safe for
// concurrent use.
type Board struct {
	log   *slog.Logger
	clock Clock

	green, red *Button
	reader     *BadgeReader
	led        *LED
}

// NewBoard returns a simulated board with the LED off.
func NewBoard(opts *Options) *Board {
	if opts == nil {
		opts = &Options{}
	}
	b := &Board{log: opts.Logger, clock: opts.Clock}
	if b.log == nil {
		b.log = slog.Default()
	}
	if b.clock == nil {
		b.clock = SystemClock{}
	}
	queue := opts.Queue
	if queue <= 0 {
		queue = DefaultQueue
	}

	b.green = newButton(queue)
	b.red = newButton(queue)
	b.reader = &BadgeReader{taps: make(chan hal.BadgeTap, queue)}
	b.led = &LED{log: b.log, clock: b.clock, changed: make(chan struct{})}
	return b
}

// Green returns the green (yes) button.
func (b *Board) Green() *Button { return b.green }

// Red returns the red (no, pause) button.
func (b *Board) Red() *Button { return b.red }

// Reader returns the badge reader.
func (b *Board) Reader() *BadgeReader { return b.reader }

// StatusLED returns the status LED.
func (b *Board) StatusLED() *LED { return b.led }

// PressGreen sends a short press of the green button.
func (b *Board) PressGreen() error { return b.green.send(hal.Press) }

// PressRed sends a short press of the red button.
func (b *Board) PressRed() error { return b.red.send(hal.Press) }

// LongPressRed sends a long press of the red button.
func (b *Board) LongPressRed() error { return b.red.send(hal.LongPress) }

// TapBadge sends a read of a card with the given UID.
func (b *Board) TapBadge(uid []byte) error {
	return b.reader.send(hal.BadgeTap{UID: slices.Clone(uid), At: b.clock.Now()})
}

// LED returns the state the LED shows.
func (b *Board) LED() hal.LEDState { return b.led.State() }

// LEDHistory returns every state the LED was set to, oldest first.
func (b *Board) LEDHistory() []LEDChange { return b.led.History() }

// WaitLED waits until the LED shows state or ctx ends.
func (b *Board) WaitLED(ctx context.Context, state hal.LEDState) error {
	return b.led.Wait(ctx, state)
}

// Close closes the buttons, the reader and the LED.
func (b *Board) Close() error {
	return errors.Join(b.green.Close(), b.red.Close(), b.reader.Close(), b.led.Close())
}

// Button is a simulated push button.
type Button struct {
	mu     sync.Mutex // guards closed and sending on events
	closed bool
	events chan hal.ButtonEvent
}

var _ hal.Button = (*Button)(nil)

func newButton(queue int) *Button {
	return &Button{events: make(chan hal.ButtonEvent, queue)}
}

// Events returns the channel of gestures, closed by Close.
func (b *Button) Events() <-chan hal.ButtonEvent { return b.events }

// Close closes the Events channel. It is safe to call twice.
func (b *Button) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		close(b.events)
	}
	return nil
}

func (b *Button) send(ev hal.ButtonEvent) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return hal.ErrClosed
	}
	select {
	case b.events <- ev:
		return nil
	default:
		return ErrDropped
	}
}

// BadgeReader is a simulated NFC reader.
type BadgeReader struct {
	mu     sync.Mutex // guards closed and sending on taps
	closed bool
	taps   chan hal.BadgeTap
}

var _ hal.BadgeReader = (*BadgeReader)(nil)

// Taps returns the channel of badge reads, closed by Close.
func (r *BadgeReader) Taps() <-chan hal.BadgeTap { return r.taps }

// Close closes the Taps channel. It is safe to call twice.
func (r *BadgeReader) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.closed {
		r.closed = true
		close(r.taps)
	}
	return nil
}

func (r *BadgeReader) send(tap hal.BadgeTap) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return hal.ErrClosed
	}
	select {
	case r.taps <- tap:
		return nil
	default:
		return ErrDropped
	}
}

// LEDChange is one call of LED.Set that succeeded.
type LEDChange struct {
	State hal.LEDState
	At    time.Time
}

// LED is a simulated status LED. It logs every change and keeps the history.
type LED struct {
	log   *slog.Logger
	clock Clock

	mu      sync.Mutex // guards the fields below
	state   hal.LEDState
	history []LEDChange
	failure error // returned by Set while non-nil
	closed  bool
	changed chan struct{} // closed and replaced on every change
}

var _ hal.LED = (*LED)(nil)

// Set shows a state. It returns hal.ErrClosed after Close and the error
// given to Fail while one is set.
func (l *LED) Set(state hal.LEDState) error {
	l.mu.Lock()
	defer l.mu.Unlock()

	if l.closed {
		return hal.ErrClosed
	}
	if l.failure != nil {
		return fmt.Errorf("set LED to %s: %w", state, l.failure)
	}
	l.state = state
	l.history = append(l.history, LEDChange{State: state, At: l.clock.Now()})
	close(l.changed)
	l.changed = make(chan struct{})

	l.log.Info("led changed", "led_state", state.String())
	return nil
}

// Fail makes every later Set return err, to simulate a broken LED. Fail(nil) repairs it.
func (l *LED) Fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failure = err
}

// State returns the state the LED shows.
func (l *LED) State() hal.LEDState {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.state
}

// History returns every state set, oldest first.
func (l *LED) History() []LEDChange {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.history)
}

// Wait waits until the LED shows state or ctx ends.
func (l *LED) Wait(ctx context.Context, state hal.LEDState) error {
	for {
		l.mu.Lock()
		current, changed := l.state, l.changed
		l.mu.Unlock()

		if current == state {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("waiting for LED %s, it shows %s: %w", state, current, ctx.Err())
		}
	}
}

// Close turns the LED off. Later calls of Set return hal.ErrClosed.
func (l *LED) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	if l.state != hal.LEDOff {
		l.state = hal.LEDOff
		l.history = append(l.history, LEDChange{State: hal.LEDOff, At: l.clock.Now()})
		l.log.Info("led changed", "led_state", hal.LEDOff.String())
	}
	close(l.changed)
	l.changed = make(chan struct{})
	return nil
}
