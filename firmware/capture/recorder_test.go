package capture_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ordagrann/ordagrann/firmware/capture"
	"github.com/ordagrann/ordagrann/firmware/spool"
	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/chunkcrypt"
	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/tink-crypto/tink-go/v2/hybrid"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/signature"
	"github.com/tink-crypto/tink-go/v2/tink"
)

var _ capture.Sink = (*spool.Spool)(nil)

const boxID = "room-1"

// keys are a real central HPKE keyset and a box signing key.
type keys struct {
	sealer *chunkcrypt.Sealer
	dec    tink.HybridDecrypt
	ver    tink.Verifier
}

func newKeys(t testing.TB) keys {
	t.Helper()
	priv, err := keyset.NewHandle(hybrid.DHKEM_X25519_HKDF_SHA256_HKDF_SHA256_AES_256_GCM_Key_Template())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := priv.Public()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := hybrid.NewHybridEncrypt(pub)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := hybrid.NewHybridDecrypt(priv)
	if err != nil {
		t.Fatal(err)
	}

	signKeys, err := keyset.NewHandle(signature.ED25519KeyTemplate())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signature.NewSigner(signKeys)
	if err != nil {
		t.Fatal(err)
	}
	verifyKeys, err := signKeys.Public()
	if err != nil {
		t.Fatal(err)
	}
	ver, err := signature.NewVerifier(verifyKeys)
	if err != nil {
		t.Fatal(err)
	}

	return keys{sealer: &chunkcrypt.Sealer{BoxID: boxID, Enc: enc, Signer: signer}, dec: dec, ver: ver}
}

type storedChunk struct {
	rec        string
	seq        uint64
	firstFrame uint64
	frames     int
	msg        []byte
}

// memSink keeps chunks in memory. failures makes that many AddChunk calls
// fail before any succeeds, like a disk that is full for a while.
type memSink struct {
	chunks   []storedChunk
	calls    []uint64 // seq of every AddChunk call
	failures int
}

func (s *memSink) AddChunk(rec string, seq uint64, firstFrame uint64, frames int, msg []byte) error {
	s.calls = append(s.calls, seq)
	if s.failures > 0 {
		s.failures--
		return errors.New("database or disk is full")
	}
	s.chunks = append(s.chunks, storedChunk{rec, seq, firstFrame, frames, bytes.Clone(msg)})
	return nil
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func noise(frames, channels int, seed uint64) []int16 {
	r := rand.New(rand.NewPCG(seed, 2))
	out := make([]int16, frames*channels)
	v := 0
	for i := range out {
		v = (v*7)/8 + r.IntN(4001) - 2000
		out[i] = int16(max(-32768, min(32767, v)))
	}
	return out
}

// writeInPieces feeds samples to the recorder in reads of uneven length,
// the way a sound card delivers them.
func writeInPieces(t *testing.T, r *capture.Recorder, samples []int16, channels int) {
	t.Helper()
	sizes := []int{1, 1600, 333, 4096, 7}
	for i, at := 0, 0; at < len(samples); i++ {
		n := min(sizes[i%len(sizes)]*channels, len(samples)-at)
		if err := r.Write(samples[at : at+n]); err != nil {
			t.Fatalf("Write at sample %d: %v", at, err)
		}
		at += n
	}
}

// openAll decrypts every chunk, checks its header against the arguments
// the sink got, and returns the concatenated audio.
func openAll(t *testing.T, k keys, chunks []storedChunk, rec string) ([]int16, []protocol.ChunkHeader) {
	t.Helper()
	var out []int16
	var headers []protocol.ChunkHeader
	for i, c := range chunks {
		if c.seq != uint64(i) || c.rec != rec {
			t.Fatalf("chunk %d stored as %s/%d, want %s/%d", i, c.rec, c.seq, rec, i)
		}
		opened, err := chunkcrypt.Open(k.dec, k.ver, boxID, rec, c.seq, c.msg)
		if err != nil {
			t.Fatalf("chunkcrypt.Open(chunk %d): %v", c.seq, err)
		}
		h := opened.Header
		if h.FirstFrame != c.firstFrame || h.Frames != c.frames {
			t.Errorf("chunk %d header frames %d+%d, sink was told %d+%d", c.seq, h.FirstFrame, h.Frames, c.firstFrame, c.frames)
		}
		if h.FirstFrame != uint64(len(out)/h.Format.Channels) {
			t.Errorf("chunk %d FirstFrame = %d, want %d", c.seq, h.FirstFrame, len(out)/h.Format.Channels)
		}
		var samples []int16
		switch h.Format.Codec {
		case protocol.CodecFLAC:
			var rate, channels int
			samples, rate, channels, err = audio.DecodeFLAC(opened.Audio)
			if err == nil && (rate != h.Format.SampleRate || channels != h.Format.Channels) {
				t.Errorf("chunk %d flac is %d Hz %d channels, header says %d Hz %d channels", c.seq, rate, channels, h.Format.SampleRate, h.Format.Channels)
			}
		case protocol.CodecPCM:
			samples, err = audio.DecodePCM(opened.Audio)
		}
		if err != nil {
			t.Fatalf("decoding chunk %d (%s): %v", c.seq, h.Format.Codec, err)
		}
		if len(samples) != h.Frames*h.Format.Channels {
			t.Errorf("chunk %d holds %d samples, header says %d frames of %d channels", c.seq, len(samples), h.Frames, h.Format.Channels)
		}
		out = append(out, samples...)
		headers = append(headers, h)
	}
	return out, headers
}

func TestRecorderChunksAreLossless(t *testing.T) {
	k := newKeys(t)
	tests := []struct {
		name       string
		codec      protocol.Codec
		channels   int
		frames     int
		wantFrames []int
	}{
		{"flac_mono", protocol.CodecFLAC, 1, 196800, []int{80000, 80000, 36800}},
		{"flac_stereo", protocol.CodecFLAC, 2, 160000, []int{80000, 80000}},
		{"flac_four_channels", protocol.CodecFLAC, 4, 80001, []int{80000, 1}},
		{"pcm_mono", protocol.CodecPCM, 1, 100000, []int{80000, 20000}},
		{"default_codec", "", 1, 5, []int{5}},
		{"nothing", protocol.CodecFLAC, 2, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sink := &memSink{}
			r, err := capture.NewRecorder(k.sealer, sink, "rec-1", hal.AudioFormat{SampleRate: 16000, Channels: tt.channels},
				&capture.Options{Codec: tt.codec, Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			in := noise(tt.frames, tt.channels, 1)
			writeInPieces(t, r, in, tt.channels)
			if err := r.Flush(); err != nil {
				t.Fatal(err)
			}

			var gotFrames []int
			for _, c := range sink.chunks {
				gotFrames = append(gotFrames, c.frames)
			}
			if diff := cmp.Diff(tt.wantFrames, gotFrames); diff != "" {
				t.Errorf("chunk frame counts (-want +got):\n%s", diff)
			}
			if got, want := r.Frames(), uint64(tt.frames); got != want {
				t.Errorf("Frames() = %d, want %d", got, want)
			}
			if got, want := r.Chunks(), uint64(len(tt.wantFrames)); got != want {
				t.Errorf("Chunks() = %d, want %d", got, want)
			}

			out, headers := openAll(t, k, sink.chunks, "rec-1")
			if !slices.Equal(out, in) {
				t.Errorf("decrypted audio (%d samples) differs from the input (%d samples)", len(out), len(in))
			}
			wantCodec := tt.codec
			if wantCodec == "" {
				wantCodec = protocol.CodecFLAC
			}
			for _, h := range headers {
				if h.Format.Codec != wantCodec || h.Format.Channels != tt.channels || h.Format.SampleRate != 16000 {
					t.Errorf("chunk format = %+v, want %s, 16000 Hz, %d channels", h.Format, wantCodec, tt.channels)
				}
			}
		})
	}
}

func TestRecorderCapturedAt(t *testing.T) {
	k := newKeys(t)
	start := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	now := start
	sink := &memSink{}
	r, err := capture.NewRecorder(k.sealer, sink, "rec-1", hal.AudioFormat{SampleRate: 16000, Channels: 1},
		&capture.Options{ChunkDuration: time.Second, Now: func() time.Time { return now }, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}

	// 2.5 s arrive in 0.5 s reads; each read ends at the clock's time.
	for range 5 {
		now = now.Add(500 * time.Millisecond)
		if err := r.Write(make([]int16, 8000)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	// After a pause the next audio starts a new chunk with a fresh time.
	now = now.Add(time.Minute)
	if err := r.Write(make([]int16, 1600)); err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}

	_, headers := openAll(t, k, sink.chunks, "rec-1")
	var got []time.Duration
	for _, h := range headers {
		got = append(got, h.CapturedAt.Sub(start))
	}
	want := []time.Duration{0, time.Second, 2 * time.Second, time.Minute + 2400*time.Millisecond}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CapturedAt relative to the first frame (-want +got):\n%s", diff)
	}
}

func TestRecorderRetriesAfterSinkError(t *testing.T) {
	k := newKeys(t)
	sink := &memSink{}
	r, err := capture.NewRecorder(k.sealer, sink, "rec-1", hal.AudioFormat{SampleRate: 16000, Channels: 2},
		&capture.Options{ChunkDuration: time.Second, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	in := noise(16000*3+500, 2, 3)

	// The first full chunk hits a full disk.
	sink.failures = 1
	if err := r.Write(in[:2*16000]); err == nil {
		t.Fatal("Write with a failing sink = nil error, want the sink's error")
	}
	if got := r.Frames(); got != 16000 {
		t.Errorf("Frames() after a sink error = %d, want 16000 (accepted, buffered)", got)
	}
	if got := r.Chunks(); got != 0 {
		t.Errorf("Chunks() after a sink error = %d, want 0", got)
	}
	if got := r.StoredFrames(); got != 0 {
		t.Errorf("StoredFrames() after a sink error = %d, want 0", got)
	}

	// The next write retries chunk 0 with the same bytes, then goes on.
	if err := r.Write(in[2*16000 : 2*16500]); err != nil {
		t.Fatalf("Write after the disk recovered: %v", err)
	}
	if len(sink.chunks) != 1 {
		t.Fatalf("chunks stored after the retry = %d, want 1", len(sink.chunks))
	}

	// A Flush that fails keeps its short chunk; the next Flush stores it.
	if err := r.Write(in[2*16500 : 2*48000]); err != nil {
		t.Fatal(err)
	}
	if err := r.Write(in[2*48000:]); err != nil {
		t.Fatal(err)
	}
	sink.failures = 2
	if err := r.Flush(); err == nil {
		t.Fatal("Flush with a failing sink = nil error, want the sink's error")
	}
	if err := r.Flush(); err == nil {
		t.Fatal("second Flush with a failing sink = nil error, want the sink's error")
	}
	if got, want := r.StoredFrames(), uint64(48000); got != want {
		t.Errorf("StoredFrames() after a failed Flush = %d, want %d", got, want)
	}
	if err := r.Flush(); err != nil {
		t.Fatalf("Flush after the disk recovered: %v", err)
	}
	if got, want := r.StoredFrames(), uint64(len(in)/2); got != want {
		t.Errorf("StoredFrames() after Flush = %d, want %d", got, want)
	}

	if diff := cmp.Diff([]uint64{0, 0, 1, 2, 3, 3, 3}, sink.calls); diff != "" {
		t.Errorf("AddChunk calls by seq (-want +got):\n%s", diff)
	}
	out, _ := openAll(t, k, sink.chunks, "rec-1")
	if !slices.Equal(out, in) {
		t.Errorf("audio after retries (%d samples) differs from the input (%d samples)", len(out), len(in))
	}
}

func TestRecorderRetrySendsSameBytes(t *testing.T) {
	k := newKeys(t)
	sink := &recordingSink{}
	r, err := capture.NewRecorder(k.sealer, sink, "rec-1", hal.AudioFormat{SampleRate: 16000, Channels: 1},
		&capture.Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	sink.fail = true
	if err := r.Write(make([]int16, 100)); err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(); err == nil {
		t.Fatal("Flush with a failing sink = nil error, want an error")
	}
	// More audio arrives before the retry; the stored chunk 0 must still be
	// the one first sealed, because the sink may have kept it.
	sink.fail = false
	if err := r.Write(make([]int16, 50)); err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}

	if len(sink.msgs) != 3 {
		t.Fatalf("AddChunk calls = %d, want 3", len(sink.msgs))
	}
	if !bytes.Equal(sink.msgs[0], sink.msgs[1]) {
		t.Error("retried chunk 0 has other bytes than the first attempt, want identical bytes")
	}
	if diff := cmp.Diff([]int{100, 100, 50}, sink.frames); diff != "" {
		t.Errorf("frames per AddChunk call (-want +got):\n%s", diff)
	}
}

// recordingSink records every call and fails while fail is set.
type recordingSink struct {
	fail   bool
	msgs   [][]byte
	frames []int
}

func (s *recordingSink) AddChunk(rec string, seq uint64, firstFrame uint64, frames int, msg []byte) error {
	s.msgs = append(s.msgs, bytes.Clone(msg))
	s.frames = append(s.frames, frames)
	if s.fail {
		return errors.New("disk full")
	}
	return nil
}

func TestRecorderBacklogLimit(t *testing.T) {
	k := newKeys(t)
	sink := &memSink{failures: 1 << 30}
	r, err := capture.NewRecorder(k.sealer, sink, "rec-1", hal.AudioFormat{SampleRate: 16000, Channels: 1},
		&capture.Options{ChunkDuration: time.Second, MaxBacklog: 3 * time.Second, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := r.Write(make([]int16, 16000)); err == nil || errors.Is(err, capture.ErrBacklog) {
			t.Fatalf("Write %d = %v, want the sink's error", i, err)
		}
	}
	if err := r.Write(make([]int16, 1)); !errors.Is(err, capture.ErrBacklog) {
		t.Errorf("Write past the backlog error = %v, want ErrBacklog", err)
	}
	if got := r.Frames(); got != 48000 {
		t.Errorf("Frames() = %d, want 48000 (the rejected write not counted)", got)
	}

	sink.failures = 0
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := r.Chunks(); got != 3 {
		t.Errorf("Chunks() after the sink recovered = %d, want 3", got)
	}
}

func TestRecorderRejectsPartialFrames(t *testing.T) {
	k := newKeys(t)
	sink := &memSink{}
	r, err := capture.NewRecorder(k.sealer, sink, "rec-1", hal.AudioFormat{SampleRate: 16000, Channels: 2}, &capture.Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Write([]int16{1, 2, 3}); err == nil {
		t.Error("Write(3 samples, 2 channels) = nil error, want an error")
	}
	if got := r.Frames(); got != 0 {
		t.Errorf("Frames() after a rejected write = %d, want 0", got)
	}
}

func TestNewRecorderInvalid(t *testing.T) {
	k := newKeys(t)
	sink := &memSink{}
	mono := hal.AudioFormat{SampleRate: 16000, Channels: 1}
	tests := []struct {
		name   string
		sealer *chunkcrypt.Sealer
		sink   capture.Sink
		rec    string
		format hal.AudioFormat
		opts   *capture.Options
	}{
		{"no_sealer", nil, sink, "rec-1", mono, nil},
		{"no_sink", k.sealer, nil, "rec-1", mono, nil},
		{"bad_recording_id", k.sealer, sink, "Rec 1", mono, nil},
		{"zero_channels", k.sealer, sink, "rec-1", hal.AudioFormat{SampleRate: 16000}, nil},
		{"nine_channels", k.sealer, sink, "rec-1", hal.AudioFormat{SampleRate: 16000, Channels: 9}, nil},
		{"rate_too_low", k.sealer, sink, "rec-1", hal.AudioFormat{SampleRate: 4000, Channels: 1}, nil},
		{"chunk_too_long", k.sealer, sink, "rec-1", mono, &capture.Options{ChunkDuration: 6 * time.Second}},
		{"chunk_negative", k.sealer, sink, "rec-1", mono, &capture.Options{ChunkDuration: -time.Second}},
		{"chunk_below_one_frame", k.sealer, sink, "rec-1", mono, &capture.Options{ChunkDuration: time.Microsecond}},
		{"unknown_codec", k.sealer, sink, "rec-1", mono, &capture.Options{Codec: "opus"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := capture.NewRecorder(tt.sealer, tt.sink, tt.rec, tt.format, tt.opts); err == nil {
				t.Error("NewRecorder = nil error, want an error")
			}
		})
	}
}

func TestRecorderManyChannelsFitMessageLimit(t *testing.T) {
	k := newKeys(t)
	sink := &memSink{}
	r, err := capture.NewRecorder(k.sealer, sink, "rec-1", hal.AudioFormat{SampleRate: 48000, Channels: 8},
		&capture.Options{Codec: protocol.CodecPCM, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	in := noise(48000*5, 8, 9)
	if err := r.Write(in); err != nil {
		t.Fatalf("Write(5 s of 8 channels at 48 kHz): %v", err)
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	for _, c := range sink.chunks {
		if len(c.msg) > protocol.MaxChunkMessage {
			t.Errorf("chunk %d is %d bytes, limit %d", c.seq, len(c.msg), protocol.MaxChunkMessage)
		}
	}
	out, _ := openAll(t, k, sink.chunks, "rec-1")
	if !slices.Equal(out, in) {
		t.Error("decrypted 8-channel audio differs from the input")
	}
}

func TestRecorderIntoSpool(t *testing.T) {
	k := newKeys(t)
	sp, err := spool.Open(filepath.Join(t.TempDir(), "spool.db"), &spool.Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()

	r, err := capture.NewRecorder(k.sealer, sp, "rec-1", hal.AudioFormat{SampleRate: 16000, Channels: 2}, &capture.Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	in := noise(16000*11, 2, 4)
	writeInPieces(t, r, in, 2)
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}

	items, err := sp.Pending(0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var chunks []storedChunk
	for _, it := range items {
		chunks = append(chunks, storedChunk{rec: it.RecordingID, seq: it.Seq, msg: it.Payload})
	}
	for i := range chunks {
		// The spool does not return frame numbers, so take them from the headers.
		opened, err := chunkcrypt.Open(k.dec, k.ver, boxID, "rec-1", chunks[i].seq, chunks[i].msg)
		if err != nil {
			t.Fatal(err)
		}
		chunks[i].firstFrame, chunks[i].frames = opened.Header.FirstFrame, opened.Header.Frames
	}
	out, _ := openAll(t, k, chunks, "rec-1")
	if !slices.Equal(out, in) {
		t.Error("audio read back from the spool differs from the input")
	}

	rec, err := sp.Recording("rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if rec.NextChunkSeq != r.Chunks() || rec.Frames != r.Frames() {
		t.Errorf("spool numbering = %d chunks %d frames, recorder = %d chunks %d frames", rec.NextChunkSeq, rec.Frames, r.Chunks(), r.Frames())
	}
}

// countingHandler counts log records by message.
type countingHandler struct {
	counts map[string]int
}

func (h *countingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	h.counts[r.Message]++
	return nil
}
func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }

func TestRecorderRateLimitsStoreWarnings(t *testing.T) {
	k := newKeys(t)
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	logs := &countingHandler{counts: map[string]int{}}
	sink := &memSink{failures: 1 << 30}
	r, err := capture.NewRecorder(k.sealer, sink, "rec-1", hal.AudioFormat{SampleRate: 16000, Channels: 1},
		&capture.Options{ChunkDuration: 100 * time.Millisecond, Now: func() time.Time { return now }, Logger: slog.New(logs)})
	if err != nil {
		t.Fatal(err)
	}

	for range 50 {
		r.Write(make([]int16, 160))
	}
	if got := logs.counts["chunk not stored, kept for retry"]; got != 1 {
		t.Errorf("warnings within 10 s = %d, want 1", got)
	}
	now = now.Add(11 * time.Second)
	r.Write(make([]int16, 160))
	if got := logs.counts["chunk not stored, kept for retry"]; got != 2 {
		t.Errorf("warnings after 11 s = %d, want 2", got)
	}

	sink.failures = 0
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := logs.counts["chunk stored after retries"]; got != 1 {
		t.Errorf("recovery messages = %d, want 1", got)
	}
}

func TestRecorderConcurrentFlushAndWrite(t *testing.T) {
	k := newKeys(t)
	sink := &lockedSink{}
	r, err := capture.NewRecorder(k.sealer, sink, "rec-1", hal.AudioFormat{SampleRate: 16000, Channels: 1},
		&capture.Options{ChunkDuration: 100 * time.Millisecond, Codec: protocol.CodecPCM, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	in := noise(16000, 1, 5)

	done := make(chan error)
	go func() {
		for at := 0; at < len(in); at += 160 {
			if err := r.Write(in[at : at+160]); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 20 {
		if err := r.Flush(); err != nil {
			t.Fatal(err)
		}
		_ = r.Frames() + r.Chunks() + r.StoredFrames()
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := r.Flush(); err != nil {
		t.Fatal(err)
	}

	out, _ := openAll(t, k, sink.chunks, "rec-1")
	if !slices.Equal(out, in) {
		t.Error("audio written while flushing concurrently differs from the input")
	}
}

// lockedSink is a memSink safe for concurrent use.
type lockedSink struct {
	mu sync.Mutex
	memSink
}

func (s *lockedSink) AddChunk(rec string, seq uint64, firstFrame uint64, frames int, msg []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.memSink.AddChunk(rec, seq, firstFrame, frames, msg)
}
