// Package board describes the hardware variants a room box can run on: the
// audio format its microphones deliver, where those microphones sit, how long
// a long press lasts, and which hal drivers serve its buttons, LED, badge
// reader and microphone. cmd/box looks a profile up by name and opens the
// drivers it names; firmware code receives only the hal interfaces.
package board

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ordagrann/ordagrann/hal"
)

// Default values shared by all profiles.
const (
	// SampleRate is the rate, in Hz, at which every board captures audio.
	SampleRate = 16000
	// LongPress is how long red must be held to withdraw consent.
	LongPress = 3 * time.Second
)

// Driver names a hal implementation.
type Driver string

// Drivers that profiles may name.
const (
	// DriverSim is the simulated board in hal/sim: terminal and control socket input,
	// LED state in the log.
	DriverSim Driver = "sim"
	// DriverSimWAV is the simulated microphone in hal/sim that plays a WAV file.
	DriverSimWAV Driver = "sim-wav"
	// DriverMalgo is a sound card through miniaudio (hal/malgomic).
	DriverMalgo Driver = "malgo"
	// DriverGPIO is a push button on a GPIO pin through periph.io.
	DriverGPIO Driver = "gpio"
	// DriverAPA102 is an APA102 LED chain on SPI.
	DriverAPA102 Driver = "apa102"
	// DriverMFRC522 is an MFRC522 13.56 MHz reader on SPI.
	DriverMFRC522 Driver = "mfrc522"
)

// Drivers names the driver of each part of the box.
type Drivers struct {
	Buttons     Driver
	LED         Driver
	BadgeReader Driver
	Microphone  Driver
}

// Pins names the GPIO pins (periph.io names such as "GPIO12") and the SPI
// port a board uses. The simulated board leaves them empty.
type Pins struct {
	Green string
	Red   string
	// LEDSPI and ReaderSPI are periph.io SPI port names such as "SPI0.0".
	LEDSPI    string
	ReaderSPI string
}

// Position is a microphone's place relative to the array centre, in metres:
// X to the right and Y away from the person facing the box's buttons, Z up.
type Position struct {
	X, Y, Z float64
}

// Profile describes one board variant.
type Profile struct {
	Name       string
	SampleRate int // Hz
	Channels   int // microphone channels captured and kept
	// Mics holds one position per channel, in channel order. It is empty
	// when the geometry is unknown, as for a sound card of the simulated board.
	Mics      []Position
	LongPress time.Duration
	Drivers   Drivers
	Pins      Pins
}

// Format returns the audio format the profile's microphone must deliver.
func (p Profile) Format() hal.AudioFormat {
	return hal.AudioFormat{SampleRate: p.SampleRate, Channels: p.Channels}
}

// Validate checks that the profile is complete and consistent.
func (p Profile) Validate() error {
	if p.Name == "" {
		return errors.New("board profile without a name")
	}
	if p.SampleRate < 8000 || p.SampleRate > 48000 {
		return fmt.Errorf("board %s: invalid sample rate %d Hz: use 8000 to 48000", p.Name, p.SampleRate)
	}
	if p.Channels < 1 || p.Channels > MaxChannels {
		return fmt.Errorf("board %s: invalid channel count %d: use 1 to %d", p.Name, p.Channels, MaxChannels)
	}
	if len(p.Mics) != 0 && len(p.Mics) != p.Channels {
		return fmt.Errorf("board %s: %d microphone positions for %d channels: give one per channel or none", p.Name, len(p.Mics), p.Channels)
	}
	if p.LongPress <= 0 {
		return fmt.Errorf("board %s: long-press time %v must be positive", p.Name, p.LongPress)
	}
	if p.Drivers.Buttons == DriverGPIO && (p.Pins.Green == "" || p.Pins.Red == "") {
		return fmt.Errorf("board %s: GPIO buttons need both the green and the red pin", p.Name)
	}
	return nil
}

// MaxChannels is the largest microphone count a recording may carry; it
// matches the limit of the sync protocol.
const MaxChannels = 8

// ErrUnknown is returned, wrapped with the known names, by Lookup for a name
// that no profile has.
var ErrUnknown = errors.New("unknown board")

// Lookup returns the profile with the given name. "sim" is the simulated
// board with one channel; use Sim for two.
func Lookup(name string) (Profile, error) {
	for _, p := range profiles() {
		if p.Name == name {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("%w %q: use one of %s", ErrUnknown, name, strings.Join(Names(), ", "))
}

// Names returns the names of all profiles, sorted.
func Names() []string {
	var names []string
	for _, p := range profiles() {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	return names
}

// Sim returns the simulated board with 1 or 2 microphone channels. Its
// microphone plays a WAV file; DriverMalgo may replace it to use the
// computer's default sound card.
func Sim(channels int) (Profile, error) {
	if channels != 1 && channels != 2 {
		return Profile{}, fmt.Errorf("simulated board: invalid channel count %d: use 1 or 2", channels)
	}
	p := Profile{
		Name:       "sim",
		SampleRate: SampleRate,
		Channels:   channels,
		LongPress:  LongPress,
		Drivers: Drivers{
			Buttons:     DriverSim,
			LED:         DriverSim,
			BadgeReader: DriverSim,
			Microphone:  DriverSimWAV,
		},
	}
	return p, nil
}

func profiles() []Profile {
	sim, _ := Sim(1)

	// The ReSpeaker 2-Mics Pi HAT has its two microphones 58 mm apart on
	// the long edge. The buttons go on GPIO12 and GPIO13, which the Seeed HATs
	// bring out on a Grove connector, the APA102 LEDs on SPI0.0 and the
	// badge reader on SPI0.1.
	// NOTE: these pins follow the vendor's pinout pages and have not been
	// checked on a board.
	respeaker2 := Profile{
		Name:       "respeaker-2mic",
		SampleRate: SampleRate,
		Channels:   2,
		Mics: []Position{
			{X: -0.029},
			{X: 0.029},
		},
		LongPress: LongPress,
		Drivers: Drivers{
			Buttons:     DriverGPIO,
			LED:         DriverAPA102,
			BadgeReader: DriverMFRC522,
			Microphone:  DriverMalgo,
		},
		Pins: Pins{Green: "GPIO12", Red: "GPIO13", LEDSPI: "SPI0.0", ReaderSPI: "SPI0.1"},
	}

	// NOTE: the 4-Mic Array's positions form a square with 32 mm from the
	// centre to each microphone, as recalled from the ODAS configuration for
	// this array. They were not measured on a board. The button pins are the
	// same free GPIOs as on the 2-mic profile.
	respeaker4 := Profile{
		Name:       "respeaker-4mic",
		SampleRate: SampleRate,
		Channels:   4,
		Mics: []Position{
			{X: -0.032},
			{Y: -0.032},
			{X: 0.032},
			{Y: 0.032},
		},
		LongPress: LongPress,
		Drivers: Drivers{
			Buttons:     DriverGPIO,
			LED:         DriverAPA102,
			BadgeReader: DriverMFRC522,
			Microphone:  DriverMalgo,
		},
		Pins: Pins{Green: "GPIO12", Red: "GPIO13", LEDSPI: "SPI0.0", ReaderSPI: "SPI0.1"},
	}

	return []Profile{sim, respeaker2, respeaker4}
}
