// Package hal defines the hardware a room box uses, as small interfaces:
// buttons, a status LED, a badge reader and a microphone. Drivers live in
// sub-packages (hal/sim for the simulated board, hal/malgomic for sound
// cards); board profiles in package board choose among them. Package hal
// itself imports no driver.
package hal

import (
	"errors"
	"time"
)

// ErrClosed is returned by methods called after Close.
var ErrClosed = errors.New("hal: device closed")

// ErrDisconnected is returned by Microphone.Read when the device vanished
// (unplugged, driver gone). The caller stops recording and reports a fault.
var ErrDisconnected = errors.New("hal: device disconnected")

// ButtonEvent is a debounced gesture on a button.
type ButtonEvent int

// Button gestures.
const (
	// Press is a short press, reported on release.
	Press ButtonEvent = iota + 1
	// LongPress is a press held for at least the board's long-press time
	// (3 s by default), reported once when that time is reached.
	LongPress
)

func (e ButtonEvent) String() string {
	switch e {
	case Press:
		return "press"
	case LongPress:
		return "long_press"
	}
	return "unknown"
}

// Button is one physical push button.
type Button interface {
	// Events returns the channel of gestures. The same channel is returned
	// on every call; it is closed by Close. Events are dropped, not queued
	// without bound, when nobody reads.
	Events() <-chan ButtonEvent
	// Close releases the button and closes the Events channel. It is safe to call twice.
	Close() error
}

// LEDState is a state shown by the status LED. Drivers map states to
// colours and patterns, so the session only names states.
type LEDState int

// LED states. Recording is the only state that means audio is being captured.
const (
	LEDOff LEDState = iota
	LEDIdle
	LEDConsentWaiting
	LEDConsentGiven
	LEDDeclined
	LEDRecording
	LEDPaused
	LEDWithdrawn
	LEDSending
	LEDFault
	LEDBadgeUnknown
)

func (s LEDState) String() string {
	switch s {
	case LEDOff:
		return "off"
	case LEDIdle:
		return "idle"
	case LEDConsentWaiting:
		return "consent_waiting"
	case LEDConsentGiven:
		return "consent_given"
	case LEDDeclined:
		return "declined"
	case LEDRecording:
		return "recording"
	case LEDPaused:
		return "paused"
	case LEDWithdrawn:
		return "withdrawn"
	case LEDSending:
		return "sending"
	case LEDFault:
		return "fault"
	case LEDBadgeUnknown:
		return "badge_unknown"
	}
	return "unknown"
}

// LED is the box's status light.
type LED interface {
	// Set shows a state. It is safe for concurrent use; the last call wins.
	Set(LEDState) error
	// Close turns the LED off and releases it.
	Close() error
}

// BadgeTap is one read of a staff badge.
type BadgeTap struct {
	UID []byte // the card's UID as read, 4, 7 or 10 bytes
	At  time.Time
}

// BadgeReader is the NFC reader for staff badges.
type BadgeReader interface {
	// Taps returns the channel of badge reads, closed by Close. A card held
	// on the reader is reported once, not repeatedly.
	Taps() <-chan BadgeTap
	// Close releases the reader.
	Close() error
}

// AudioFormat is the PCM format a microphone delivers: interleaved signed
// 16-bit samples.
type AudioFormat struct {
	SampleRate int
	Channels   int
}

// Microphone is a multi-channel capture device.
type Microphone interface {
	// Format returns the format Read delivers.
	Format() AudioFormat
	// Start begins capture. Audio produced before Start or after Stop is discarded.
	Start() error
	// Read fills buf with whole interleaved frames and returns the number of
	// samples written (a multiple of the channel count). It blocks until at
	// least one frame is available. It returns io.EOF when a finite source
	// ends, ErrDisconnected when the device vanished, ErrClosed after Close.
	Read(buf []int16) (int, error)
	// Stop ends capture; a blocked Read returns what it has or 0 samples.
	Stop() error
	// Close releases the device.
	Close() error
}
