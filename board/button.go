package board

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"

	"github.com/ordagrann/ordagrann/hal"
)

// Defaults for ButtonOptions.
const (
	// DefaultDebounce is how long a button's level must stay unchanged
	// before a press or release counts. Contact bounce of tactile switches
	// typically lasts a few milliseconds.
	DefaultDebounce = 20 * time.Millisecond
	// idleWait bounds each wait for an edge, so Close is noticed even if
	// the driver does not interrupt WaitForEdge.
	idleWait = time.Second
	// buttonQueue is how many gestures wait for a reader before more are dropped.
	buttonQueue = 8
)

// ButtonOptions configure NewPinButton. Zero fields mean the defaults.
type ButtonOptions struct {
	LongPress time.Duration    // default LongPress
	Debounce  time.Duration    // default DefaultDebounce
	Now       func() time.Time // default time.Now; tests pass the fake pin's clock
}

// PinButton is a push button between a GPIO pin and ground, read with the
// pin's pull-up: the pin is low while the button is held. A press shorter
// than the long-press time is reported as hal.Press on release. A longer one
// is reported as hal.LongPress once the time is reached, and its release
// reports nothing.
type PinButton struct {
	pin       gpio.PinIn
	longPress time.Duration
	debounce  time.Duration
	now       func() time.Time

	events    chan hal.ButtonEvent
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

var _ hal.Button = (*PinButton)(nil)

// NewPinButton configures pin as an input with pull-up and edge detection
// and starts watching it.
func NewPinButton(pin gpio.PinIn, opts *ButtonOptions) (*PinButton, error) {
	if pin == nil {
		return nil, errors.New("new button: missing pin")
	}
	if opts == nil {
		opts = &ButtonOptions{}
	}
	b := &PinButton{
		pin:       pin,
		longPress: opts.LongPress,
		debounce:  opts.Debounce,
		now:       opts.Now,
		events:    make(chan hal.ButtonEvent, buttonQueue),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	if b.longPress <= 0 {
		b.longPress = LongPress
	}
	if b.debounce <= 0 {
		b.debounce = DefaultDebounce
	}
	if b.now == nil {
		b.now = time.Now
	}

	if err := pin.In(gpio.PullUp, gpio.BothEdges); err != nil {
		return nil, fmt.Errorf("new button on %s: set input with pull-up: %w", pin, err)
	}
	go b.run()
	return b, nil
}

// Events returns the channel of gestures, closed by Close.
func (b *PinButton) Events() <-chan hal.ButtonEvent { return b.events }

// Close stops watching the pin and closes the Events channel. It is safe to call twice.
func (b *PinButton) Close() error {
	var err error
	b.closeOnce.Do(func() {
		close(b.quit)
		// In with NoEdge makes a pending WaitForEdge return.
		err = b.pin.In(gpio.PullUp, gpio.NoEdge)
		<-b.done
	})
	if err != nil {
		return fmt.Errorf("close button on %s: %w", b.pin, err)
	}
	return nil
}

func (b *PinButton) run() {
	defer close(b.done)
	defer close(b.events)

	held := false
	var heldSince time.Time
	longSent := false
	for {
		wait := idleWait
		if held && !longSent {
			wait = max(0, min(wait, b.longPress-b.now().Sub(heldSince)))
		}
		edge := b.pin.WaitForEdge(wait)
		if b.stopped() {
			return
		}

		if edge {
			down := b.settle()
			if b.stopped() {
				return
			}
			switch {
			case down && !held:
				held, heldSince, longSent = true, b.now(), false
			case !down && held:
				held = false
				if !longSent {
					b.send(hal.Press)
				}
			}
		}

		if held && !longSent && b.now().Sub(heldSince) >= b.longPress {
			longSent = true
			b.send(hal.LongPress)
		}
	}
}

// settle waits until no edge has come for the debounce time and returns
// whether the button is then held.
func (b *PinButton) settle() bool {
	for b.pin.WaitForEdge(b.debounce) {
		if b.stopped() {
			break
		}
	}
	return b.pin.Read() == gpio.Low
}

func (b *PinButton) stopped() bool {
	select {
	case <-b.quit:
		return true
	default:
		return false
	}
}

// send queues a gesture, dropping it when the queue is full.
func (b *PinButton) send(ev hal.ButtonEvent) {
	select {
	case b.events <- ev:
	default:
	}
}
