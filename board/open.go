package board

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/hal/malgomic"
	"github.com/ordagrann/ordagrann/hal/sim"
)

// OpenOptions configure Open. Zero fields mean the defaults.
type OpenOptions struct {
	// WAV is the file the simulated microphone plays, required for DriverSimWAV.
	WAV string
	// WAVOptions are passed to the simulated microphone; nil plays in real
	// time on the system clock. Its SampleRate and Channels are set from the profile.
	WAVOptions *sim.WAVOptions
	// SoundDevice selects the sound card by part of its name for
	// DriverMalgo. Empty means the default capture device.
	SoundDevice string
	Logger      *slog.Logger // default slog.Default()
}

// Devices are the opened hardware of a board.
type Devices struct {
	Green, Red hal.Button
	LED        hal.LED
	Reader     hal.BadgeReader
	Microphone hal.Microphone
	// Sim is the simulated board when the profile uses DriverSim, for its
	// terminal and control socket. It is nil on real hardware.
	Sim *sim.Board
}

// Close closes every device that is open.
func (d *Devices) Close() error {
	var errs []error
	for _, c := range []interface{ Close() error }{d.Green, d.Red, d.LED, d.Reader, d.Microphone} {
		if c != nil && !isNilDevice(c) {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

func isNilDevice(c interface{ Close() error }) bool {
	switch v := c.(type) {
	case *PinButton:
		return v == nil
	case *malgomic.Microphone:
		return v == nil
	case *sim.WAVMicrophone:
		return v == nil
	}
	return false
}

// Open opens the drivers the profile names. On an error it closes what it
// had opened and names the part that failed.
func Open(p Profile, opts *OpenOptions) (*Devices, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if opts == nil {
		opts = &OpenOptions{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}

	d := &Devices{}
	if usesSim(p.Drivers) {
		d.Sim = sim.NewBoard(&sim.Options{Logger: log})
	}
	if err := d.open(p, opts); err != nil {
		d.Close()
		return nil, fmt.Errorf("open board %s: %w", p.Name, err)
	}
	return d, nil
}

func usesSim(dr Drivers) bool {
	return dr.Buttons == DriverSim || dr.LED == DriverSim || dr.BadgeReader == DriverSim
}

func (d *Devices) open(p Profile, opts *OpenOptions) error {
	switch p.Drivers.Buttons {
	case DriverSim:
		d.Green, d.Red = d.Sim.Green(), d.Sim.Red()
	case DriverGPIO:
		green, red, err := openGPIOButtons(p)
		if err != nil {
			return err
		}
		d.Green, d.Red = green, red
	default:
		return fmt.Errorf("buttons: unknown driver %q", p.Drivers.Buttons)
	}

	switch p.Drivers.LED {
	case DriverSim:
		d.LED = d.Sim.StatusLED()
	default:
		// TODO: drive the APA102 LEDs of the ReSpeaker HATs over SPI with periph.io.
		return fmt.Errorf("LED: driver %q is not implemented: use the sim board", p.Drivers.LED)
	}

	switch p.Drivers.BadgeReader {
	case DriverSim:
		d.Reader = d.Sim.Reader()
	default:
		// TODO: read badges with the MFRC522 driver of periph.io/x/devices/v3 v3.7.4.
		return fmt.Errorf("badge reader: driver %q is not implemented: use the sim board", p.Drivers.BadgeReader)
	}

	return d.openMicrophone(p, opts)
}

func (d *Devices) openMicrophone(p Profile, opts *OpenOptions) error {
	switch p.Drivers.Microphone {
	case DriverSimWAV:
		if opts.WAV == "" {
			return errors.New("microphone: missing WAV file for the simulated microphone")
		}
		var wo sim.WAVOptions
		if opts.WAVOptions != nil {
			wo = *opts.WAVOptions
		} else {
			wo.Realtime = true
		}
		wo.SampleRate, wo.Channels = p.SampleRate, p.Channels
		mic, err := sim.NewWAVMicrophone(opts.WAV, &wo)
		if err != nil {
			return fmt.Errorf("microphone: %w", err)
		}
		d.Microphone = mic
	case DriverMalgo:
		mic, err := malgomic.Open(&malgomic.Options{Format: p.Format(), Device: opts.SoundDevice, Logger: opts.Logger})
		if err != nil {
			return fmt.Errorf("microphone: %w", err)
		}
		d.Microphone = mic
	default:
		return fmt.Errorf("microphone: unknown driver %q", p.Drivers.Microphone)
	}
	return nil
}
