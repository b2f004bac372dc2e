package sim

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/internal/audio"
)

// ramp returns frames of interleaved samples whose values count up, so a
// lost, repeated or reordered frame shows in a comparison.
func ramp(frames, channels int) []int16 {
	s := make([]int16, frames*channels)
	for i := range s {
		s[i] = int16(i % 30000)
	}
	return s
}

func wavBytes(t *testing.T, samples []int16, rate, channels int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := audio.WriteWAV(&b, samples, rate, channels); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func writeWAVFile(t *testing.T, samples []int16, rate, channels int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.wav")
	if err := os.WriteFile(path, wavBytes(t, samples, rate, channels), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// readAll reads until an error and returns the samples and the error.
func readAll(m *WAVMicrophone, bufFrames int) ([]int16, error) {
	var out []int16
	buf := make([]int16, bufFrames*m.Format().Channels)
	for {
		n, err := m.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			return out, err
		}
	}
}

func TestWAVMicrophoneFastIsExact(t *testing.T) {
	in := ramp(16000+123, 2)
	m, err := NewWAVMicrophone(writeWAVFile(t, in, 16000, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.Format(), (hal.AudioFormat{SampleRate: 16000, Channels: 2}); got != want {
		t.Errorf("Format() = %+v, want %+v", got, want)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}

	got, err := readAll(m, 1000)
	if !errors.Is(err, io.EOF) {
		t.Errorf("Read() at the end = %v, want io.EOF", err)
	}
	if diff := cmp.Diff(in, got); diff != "" {
		t.Errorf("samples differ from the file (-want +got):\n%s", diff)
	}
}

func TestWAVMicrophoneResamples(t *testing.T) {
	in := ramp(48000, 1)
	m, err := ReadWAVMicrophone(bytes.NewReader(wavBytes(t, in, 48000, 1)), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	got, _ := readAll(m, 1600)
	if len(got) != 16000 {
		t.Errorf("frames after resampling 1 s from 48 kHz = %d, want 16000", len(got))
	}
	if got, want := m.Duration(), time.Second; got != want {
		t.Errorf("Duration() = %v, want %v", got, want)
	}
}

func TestWAVMicrophoneChannels(t *testing.T) {
	mono := []int16{1, 2, 3}
	tests := []struct {
		name     string
		samples  []int16
		channels int
		want     int
		wantData []int16
		wantErr  string
	}{
		{name: "mono_kept", samples: mono, channels: 0, want: 1, wantData: mono},
		{name: "mono_spread", samples: mono, channels: 2, want: 2, wantData: []int16{1, 1, 2, 2, 3, 3}},
		{name: "stereo_to_four", samples: []int16{1, 2}, channels: 4, wantErr: "use a mono file or one with 4 channels"},
		{name: "too_many", samples: mono, channels: 9, wantErr: "invalid channel count 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fileChannels := 1
			if tt.name == "stereo_to_four" {
				fileChannels = 2
			}
			m, err := ReadWAVMicrophone(bytes.NewReader(wavBytes(t, tt.samples, 16000, fileChannels)), &WAVOptions{Channels: tt.channels})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ReadWAVMicrophone() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := m.Format().Channels; got != tt.want {
				t.Errorf("channels = %d, want %d", got, tt.want)
			}
			m.Start()
			got, _ := readAll(m, 10)
			if diff := cmp.Diff(tt.wantData, got); diff != "" {
				t.Errorf("samples (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWAVMicrophoneBadFiles(t *testing.T) {
	good := wavBytes(t, ramp(100, 1), 16000, 1)
	tests := []struct {
		name    string
		data    []byte
		opts    *WAVOptions
		wantErr string
	}{
		{name: "not_wav", data: []byte("hello, this is not audio at all"), wantErr: "not a RIFF WAVE file"},
		{name: "empty_data", data: wavBytes(t, nil, 16000, 1), wantErr: "no audio frames"},
		{name: "truncated", data: good[:len(good)-50], wantErr: "truncated"},
		{name: "bad_rate", data: good, opts: &WAVOptions{SampleRate: 4000}, wantErr: "invalid sample rate 4000 Hz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadWAVMicrophone(bytes.NewReader(tt.data), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ReadWAVMicrophone() error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}

	if _, err := NewWAVMicrophone(filepath.Join(t.TempDir(), "missing.wav"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("NewWAVMicrophone(missing file) = %v, want os.ErrNotExist", err)
	}
}

func TestWAVMicrophoneEndModes(t *testing.T) {
	in := []int16{1, 2, 3}
	tests := []struct {
		mode EndMode
		want []int16
	}{
		{mode: EndLoop, want: []int16{1, 2, 3, 1, 2, 3, 1, 2}},
		{mode: EndSilence, want: []int16{1, 2, 3, 0, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			m, err := ReadWAVMicrophone(bytes.NewReader(wavBytes(t, in, 16000, 1)), &WAVOptions{AtEnd: tt.mode})
			if err != nil {
				t.Fatal(err)
			}
			m.Start()
			var got []int16
			buf := make([]int16, 2)
			for len(got) < len(tt.want) {
				n, err := m.Read(buf)
				if err != nil {
					t.Fatalf("Read() = %v", err)
				}
				got = append(got, buf[:n]...)
			}
			if diff := cmp.Diff(tt.want, got[:len(tt.want)]); diff != "" {
				t.Errorf("samples (-want +got):\n%s", diff)
			}
		})
	}
}

// readAsync runs one Read in a goroutine.
func readAsync(m *WAVMicrophone, frames int) <-chan readResult {
	out := make(chan readResult, 1)
	go func() {
		buf := make([]int16, frames*m.Format().Channels)
		n, err := m.Read(buf)
		out <- readResult{samples: buf[:n], err: err}
	}()
	return out
}

type readResult struct {
	samples []int16
	err     error
}

func TestWAVMicrophoneRealtimePacing(t *testing.T) {
	ctx := testContext(t)
	clock := NewManualClock(t0)
	in := ramp(16000, 1)
	m, err := ReadWAVMicrophone(bytes.NewReader(wavBytes(t, in, 16000, 1)), &WAVOptions{Realtime: true, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}

	// Nothing is due at the start, so Read waits on the clock.
	res := readAsync(m, 1600)
	if err := clock.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(100 * time.Millisecond)
	got := <-res
	if got.err != nil || len(got.samples) != 1600 {
		t.Fatalf("Read() after 100 ms = %d samples, %v; want 1600, nil", len(got.samples), got.err)
	}
	if diff := cmp.Diff(in[:1600], got.samples); diff != "" {
		t.Errorf("first 100 ms (-want +got):\n%s", diff)
	}

	// Audio due while stopped is skipped: 200 ms stopped, then 100 ms played.
	if err := m.Stop(); err != nil {
		t.Fatal(err)
	}
	clock.Advance(200 * time.Millisecond)
	if err := m.Start(); err != nil {
		t.Fatal(err)
	}
	res = readAsync(m, 1600)
	if err := clock.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clock.Advance(100 * time.Millisecond)
	got = <-res
	if diff := cmp.Diff(in[4800:6400], got.samples); diff != "" {
		t.Errorf("audio after the pause (-want +got):\n%s", diff)
	}
}

func TestWAVMicrophoneStopUnblocksRead(t *testing.T) {
	ctx := testContext(t)
	clock := NewManualClock(t0)
	m, err := ReadWAVMicrophone(bytes.NewReader(wavBytes(t, ramp(1600, 1), 16000, 1)), &WAVOptions{Realtime: true, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	res := readAsync(m, 1600)
	if err := clock.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	m.Stop()
	if got := <-res; got.err != nil || len(got.samples) != 0 {
		t.Errorf("blocked Read() after Stop = %d samples, %v; want 0, nil", len(got.samples), got.err)
	}
	if got := clock.Pending(); got != 0 {
		t.Errorf("pending timers after Stop = %d, want 0", got)
	}

	// A stopped microphone returns at once.
	n, err := m.Read(make([]int16, 16))
	if n != 0 || err != nil {
		t.Errorf("Read() while stopped = %d, %v; want 0, nil", n, err)
	}
}

func TestWAVMicrophoneDisconnectAndClose(t *testing.T) {
	ctx := testContext(t)
	clock := NewManualClock(t0)
	m, err := ReadWAVMicrophone(bytes.NewReader(wavBytes(t, ramp(1600, 1), 16000, 1)), &WAVOptions{Realtime: true, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	m.Start()
	res := readAsync(m, 1600)
	if err := clock.BlockUntil(ctx, 1); err != nil {
		t.Fatal(err)
	}
	m.Disconnect()
	if got := <-res; !errors.Is(got.err, hal.ErrDisconnected) {
		t.Errorf("blocked Read() after Disconnect = %v, want hal.ErrDisconnected", got.err)
	}
	if err := m.Start(); !errors.Is(err, hal.ErrDisconnected) {
		t.Errorf("Start() after Disconnect = %v, want hal.ErrDisconnected", err)
	}

	m.Close()
	if _, err := m.Read(make([]int16, 16)); !errors.Is(err, hal.ErrClosed) {
		t.Errorf("Read() after Close = %v, want hal.ErrClosed", err)
	}
	if err := m.Start(); !errors.Is(err, hal.ErrClosed) {
		t.Errorf("Start() after Close = %v, want hal.ErrClosed", err)
	}
}

func TestManualClock(t *testing.T) {
	ctx := testContext(t)
	c := NewManualClock(t0)
	fired := make(chan string, 3)

	c.AfterFunc(time.Second, func() { fired <- "1s" })
	stop := c.AfterFunc(2*time.Second, func() { fired <- "2s" })
	c.AfterFunc(3*time.Second, func() { fired <- "3s" })
	if err := c.BlockUntil(ctx, 3); err != nil {
		t.Fatal(err)
	}

	c.Advance(time.Second)
	if got := <-fired; got != "1s" {
		t.Errorf("first timer = %s, want 1s", got)
	}
	if !stop() {
		t.Error("stop() of a pending timer = false, want true")
	}
	if stop() {
		t.Error("second stop() = true, want false")
	}
	c.Advance(2 * time.Second)
	if got := <-fired; got != "3s" {
		t.Errorf("timer after the stopped one = %s, want 3s", got)
	}
	if got, want := c.Now(), t0.Add(3*time.Second); !got.Equal(want) {
		t.Errorf("Now() = %v, want %v", got, want)
	}
	if got := c.Pending(); got != 0 {
		t.Errorf("Pending() = %d, want 0", got)
	}
}
