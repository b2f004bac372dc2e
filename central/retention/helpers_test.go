package retention

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/keys"
	"github.com/ordagrann/ordagrann/central/retention/schedule"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// clock is a settable clock shared by the store, the access log and the wiper.
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

// timer hands the run loop's waits to the test: each call to After sends
// the requested duration on waits and returns fire.
type timer struct {
	waits chan time.Duration
	fire  chan time.Time
}

func newTimer() *timer {
	return &timer{waits: make(chan time.Duration, 1), fire: make(chan time.Time)}
}

func (tm *timer) After(d time.Duration) <-chan time.Time {
	tm.waits <- d
	return tm.fire
}

// nextWait returns the duration of the loop's next wait, which it requests
// only after a run has finished.
func (tm *timer) nextWait(t testing.TB) time.Duration {
	t.Helper()
	select {
	case d := <-tm.waits:
		return d
	case <-time.After(10 * time.Second):
		t.Fatal("run loop did not wait within 10s")
		return 0
	}
}

// env is a store, an access log and a wiper on real SQLite files and real
// Tink keys in a temporary directory.
type env struct {
	dir    string
	clock  *clock
	timer  *timer
	keys   *keys.Keys
	st     *store.Store
	audit  *audit.Log
	wiper  *Wiper
	sched  schedule.Schedule
	dbPath string
}

func newEnv(t testing.TB, sched schedule.Schedule, start time.Time) *env {
	t.Helper()
	e := &env{dir: t.TempDir(), clock: &clock{t: start}, timer: newTimer(), sched: sched}
	quiet := slog.New(slog.DiscardHandler)
	var err error
	e.keys, err = keys.Open(filepath.Join(e.dir, "keys"), &keys.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	e.dbPath = filepath.Join(e.dir, "central.db")
	e.st, err = store.Open(e.dbPath, e.keys, &store.Options{Now: e.clock.Now, Logger: quiet, PeriodOf: sched.PeriodOf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.Close() })
	e.audit, err = audit.Open(filepath.Join(e.dir, "audit.db"), filepath.Join(e.dir, "keys"), &audit.Options{Now: e.clock.Now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.audit.Close() })
	e.wiper, err = New(e.st, &Options{
		Schedule: &sched, Audit: e.audit, Now: e.clock.Now, After: e.timer.After,
		MaxWait: 60 * 24 * time.Hour, Logger: quiet,
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var pcmMono = protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: 16000, Channels: 1, Bits: 16}

// audioOf returns PCM audio whose bytes spell a marker for rec over and over.
func audioOf(rec string, frames int) []byte {
	marker := "AUDIO-" + strings.ToUpper(rec) + "-"
	return []byte(strings.Repeat(marker, 2*frames/len(marker)+1)[:2*frames])
}

// transcriptOf returns a transcript line that appears nowhere else.
func transcriptOf(rec string) string {
	return "Klienten berättade om XYLOFON-" + strings.ToUpper(rec) + " och sin ekonomi"
}

type recOpts struct {
	box        string
	chunks     int
	transcript bool // store a transcribed segment
	pendingJob bool // leave a transcription job unfinished
	end        bool
}

// record creates recording rec with consent at start, as a box and the
// pipeline would, and leaves the clock at start.
func (e *env) record(t testing.TB, rec string, start time.Time, o recOpts) {
	t.Helper()
	ctx := context.Background()
	if o.box == "" {
		o.box = "rum-12"
	}
	if o.chunks == 0 {
		o.chunks = 2
	}
	e.clock.Set(start)

	consent := protocol.Event{V: protocol.Version, Seq: 0, Type: protocol.EventConsent, At: start,
		Start: &protocol.StartInfo{Format: pcmMono, BadgeID: "badge-7", Board: "sim", ConsentAsk: start.Add(-5 * time.Second)}}
	if _, err := e.st.PutEvent(ctx, o.box, rec, consent); err != nil {
		t.Fatalf("PutEvent(consent, %s) = %v", rec, err)
	}
	const frames = 1600
	for i := 0; i < o.chunks; i++ {
		h := protocol.ChunkHeader{Format: pcmMono, FirstFrame: uint64(i * frames), Frames: frames, CapturedAt: start.Add(time.Duration(i) * 100 * time.Millisecond)}
		if _, err := e.st.PutChunk(ctx, o.box, rec, uint64(i), h, audioOf(rec, frames)); err != nil {
			t.Fatalf("PutChunk(%s, %d) = %v", rec, i, err)
		}
	}
	total := uint64(o.chunks * frames)
	if o.transcript || o.pendingJob {
		job, err := e.st.AddJob(ctx, rec, 0, total, total)
		if err != nil {
			t.Fatalf("AddJob(%s) = %v", rec, err)
		}
		if o.transcript {
			seg := store.Segment{Start: 0, End: time.Second, Text: transcriptOf(rec), Engine: "whisper-server"}
			if err := e.st.FinishJob(ctx, job.ID, []store.Segment{seg}); err != nil {
				t.Fatalf("FinishJob(%s) = %v", rec, err)
			}
		}
	}
	if o.end {
		end := protocol.Event{V: protocol.Version, Seq: 1, Type: protocol.EventEnd, At: start.Add(time.Minute),
			End: &protocol.EndInfo{Chunks: uint64(o.chunks), Frames: total}}
		if _, err := e.st.PutEvent(ctx, o.box, rec, end); err != nil {
			t.Fatalf("PutEvent(end, %s) = %v", rec, err)
		}
	}
}

// heldIDs returns the ids of the recordings the store still holds.
func (e *env) heldIDs(t testing.TB) []string {
	t.Helper()
	held, err := e.st.HeldRecordings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, h := range held {
		ids = append(ids, h.ID)
	}
	return ids
}

// wipeEntries returns the wipe entries of the access log.
func (e *env) wipeEntries(t testing.TB) []audit.Entry {
	t.Helper()
	got, err := e.audit.Query(context.Background(), audit.Filter{Actions: []audit.Action{audit.ActionWipe}})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
