package sim

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/internal/audio"
)

// EndMode selects what a WAV microphone does when the file is played to its end.
type EndMode int

// End modes.
const (
	// EndEOF makes Read return io.EOF, the default.
	EndEOF EndMode = iota
	// EndLoop plays the file again from its start.
	EndLoop
	// EndSilence delivers silence for ever.
	EndSilence
)

func (m EndMode) String() string {
	switch m {
	case EndEOF:
		return "eof"
	case EndLoop:
		return "loop"
	case EndSilence:
		return "silence"
	}
	return "unknown"
}

// DefaultSampleRate is the rate, in Hz, a WAV microphone delivers when
// WAVOptions.SampleRate is zero. It is the board's capture rate.
const DefaultSampleRate = 16000

// WAVOptions configure a WAV microphone. Zero fields mean the defaults.
type WAVOptions struct {
	// SampleRate is the rate Read delivers; the file is resampled to it.
	// Default DefaultSampleRate.
	SampleRate int
	// Channels is the channel count Read delivers. Zero keeps the file's
	// channels. A mono file is copied to every channel; a file with
	// several channels must have exactly this many.
	Channels int
	// Realtime paces Read so that audio arrives no faster than it would
	// from a microphone, by Clock. Without it Read returns audio as fast as
	// it is read.
	Realtime bool
	Clock    Clock   // default SystemClock
	AtEnd    EndMode // default EndEOF
}

// WAVMicrophone is a simulated microphone that plays a WAV file. It is
// safe for concurrent use.
//
// In realtime mode the file plays on the clock from the first Start: a Read
// returns the audio due by now that has not been read yet. Audio due while
// the microphone is stopped is skipped, as a real microphone would not
// record the room during a pause. As-fast-as-possible mode skips nothing.
type WAVMicrophone struct {
	format   hal.AudioFormat
	samples  []int16 // whole file, resampled, interleaved
	frames   int64   // len(samples) / channels
	realtime bool
	clock    Clock
	atEnd    EndMode

	mu           sync.Mutex // guards the fields below
	running      bool
	closed       bool
	disconnected bool
	started      bool      // Start was called at least once
	origin       time.Time // when frame 0 of the timeline played, in realtime mode
	played       int64     // frames of the timeline delivered or skipped
	stops        uint64    // incremented by Stop so blocked Reads return
	wake         chan struct{}
}

var _ hal.Microphone = (*WAVMicrophone)(nil)

// NewWAVMicrophone reads the WAV file at path into memory and returns a
// stopped microphone that plays it.
func NewWAVMicrophone(path string, opts *WAVOptions) (*WAVMicrophone, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open wav microphone: %w", err)
	}
	defer f.Close()

	m, err := ReadWAVMicrophone(f, opts)
	if err != nil {
		return nil, fmt.Errorf("open wav microphone %s: %w", path, err)
	}
	return m, nil
}

// ReadWAVMicrophone is NewWAVMicrophone for a WAV file already open.
func ReadWAVMicrophone(r io.Reader, opts *WAVOptions) (*WAVMicrophone, error) {
	if opts == nil {
		opts = &WAVOptions{}
	}
	rate := opts.SampleRate
	if rate == 0 {
		rate = DefaultSampleRate
	}
	if rate < 8000 || rate > 48000 {
		return nil, fmt.Errorf("invalid sample rate %d Hz: use 8000 to 48000", rate)
	}
	if opts.AtEnd < EndEOF || opts.AtEnd > EndSilence {
		return nil, fmt.Errorf("invalid end mode %d", opts.AtEnd)
	}

	samples, fileRate, channels, err := audio.ReadWAV(r)
	if err != nil {
		return nil, err
	}
	if len(samples) == 0 {
		return nil, errors.New("wav file has no audio frames")
	}
	if fileRate != rate {
		samples = audio.Resample(samples, channels, fileRate, rate)
	}
	samples, channels, err = spreadChannels(samples, channels, opts.Channels)
	if err != nil {
		return nil, err
	}

	m := &WAVMicrophone{
		format:   hal.AudioFormat{SampleRate: rate, Channels: channels},
		samples:  samples,
		frames:   int64(len(samples) / channels),
		realtime: opts.Realtime,
		clock:    opts.Clock,
		atEnd:    opts.AtEnd,
		wake:     make(chan struct{}),
	}
	if m.clock == nil {
		m.clock = SystemClock{}
	}
	return m, nil
}

// spreadChannels copies a mono file to want channels. It keeps a file
// that already has want channels, or any file when want is 0.
func spreadChannels(samples []int16, have, want int) ([]int16, int, error) {
	switch {
	case want == 0 || want == have:
		return samples, have, nil
	case want < 0 || want > 8:
		return nil, 0, fmt.Errorf("invalid channel count %d: use 1 to 8", want)
	case have != 1:
		return nil, 0, fmt.Errorf("wav file has %d channels, the board %d: use a mono file or one with %d channels", have, want, want)
	}
	out := make([]int16, len(samples)*want)
	for i, v := range samples {
		for c := range want {
			out[i*want+c] = v
		}
	}
	return out, want, nil
}

// Format returns the rate and channel count Read delivers.
func (m *WAVMicrophone) Format() hal.AudioFormat { return m.format }

// Duration returns how long the file plays.
func (m *WAVMicrophone) Duration() time.Duration {
	return time.Duration(m.frames * int64(time.Second) / int64(m.format.SampleRate))
}

// Start begins delivering audio. In realtime mode the audio due while the
// microphone was stopped is skipped.
func (m *WAVMicrophone) Start() error {
	m.mu.Lock()
	defer m.mu.Unlock()

	switch {
	case m.closed:
		return hal.ErrClosed
	case m.disconnected:
		return hal.ErrDisconnected
	case m.running:
		return nil
	}

	if m.realtime {
		now := m.clock.Now()
		if !m.started {
			m.origin = now
		}
		m.played = max(m.played, m.dueLocked(now))
	}
	m.started = true
	m.running = true
	m.wakeLocked()
	return nil
}

// Stop ends delivery; a blocked Read returns 0 samples.
func (m *WAVMicrophone) Stop() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return hal.ErrClosed
	}
	m.running = false
	m.stops++
	m.wakeLocked()
	return nil
}

// Close releases the microphone; Read then returns hal.ErrClosed.
func (m *WAVMicrophone) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	m.running = false
	m.wakeLocked()
	return nil
}

// Disconnect simulates an unplugged microphone: Read and Start return
// hal.ErrDisconnected from now on.
func (m *WAVMicrophone) Disconnect() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.disconnected = true
	m.wakeLocked()
}

// Read fills buf with whole frames. In realtime mode it blocks until audio
// is due. It returns 0 samples at once while the microphone is stopped, and
// when Stop is called during the wait.
func (m *WAVMicrophone) Read(buf []int16) (int, error) {
	channels := m.format.Channels
	want := int64(len(buf) / channels)
	if want == 0 {
		return 0, fmt.Errorf("read buffer too small: %d samples, one frame of %d channels needs %d", len(buf), channels, channels)
	}

	m.mu.Lock()
	stops := m.stops
	for {
		switch {
		case m.closed:
			m.mu.Unlock()
			return 0, hal.ErrClosed
		case m.disconnected:
			m.mu.Unlock()
			return 0, hal.ErrDisconnected
		case m.stops != stops:
			m.mu.Unlock()
			return 0, nil
		}

		if !m.running {
			m.mu.Unlock()
			return 0, nil
		}
		if m.atEnd == EndEOF && m.played >= m.frames {
			m.mu.Unlock()
			return 0, io.EOF
		}

		n := want
		if m.realtime {
			now := m.clock.Now()
			due := m.dueLocked(now) - m.played
			// Wait for a 20 ms block, or less when buf is smaller, so a
			// reader on the real clock is not woken for every frame.
			block := min(want, int64(m.format.SampleRate/50))
			if due < block {
				m.waitLocked(m.durationOf(block - due))
				continue
			}
			n = min(n, due)
		}

		n = m.copyLocked(buf, n)
		m.mu.Unlock()
		return int(n) * channels, nil
	}
}

// copyLocked copies up to n frames from the timeline to buf and returns how many.
func (m *WAVMicrophone) copyLocked(buf []int16, n int64) int64 {
	channels := int64(m.format.Channels)
	var pos int64
	switch m.atEnd {
	case EndEOF:
		pos = m.played
		n = min(n, m.frames-pos)
	case EndLoop:
		pos = m.played % m.frames
		n = min(n, m.frames-pos)
	case EndSilence:
		pos = m.played
		if pos >= m.frames {
			clear(buf[:n*channels])
			m.played += n
			return n
		}
		n = min(n, m.frames-pos)
	}
	copy(buf, m.samples[pos*channels:(pos+n)*channels])
	m.played += n
	return n
}

// dueLocked returns how many frames of the timeline have played by now.
func (m *WAVMicrophone) dueLocked(now time.Time) int64 {
	elapsed := now.Sub(m.origin)
	if elapsed <= 0 {
		return 0
	}
	return int64(elapsed) * int64(m.format.SampleRate) / int64(time.Second)
}

// durationOf returns how long n frames play, rounded up to a whole nanosecond.
func (m *WAVMicrophone) durationOf(n int64) time.Duration {
	rate := int64(m.format.SampleRate)
	return time.Duration((n*int64(time.Second) + rate - 1) / rate)
}

// waitLocked releases the lock until a state change or until d has passed
// on the clock, and takes the lock again.
func (m *WAVMicrophone) waitLocked(d time.Duration) {
	wake := m.wake
	m.mu.Unlock()

	timer := make(chan struct{})
	stop := m.clock.AfterFunc(d, func() { close(timer) })
	select {
	case <-timer:
	case <-wake:
		stop()
	}

	m.mu.Lock()
}

func (m *WAVMicrophone) wakeLocked() {
	close(m.wake)
	m.wake = make(chan struct{})
}
