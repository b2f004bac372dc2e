// Package malgomic is a hal.Microphone on a sound card, through miniaudio
// (github.com/gen2brain/malgo). miniaudio loads ALSA or PulseAudio at run
// time, so the package builds without their development files, but it
// needs cgo. The audio callback copies signed 16-bit frames into a bounded
// ring buffer without waiting for the reader, and Read takes them out. When the reader falls
// behind by more than the buffer, the newest audio is dropped and counted.
//
// cmd/box opens it through the board profile; tests of the firmware use
// hal/sim instead, because miniaudio's null backend delivers only zeros.
package malgomic

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gen2brain/malgo"

	"github.com/ordagrann/ordagrann/hal"
)

// Defaults for Options.
const (
	DefaultSampleRate = 16000
	DefaultChannels   = 1
	DefaultBuffer     = 2 * time.Second
)

// Options configure Open. Zero fields mean the defaults.
type Options struct {
	// Format is the audio format Read delivers. miniaudio converts the
	// device's native rate and channel count to it. Default 16000 Hz, 1 channel.
	Format hal.AudioFormat
	// Device selects the capture device whose name contains this text, as
	// `arecord -L` or miniaudio list it. Empty means the system default.
	Device string
	// Buffer is how much audio the ring buffer holds for a slow reader.
	// Default DefaultBuffer.
	Buffer time.Duration
	Logger *slog.Logger // default slog.Default()
}

// Microphone is a sound card capture device.
type Microphone struct {
	format hal.AudioFormat
	log    *slog.Logger
	ring   *ring

	// stopping is set while Stop or Close stops the device, so the stop
	// callback can tell a requested stop from a vanished device. The
	// callback may run on the thread that calls Stop, so it must not take mu.
	stopping atomic.Bool

	mu      sync.Mutex // guards the fields below and serialises Start, Stop and Close
	ctx     *malgo.AllocatedContext
	dev     *malgo.Device
	running bool
	closed  bool
}

var _ hal.Microphone = (*Microphone)(nil)

// ErrNoDevice is returned, wrapped, by Open when no capture device can be opened.
var ErrNoDevice = errors.New("no sound card capture device")

// Open opens the capture device. It fails with ErrNoDevice when the
// machine has no sound card, ALSA and PulseAudio cannot be loaded, or the
// named device does not exist.
func Open(opts *Options) (*Microphone, error) {
	if opts == nil {
		opts = &Options{}
	}
	format := opts.Format
	if format.SampleRate == 0 {
		format.SampleRate = DefaultSampleRate
	}
	if format.Channels == 0 {
		format.Channels = DefaultChannels
	}
	if format.SampleRate < 8000 || format.SampleRate > 48000 {
		return nil, fmt.Errorf("open sound card: invalid sample rate %d Hz: use 8000 to 48000", format.SampleRate)
	}
	if format.Channels < 1 || format.Channels > 8 {
		return nil, fmt.Errorf("open sound card: invalid channel count %d: use 1 to 8", format.Channels)
	}
	buffer := opts.Buffer
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}

	m := &Microphone{
		format: format,
		log:    log,
		ring:   newRing(int(buffer.Seconds()*float64(format.SampleRate)), format.Channels),
	}
	if err := m.open(opts.Device); err != nil {
		return nil, err
	}
	log.Info("sound card opened", "sample_rate", format.SampleRate, "channels", format.Channels)
	return m, nil
}

func (m *Microphone) open(device string) error {
	// nil backends: miniaudio tries its platform order (PulseAudio, ALSA, JACK on Linux)
	// and never falls back to the null backend, which would record silence.
	ctx, err := malgo.InitContext(nil, malgo.ContextConfig{}, nil)
	if err != nil {
		return fmt.Errorf("open sound card: %w: load an audio backend: %w: install libasound2 or PulseAudio", ErrNoDevice, err)
	}

	cfg := malgo.DefaultDeviceConfig(malgo.Capture)
	cfg.Capture.Format = malgo.FormatS16
	cfg.Capture.Channels = uint32(m.format.Channels)
	cfg.SampleRate = uint32(m.format.SampleRate)

	if device != "" {
		id, err := findCaptureDevice(ctx.Context, device)
		if err != nil {
			ctx.Uninit()
			ctx.Free()
			return err
		}
		cfg.Capture.DeviceID = id.Pointer()
	}

	dev, err := malgo.InitDevice(ctx.Context, cfg, malgo.DeviceCallbacks{
		Data: m.onData,
		Stop: m.onStop,
	})
	if err != nil {
		ctx.Uninit()
		ctx.Free()
		return fmt.Errorf("open sound card: %w: %w: check that a microphone is connected and listed by arecord -l", ErrNoDevice, err)
	}
	m.ctx, m.dev = ctx, dev
	return nil
}

func findCaptureDevice(ctx malgo.Context, name string) (*malgo.DeviceID, error) {
	infos, err := ctx.Devices(malgo.Capture)
	if err != nil {
		return nil, fmt.Errorf("open sound card: list capture devices: %w", err)
	}
	var names []string
	for i := range infos {
		if strings.Contains(infos[i].Name(), name) {
			return &infos[i].ID, nil
		}
		names = append(names, infos[i].Name())
	}
	return nil, fmt.Errorf("open sound card: %w named like %q: the devices are %q", ErrNoDevice, name, names)
}

// onData runs on miniaudio's audio thread. It converts the S16 frames to
// int16 and queues them without waiting for the reader.
func (m *Microphone) onData(_, input []byte, frames uint32) {
	n := int(frames) * m.format.Channels
	if len(input) < 2*n {
		n = len(input) / 2
	}
	samples := make([]int16, n)
	for i := range samples {
		samples[i] = int16(binary.NativeEndian.Uint16(input[2*i:]))
	}
	if dropped := m.ring.write(samples); dropped > 0 {
		// TODO: rate-limit this log line; a stalled reader logs it on every callback.
		m.log.Warn("sound card overrun", "samples_dropped", dropped)
	}
}

// onStop runs when the device stops. A stop that Stop or Close did not ask
// for means the device vanished.
func (m *Microphone) onStop() {
	if !m.stopping.Load() {
		m.log.Error("sound card stopped", "error", hal.ErrDisconnected)
		m.ring.close(hal.ErrDisconnected)
	}
}

// Format returns the format Read delivers.
func (m *Microphone) Format() hal.AudioFormat { return m.format }

// Start begins capture and discards anything captured before.
func (m *Microphone) Start() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return hal.ErrClosed
	}
	if m.running {
		return nil
	}

	m.ring.begin()
	if err := m.dev.Start(); err != nil {
		m.ring.end()
		return fmt.Errorf("start sound card: %w", err)
	}
	m.running = true
	return nil
}

// Read blocks until audio is captured and fills buf with whole frames. It
// returns 0 samples at once while stopped, when Stop interrupts it,
// hal.ErrDisconnected when the device stopped by itself and hal.ErrClosed
// after Close.
func (m *Microphone) Read(buf []int16) (int, error) {
	if len(buf) < m.format.Channels {
		return 0, fmt.Errorf("read buffer too small: %d samples, one frame of %d channels needs %d", len(buf), m.format.Channels, m.format.Channels)
	}
	return m.ring.read(buf)
}

// Stop ends capture; a blocked Read returns 0 samples.
func (m *Microphone) Stop() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return hal.ErrClosed
	}
	m.ring.end()
	if !m.running {
		return nil
	}

	m.stopping.Store(true)
	err := m.dev.Stop()
	m.stopping.Store(false)
	m.running = false
	if err != nil {
		return fmt.Errorf("stop sound card: %w", err)
	}
	return nil
}

// Close stops capture and releases the device and miniaudio's context.
func (m *Microphone) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.stopping.Store(true)
	m.running = false
	dev, ctx := m.dev, m.ctx
	m.mu.Unlock()

	m.ring.close(hal.ErrClosed)
	m.ring.end()
	dev.Uninit()
	err := ctx.Uninit()
	ctx.Free()
	if err != nil {
		return fmt.Errorf("close sound card: %w", err)
	}
	return nil
}
