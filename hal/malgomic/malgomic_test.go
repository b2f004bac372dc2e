package malgomic

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/hal/halconformance"
)

func TestOpenRejectsInvalidFormat(t *testing.T) {
	tests := []struct {
		name    string
		format  hal.AudioFormat
		wantErr string
	}{
		{"rate_too_low", hal.AudioFormat{SampleRate: 4000, Channels: 1}, "invalid sample rate 4000 Hz"},
		{"too_many_channels", hal.AudioFormat{SampleRate: 16000, Channels: 9}, "invalid channel count 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(&Options{Format: tt.format})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Open(%+v) error = %v, want one containing %q", tt.format, err, tt.wantErr)
			}
		})
	}
}

// TestOpenDefaultDevice opens the default capture device. On a machine
// without a sound card it checks that the error is ErrNoDevice. With one, it
// checks that the device delivers the requested format and closes cleanly.
func TestOpenDefaultDevice(t *testing.T) {
	m, err := Open(&Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		if !errors.Is(err, ErrNoDevice) {
			t.Errorf("Open() error = %v, want ErrNoDevice", err)
		}
		t.Logf("no capture device here: %v", err)
		return
	}

	if got, want := m.Format(), (hal.AudioFormat{SampleRate: 16000, Channels: 1}); got != want {
		t.Errorf("Format() = %+v, want %+v", got, want)
	}
	if err := m.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if _, err := m.Read(make([]int16, 16)); !errors.Is(err, hal.ErrClosed) {
		t.Errorf("Read() after Close = %v, want hal.ErrClosed", err)
	}
}

func TestOpenUnknownDevice(t *testing.T) {
	_, err := Open(&Options{Device: "no such microphone 7f3a", Logger: slog.New(slog.DiscardHandler)})
	if !errors.Is(err, ErrNoDevice) {
		t.Errorf("Open(unknown device) error = %v, want ErrNoDevice", err)
	}
}

// TestConformance runs the hal conformance checks on the default capture
// device; it is skipped on a machine without one.
func TestConformance(t *testing.T) {
	open := func(t *testing.T) hal.Microphone {
		m, err := Open(&Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Skipf("no capture device: %v", err)
		}
		return m
	}
	halconformance.TestMicrophone(t, open)
}
