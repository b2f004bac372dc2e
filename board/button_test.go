package board

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"periph.io/x/conn/v3/gpio"

	"github.com/ordagrann/ordagrann/hal"
)

// step is one change of a scripted pin: the level it goes to and how long
// after the previous change.
type step struct {
	after time.Duration
	level gpio.Level
}

// scriptPin is a GPIO input whose edges follow a script on a simulated
// clock: WaitForEdge moves the clock to the next change when it comes
// within the timeout, and by the whole timeout otherwise. After the script,
// a wait of the button's idle time blocks until In is called again, as
// periph's drivers return then, and shorter waits time out at once.
type scriptPin struct {
	mu        sync.Mutex
	now       time.Time
	level     gpio.Level
	script    []step
	interrupt chan struct{}
}

func newScriptPin(script ...step) *scriptPin {
	return &scriptPin{
		now:       time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC),
		level:     gpio.High,
		script:    script,
		interrupt: make(chan struct{}),
	}
}

func (p *scriptPin) String() string         { return "GPIO12" }
func (p *scriptPin) Halt() error            { return nil }
func (p *scriptPin) Name() string           { return "GPIO12" }
func (p *scriptPin) Number() int            { return 12 }
func (p *scriptPin) Function() string       { return "In/High" }
func (p *scriptPin) Pull() gpio.Pull        { return gpio.PullUp }
func (p *scriptPin) DefaultPull() gpio.Pull { return gpio.PullDown }

func (p *scriptPin) In(pull gpio.Pull, edge gpio.Edge) error {
	if edge == gpio.NoEdge {
		close(p.interrupt)
	}
	return nil
}

func (p *scriptPin) Read() gpio.Level {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.level
}

func (p *scriptPin) WaitForEdge(timeout time.Duration) bool {
	p.mu.Lock()
	if len(p.script) == 0 && timeout >= idleWait {
		p.mu.Unlock()
		<-p.interrupt
		return false
	}
	defer p.mu.Unlock()

	if len(p.script) == 0 {
		p.now = p.now.Add(timeout)
		return false
	}

	next := &p.script[0]
	if next.after > timeout {
		p.now = p.now.Add(timeout)
		next.after -= timeout
		return false
	}
	p.now = p.now.Add(next.after)
	p.level = next.level
	p.script = p.script[1:]
	return true
}

func (p *scriptPin) clock() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.now
}

func TestPinButton(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name   string
		script []step
		want   []hal.ButtonEvent
	}{
		{
			name:   "short_press",
			script: []step{{0, gpio.Low}, {300 * ms, gpio.High}},
			want:   []hal.ButtonEvent{hal.Press},
		},
		{
			name:   "long_press",
			script: []step{{0, gpio.Low}, {4 * time.Second, gpio.High}},
			want:   []hal.ButtonEvent{hal.LongPress},
		},
		{
			name:   "just_under_long",
			script: []step{{0, gpio.Low}, {2900 * ms, gpio.High}},
			want:   []hal.ButtonEvent{hal.Press},
		},
		{
			name: "bounce_is_one_press",
			script: []step{
				{0, gpio.Low}, {2 * ms, gpio.High}, {1 * ms, gpio.Low},
				{200 * ms, gpio.High}, {3 * ms, gpio.Low}, {2 * ms, gpio.High},
			},
			want: []hal.ButtonEvent{hal.Press},
		},
		{
			name:   "glitch_is_no_press",
			script: []step{{0, gpio.Low}, {1 * ms, gpio.High}},
		},
		{
			name: "two_presses",
			script: []step{
				{0, gpio.Low}, {100 * ms, gpio.High},
				{500 * ms, gpio.Low}, {3500 * ms, gpio.High},
			},
			want: []hal.ButtonEvent{hal.Press, hal.LongPress},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pin := newScriptPin(tt.script...)
			b, err := NewPinButton(pin, &ButtonOptions{Now: pin.clock})
			if err != nil {
				t.Fatal(err)
			}

			var got []hal.ButtonEvent
			for range tt.want {
				got = append(got, <-b.Events())
			}
			if err := b.Close(); err != nil {
				t.Fatalf("Close() = %v", err)
			}
			for ev := range b.Events() {
				got = append(got, ev)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("gestures (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPinButtonCloseTwice(t *testing.T) {
	pin := newScriptPin()
	b, err := NewPinButton(pin, &ButtonOptions{Now: pin.clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
	if _, ok := <-b.Events(); ok {
		t.Error("Events() is open after Close")
	}
}
