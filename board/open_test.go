package board

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/hal/sim"
	"github.com/ordagrann/ordagrann/internal/audio"
)

func writeSilence(t *testing.T, frames, rate, channels int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := audio.WriteWAV(f, make([]int16, frames*channels), rate, channels); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenSim(t *testing.T) {
	p, err := Sim(2)
	if err != nil {
		t.Fatal(err)
	}
	wav := writeSilence(t, 4800, 48000, 1)
	d, err := Open(p, &OpenOptions{WAV: wav, WAVOptions: &sim.WAVOptions{}, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	if d.Sim == nil {
		t.Fatal("Devices.Sim is nil for the sim profile")
	}
	if got, want := d.Microphone.Format(), (hal.AudioFormat{SampleRate: 16000, Channels: 2}); got != want {
		t.Errorf("microphone format = %+v, want %+v", got, want)
	}
	if err := d.Sim.PressGreen(); err != nil {
		t.Fatal(err)
	}
	if got := <-d.Green.Events(); got != hal.Press {
		t.Errorf("green event = %s, want %s", got, hal.Press)
	}
	if err := d.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if err := d.LED.Set(hal.LEDIdle); !errors.Is(err, hal.ErrClosed) {
		t.Errorf("LED Set() after Close = %v, want hal.ErrClosed", err)
	}
}

func TestOpenErrors(t *testing.T) {
	sim1, _ := Sim(1)
	respeaker, _ := Lookup("respeaker-2mic")
	noLED := sim1
	noLED.Drivers.LED = DriverAPA102

	tests := []struct {
		name    string
		profile Profile
		opts    *OpenOptions
		wantErr string
	}{
		{name: "sim_without_wav", profile: sim1, opts: nil, wantErr: "missing WAV file"},
		{name: "sim_missing_wav", profile: sim1, opts: &OpenOptions{WAV: "/nonexistent/a.wav"}, wantErr: "no such file"},
		{name: "apa102_not_implemented", profile: noLED, opts: &OpenOptions{WAV: "x.wav"}, wantErr: `LED: driver "apa102" is not implemented`},
		{name: "respeaker_without_hardware", profile: respeaker, wantErr: "button"},
		{name: "invalid_profile", profile: Profile{Name: "x"}, wantErr: "invalid sample rate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(tt.profile, tt.opts)
			t.Logf("Open() error: %v", err)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Open() error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
