package pipeline

import (
	"context"
	"encoding/binary"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/keys"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// fakeClock is a Clock whose time moves only with Advance.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 12, 4, 14, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: c.now.Add(d), ch: ch})
	return ch
}

// Advance moves the time forward and fires the timers that are due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

// env is a real store (SQLite and Tink keys in a temporary directory) with
// the fake clock.
type env struct {
	dir   string
	keys  *keys.Keys
	clock *fakeClock
	st    *store.Store
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func newEnv(t testing.TB) *env {
	t.Helper()
	dir := t.TempDir()
	k, err := keys.Open(filepath.Join(dir, "keys"), &keys.Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{dir: dir, keys: k, clock: newFakeClock()}
	e.open(t)
	t.Cleanup(func() {
		if e.st != nil {
			e.st.Close()
		}
	})
	return e
}

func (e *env) open(t testing.TB) {
	t.Helper()
	st, err := store.Open(filepath.Join(e.dir, "central.db"), e.keys, &store.Options{Now: e.clock.Now, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	e.st = st
}

// restart closes the store and opens it again, as after a restart of the
// service.
func (e *env) restart(t testing.TB) {
	t.Helper()
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	e.st = nil
	e.open(t)
}

func (e *env) pipeline(t testing.TB, opts Options) *Pipeline {
	t.Helper()
	opts.Clock = e.clock
	opts.Logger = quietLogger()
	p, err := New(e.st, &opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// recording stores a recording box-1/rec as a box sends it.
type recording struct {
	id      string
	format  protocol.AudioFormat
	samples []int16 // interleaved
	chunk   int     // frames per chunk
	sent    int     // chunks stored so far
}

func newRecording(t testing.TB, e *env, id string, channels int, mono []int16) *recording {
	t.Helper()
	return newRecordingAt(t, e, id, 16000, channels, mono)
}

func newRecordingAt(t testing.TB, e *env, id string, rate, channels int, mono []int16) *recording {
	t.Helper()
	r := &recording{
		id:     id,
		format: protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: rate, Channels: channels, Bits: 16},
		chunk:  5 * rate,
	}
	for _, s := range mono {
		for range channels {
			r.samples = append(r.samples, s)
		}
	}

	consent := protocol.Event{V: protocol.Version, Seq: 0, Type: protocol.EventConsent, At: e.clock.Now(),
		Start: &protocol.StartInfo{Format: r.format, BadgeID: "badge-1", Board: "sim", ConsentAsk: e.clock.Now()}}
	if _, err := e.st.PutEvent(context.Background(), "box-1", id, consent); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *recording) frames() int { return len(r.samples) / r.format.Channels }

func (r *recording) chunks() int { return (r.frames() + r.chunk - 1) / r.chunk }

// send stores chunks up to (not including) chunk number upTo.
func (r *recording) send(t testing.TB, st *store.Store, upTo int) {
	t.Helper()
	for ; r.sent < min(upTo, r.chunks()); r.sent++ {
		first := r.sent * r.chunk
		n := min(r.chunk, r.frames()-first)
		pcm := make([]byte, 0, 2*n*r.format.Channels)
		for _, s := range r.samples[first*r.format.Channels : (first+n)*r.format.Channels] {
			pcm = binary.LittleEndian.AppendUint16(pcm, uint16(s))
		}
		h := protocol.ChunkHeader{Format: r.format, FirstFrame: uint64(first), Frames: n, CapturedAt: time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC)}
		if _, err := st.PutChunk(context.Background(), "box-1", r.id, uint64(r.sent), h, pcm); err != nil {
			t.Fatalf("PutChunk(%d) = %v", r.sent, err)
		}
	}
}

// end stores every remaining chunk and the end event.
func (r *recording) end(t testing.TB, st *store.Store) {
	t.Helper()
	r.send(t, st, r.chunks())
	e := protocol.Event{V: protocol.Version, Seq: 1, Type: protocol.EventEnd, At: time.Date(2026, 12, 4, 13, 5, 0, 0, time.UTC),
		Frame: uint64(r.frames()), End: &protocol.EndInfo{Chunks: uint64(r.chunks()), Frames: uint64(r.frames())}}
	if _, err := st.PutEvent(context.Background(), "box-1", r.id, e); err != nil {
		t.Fatal(err)
	}
}

// speechClips returns the Common Voice sv-SE clips (48 kHz mono) resampled
// to 16 kHz. The test is skipped when they are missing.
func speechClips(t testing.TB) [][]int16 {
	t.Helper()
	paths, _ := filepath.Glob("/work/shared/audio/*.wav")
	if len(paths) == 0 {
		t.Skip("no speech clips in /work/shared/audio")
	}
	sort.Strings(paths)

	var clips [][]int16
	for _, p := range paths[:3] {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		samples, rate, channels, err := audio.ReadWAV(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		clips = append(clips, audio.Resample(samples, channels, rate, 16000))
	}
	return clips
}

// meeting joins three clips with 1.5 s of silence before and after each.
// It returns the signal and the frame ranges of the clips.
func meeting(t testing.TB) ([]int16, [][2]uint64) {
	t.Helper()
	gap := make([]int16, 24000)
	out := append([]int16(nil), gap...)
	var spans [][2]uint64
	for _, c := range speechClips(t) {
		start := uint64(len(out))
		out = append(out, c...)
		spans = append(spans, [2]uint64{start, uint64(len(out))})
		out = append(out, gap...)
	}
	return out, spans
}

// recordingStore wraps the real store and reports finished and retried
// jobs on channels, so a test of Run can wait for them.
type recordingStore struct {
	*store.Store
	finished chan int64
	retried  chan int64
}

func (s *recordingStore) FinishJob(ctx context.Context, id int64, segs []store.Segment) error {
	err := s.Store.FinishJob(ctx, id, segs)
	if err == nil {
		s.finished <- id
	}
	return err
}

func (s *recordingStore) RetryJob(ctx context.Context, id int64, next time.Time, reason string) error {
	err := s.Store.RetryJob(ctx, id, next, reason)
	if err == nil {
		s.retried <- id
	}
	return err
}
