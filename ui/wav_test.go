package ui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// randomSamples returns frames*channels reproducible random samples.
func randomSamples(frames, channels int, seed uint64) []int16 {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	out := make([]int16, frames*channels)
	for i := range out {
		out[i] = int16(rng.Uint32())
	}
	return out
}

// audioSource returns a fake holding one recording with samples.
func audioSource(samples []int16, rate, channels int) *fakeSource {
	format := protocol.AudioFormat{Codec: protocol.CodecFLAC, SampleRate: rate, Channels: channels, Bits: 16}
	frames := uint64(len(samples) / channels)
	return &fakeSource{
		recs:  []store.Recording{{ID: "rec-1", BoxID: "rum-1", Format: format, FramesReceived: frames, ContiguousFrames: frames}},
		audio: map[string][]int16{"rec-1": samples},
	}
}

func TestWAVReaderMatchesWriteWAV(t *testing.T) {
	tests := []struct {
		name             string
		frames, channels int
		rate             int
	}{
		{"empty", 0, 1, 16000},
		{"one_frame", 1, 1, 16000},
		{"mono_across_windows", 16000*25 + 7, 1, 16000},
		{"stereo_odd_frames", 8000*3 + 1, 2, 8000},
		{"four_channels", 16000*11 + 3, 4, 16000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			samples := randomSamples(tt.frames, tt.channels, uint64(tt.frames))
			src := audioSource(samples, tt.rate, tt.channels)
			rec := src.recs[0]

			r, err := newWAVReader(context.Background(), src, rec.ID, rec.Format, rec.ContiguousFrames)
			if err != nil {
				t.Fatalf("newWAVReader: %v", err)
			}
			got, err := io.ReadAll(r)
			if err != nil {
				t.Fatalf("ReadAll: %v", err)
			}

			var want bytes.Buffer
			if err := audio.WriteWAV(&want, samples, tt.rate, tt.channels); err != nil {
				t.Fatalf("WriteWAV: %v", err)
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Fatalf("wavReader output (%d bytes) differs from WriteWAV (%d bytes)", len(got), want.Len())
			}
			if r.Size() != int64(len(got)) {
				t.Errorf("Size() = %d, want %d", r.Size(), len(got))
			}

			decoded, rate, channels, err := audio.ReadWAV(bytes.NewReader(got))
			if err != nil {
				t.Fatalf("ReadWAV: %v", err)
			}
			if rate != tt.rate || channels != tt.channels {
				t.Errorf("ReadWAV format = %d Hz %d channels, want %d Hz %d channels", rate, channels, tt.rate, tt.channels)
			}
			if i := firstDifference(samples, decoded); i >= 0 {
				t.Errorf("decoded samples differ from index %d of %d (got %d samples)", i, len(samples), len(decoded))
			}
		})
	}
}

// firstDifference returns the first index where want and got differ, or
// -1 when they are equal. A length mismatch counts at the shorter length.
func firstDifference(want, got []int16) int {
	for i := range min(len(want), len(got)) {
		if want[i] != got[i] {
			return i
		}
	}
	if len(want) != len(got) {
		return min(len(want), len(got))
	}
	return -1
}

func TestWAVReaderSeek(t *testing.T) {
	const channels = 2
	samples := randomSamples(16000*23+5, channels, 7)
	src := audioSource(samples, 16000, channels)
	rec := src.recs[0]
	var whole bytes.Buffer
	if err := audio.WriteWAV(&whole, samples, 16000, channels); err != nil {
		t.Fatalf("WriteWAV: %v", err)
	}

	r, err := newWAVReader(context.Background(), src, rec.ID, rec.Format, rec.ContiguousFrames)
	if err != nil {
		t.Fatalf("newWAVReader: %v", err)
	}
	// Offsets inside the header, on an odd byte in the middle of a frame,
	// just before a window boundary, and backwards.
	window := int64(16000*10) * channels * 2
	offsets := []int64{10, wavHeaderSize + 3, wavHeaderSize + window - 5, 1000, wavHeaderSize + 2*window + 1}
	for _, off := range offsets {
		if _, err := r.Seek(off, io.SeekStart); err != nil {
			t.Fatalf("Seek(%d): %v", off, err)
		}
		got := make([]byte, 64)
		if _, err := io.ReadFull(r, got); err != nil {
			t.Fatalf("ReadFull at %d: %v", off, err)
		}
		if want := whole.Bytes()[off : off+64]; !bytes.Equal(got, want) {
			t.Errorf("bytes at %d = %x, want %x", off, got, want)
		}
	}

	end, err := r.Seek(0, io.SeekEnd)
	if err != nil || end != int64(whole.Len()) {
		t.Errorf("Seek(0, SeekEnd) = %d, %v, want %d, nil", end, err, whole.Len())
	}
	if n, err := r.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("Read at end = %d, %v, want 0, EOF", n, err)
	}
	if _, err := r.Seek(-1, io.SeekStart); err == nil {
		t.Error("Seek(-1, SeekStart) = nil error, want error")
	}
}

func TestWAVReaderDecodesEachWindowOnce(t *testing.T) {
	samples := randomSamples(16000*35, 1, 3)
	src := audioSource(samples, 16000, 1)
	rec := src.recs[0]

	r, err := newWAVReader(context.Background(), src, rec.ID, rec.Format, rec.ContiguousFrames)
	if err != nil {
		t.Fatalf("newWAVReader: %v", err)
	}
	if _, err := io.CopyBuffer(io.Discard, r, make([]byte, 32<<10)); err != nil {
		t.Fatalf("copy: %v", err)
	}
	if got, want := src.reads, 4; got != want {
		t.Errorf("ReadAudio calls for 35 s = %d, want %d", got, want)
	}
}

func TestWAVReaderReportsStoreError(t *testing.T) {
	src := audioSource(randomSamples(16000, 1, 1), 16000, 1)
	src.audioErr = errors.New("open chunk 0: message authentication failed")
	rec := src.recs[0]

	r, err := newWAVReader(context.Background(), src, rec.ID, rec.Format, rec.ContiguousFrames)
	if err != nil {
		t.Fatalf("newWAVReader: %v", err)
	}
	_, err = io.ReadAll(r)
	if !errors.Is(err, src.audioErr) {
		t.Errorf("ReadAll error = %v, want %v", err, src.audioErr)
	}
	if !errors.Is(r.err, src.audioErr) {
		t.Errorf("kept error = %v, want %v", r.err, src.audioErr)
	}
}

func TestWAVReaderRejectsShortRead(t *testing.T) {
	src := audioSource(randomSamples(16000, 1, 1), 16000, 1)
	rec := src.recs[0]

	// The recording claims more frames than the store returns.
	r, err := newWAVReader(context.Background(), src, rec.ID, rec.Format, rec.ContiguousFrames+10)
	if err != nil {
		t.Fatalf("newWAVReader: %v", err)
	}
	if _, err := io.ReadAll(r); err == nil {
		t.Error("ReadAll past the stored audio = nil error, want error")
	}
}

func TestWAVReaderCapsAtFourGiB(t *testing.T) {
	format := protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: 16000, Channels: 8, Bits: 16}
	r, err := newWAVReader(context.Background(), &fakeSource{}, "rec-1", format, 1<<40)
	if err != nil {
		t.Fatalf("newWAVReader: %v", err)
	}
	if r.Size() > 1<<32 || r.Size() < 1<<32-1<<10 {
		t.Errorf("Size() = %d, want just under 4 GiB", r.Size())
	}
	if (r.Size()-wavHeaderSize)%16 != 0 {
		t.Errorf("data size %d is not whole 16-byte frames", r.Size()-wavHeaderSize)
	}
}
