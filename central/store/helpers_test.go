package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mewkiz/flac"
	"github.com/mewkiz/flac/frame"
	"github.com/mewkiz/flac/meta"

	"github.com/ordagrann/ordagrann/central/keys"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

var (
	pcmMono = protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: 16000, Channels: 1, Bits: 16}
	pcm2ch  = protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: 16000, Channels: 2, Bits: 16}
	flac2ch = protocol.AudioFormat{Codec: protocol.CodecFLAC, SampleRate: 16000, Channels: 2, Bits: 16}
)

// clock is a settable clock for Options.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// env is a store on real SQLite and real Tink keys in a temporary directory.
type env struct {
	dir   string
	path  string
	keys  *keys.Keys
	clock *clock
	s     *Store
}

func newEnv(t testing.TB) *env {
	t.Helper()
	dir := t.TempDir()
	k, err := keys.Open(filepath.Join(dir, "keys"), &keys.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("keys.Open = %v", err)
	}
	e := &env{
		dir:   dir,
		path:  filepath.Join(dir, "central.db"),
		keys:  k,
		clock: &clock{t: time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)},
	}
	e.open(t)
	t.Cleanup(func() {
		if e.s != nil {
			e.s.Close()
		}
	})
	return e
}

func (e *env) open(t testing.TB) {
	t.Helper()
	s, err := Open(e.path, e.keys, &Options{Now: e.clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatalf("Open(%s) = %v", e.path, err)
	}
	e.s = s
}

func (e *env) reopen(t testing.TB) {
	t.Helper()
	if err := e.s.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	e.s = nil
	e.open(t)
}

// tone returns frames of interleaved samples that differ per frame and channel.
func tone(first uint64, frames, channels int) []int16 {
	out := make([]int16, frames*channels)
	for i := range frames {
		for c := range channels {
			out[i*channels+c] = int16((int(first)+i)*7 + c*1000)
		}
	}
	return out
}

func encodePCM(samples []int16) []byte {
	out := make([]byte, 2*len(samples))
	for i, v := range samples {
		binary.LittleEndian.PutUint16(out[2*i:], uint16(v))
	}
	return out
}

// encodeFLAC encodes interleaved samples as one FLAC stream with verbatim
// subframes, letting the encoder choose a predictor.
func encodeFLAC(t testing.TB, f protocol.AudioFormat, samples []int16) []byte {
	t.Helper()
	frames := len(samples) / f.Channels
	var buf bytes.Buffer
	info := &meta.StreamInfo{
		BlockSizeMin: 16, BlockSizeMax: 4096,
		SampleRate: uint32(f.SampleRate), NChannels: uint8(f.Channels), BitsPerSample: 16,
		NSamples: uint64(frames),
	}
	enc, err := flac.NewEncoder(&buf, info)
	if err != nil {
		t.Fatal(err)
	}
	enc.EnablePredictionAnalysis(true)
	for start := 0; start < frames; start += 4096 {
		n := min(4096, frames-start)
		fr := &frame.Frame{Header: frame.Header{
			HasFixedBlockSize: false,
			BlockSize:         uint16(n),
			SampleRate:        uint32(f.SampleRate),
			Channels:          frame.Channels(f.Channels - 1),
			BitsPerSample:     16,
		}}
		for c := range f.Channels {
			sub := &frame.Subframe{SubHeader: frame.SubHeader{Pred: frame.PredVerbatim}, NSamples: n, Samples: make([]int32, n)}
			for i := range n {
				sub.Samples[i] = int32(samples[(start+i)*f.Channels+c])
			}
			fr.Subframes = append(fr.Subframes, sub)
		}
		if err := enc.WriteFrame(fr); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// chunk builds the header and encoded audio of a chunk of the tone.
func chunk(t testing.TB, f protocol.AudioFormat, first uint64, frames int) (protocol.ChunkHeader, []byte) {
	t.Helper()
	h := protocol.ChunkHeader{
		Format:     f,
		FirstFrame: first,
		Frames:     frames,
		CapturedAt: time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC).Add(time.Duration(first) * time.Second / time.Duration(f.SampleRate)),
	}
	samples := tone(first, frames, f.Channels)
	if f.Codec == protocol.CodecFLAC {
		return h, encodeFLAC(t, f, samples)
	}
	return h, encodePCM(samples)
}

// putChunks stores chunks of frames each, for the given seqs, and fails the test on any error.
func putChunks(t testing.TB, s *Store, box, rec string, f protocol.AudioFormat, frames int, seqs ...uint64) {
	t.Helper()
	for _, seq := range seqs {
		h, audio := chunk(t, f, seq*uint64(frames), frames)
		if _, err := s.PutChunk(context.Background(), box, rec, seq, h, audio); err != nil {
			t.Fatalf("PutChunk(%s, %s, %d) = %v", box, rec, seq, err)
		}
	}
}

func consent(seq uint64, f protocol.AudioFormat) protocol.Event {
	return protocol.Event{
		V: protocol.Version, Seq: seq, Type: protocol.EventConsent, At: time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC),
		Start: &protocol.StartInfo{Format: f, BadgeID: "badge-7", Board: "sim", ConsentAsk: time.Date(2026, 12, 4, 12, 59, 50, 0, time.UTC)},
	}
}

func event(seq uint64, typ protocol.EventType, at time.Duration) protocol.Event {
	return protocol.Event{V: protocol.Version, Seq: seq, Type: typ, At: time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC).Add(at)}
}

func end(seq uint64, chunks, frames uint64) protocol.Event {
	e := event(seq, protocol.EventEnd, time.Minute)
	e.End = &protocol.EndInfo{Chunks: chunks, Frames: frames}
	return e
}

func putEvents(t testing.TB, s *Store, box, rec string, events ...protocol.Event) {
	t.Helper()
	for _, e := range events {
		if _, err := s.PutEvent(context.Background(), box, rec, e); err != nil {
			t.Fatalf("PutEvent(%s, %s, %s %d) = %v", box, rec, e.Type, e.Seq, err)
		}
	}
}
