package board

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/hal"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name     string
		channels int
		mics     int
		buttons  Driver
		mic      Driver
		greenPin string
	}{
		{name: "sim", channels: 1, mics: 0, buttons: DriverSim, mic: DriverSimWAV},
		{name: "respeaker-2mic", channels: 2, mics: 2, buttons: DriverGPIO, mic: DriverMalgo, greenPin: "GPIO12"},
		{name: "respeaker-4mic", channels: 4, mics: 4, buttons: DriverGPIO, mic: DriverMalgo, greenPin: "GPIO12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Lookup(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if err := p.Validate(); err != nil {
				t.Errorf("Validate() = %v, want nil", err)
			}
			if got, want := p.Format(), (hal.AudioFormat{SampleRate: 16000, Channels: tt.channels}); got != want {
				t.Errorf("Format() = %+v, want %+v", got, want)
			}
			if got := len(p.Mics); got != tt.mics {
				t.Errorf("microphone positions = %d, want %d", got, tt.mics)
			}
			if p.LongPress != LongPress {
				t.Errorf("LongPress = %v, want %v", p.LongPress, LongPress)
			}
			if p.Drivers.Buttons != tt.buttons || p.Drivers.Microphone != tt.mic {
				t.Errorf("drivers = %+v, want buttons %s and microphone %s", p.Drivers, tt.buttons, tt.mic)
			}
			if p.Pins.Green != tt.greenPin {
				t.Errorf("green pin = %q, want %q", p.Pins.Green, tt.greenPin)
			}
		})
	}
}

func TestRespeaker2MicSpacing(t *testing.T) {
	p, err := Lookup("respeaker-2mic")
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Mics[1].X - p.Mics[0].X; got < 0.0579 || got > 0.0581 {
		t.Errorf("microphone spacing = %.4f m, want 0.058 m", got)
	}
}

func TestLookupUnknown(t *testing.T) {
	_, err := Lookup("raspberry")
	if !errors.Is(err, ErrUnknown) {
		t.Errorf("Lookup(raspberry) error = %v, want ErrUnknown", err)
	}
	for _, name := range Names() {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("Lookup error %q does not list %q", err, name)
		}
	}
}

func TestNames(t *testing.T) {
	want := []string{"respeaker-2mic", "respeaker-4mic", "sim"}
	if diff := cmp.Diff(want, Names()); diff != "" {
		t.Errorf("Names() (-want +got):\n%s", diff)
	}
}

func TestSim(t *testing.T) {
	p, err := Sim(2)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Channels; got != 2 {
		t.Errorf("Sim(2).Channels = %d, want 2", got)
	}
	for _, n := range []int{0, 3, -1} {
		if _, err := Sim(n); err == nil {
			t.Errorf("Sim(%d) = nil error, want an error", n)
		}
	}
}

func TestValidate(t *testing.T) {
	good, _ := Lookup("respeaker-2mic")
	tests := []struct {
		name    string
		edit    func(p *Profile)
		wantErr string
	}{
		{"no_name", func(p *Profile) { p.Name = "" }, "without a name"},
		{"bad_rate", func(p *Profile) { p.SampleRate = 100 }, "invalid sample rate 100 Hz"},
		{"no_channels", func(p *Profile) { p.Channels = 0 }, "invalid channel count 0"},
		{"mics_mismatch", func(p *Profile) { p.Mics = p.Mics[:1] }, "1 microphone positions for 2 channels"},
		{"no_long_press", func(p *Profile) { p.LongPress = 0 }, "long-press time"},
		{"no_red_pin", func(p *Profile) { p.Pins.Red = "" }, "need both the green and the red pin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := good
			p.Mics = append([]Position(nil), good.Mics...)
			tt.edit(&p)
			err := p.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
