package speakers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ordagrann/ordagrann/central/diarize"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// storeRealVoices stores the five-speaker Common Voice fixture twice over,
// 62 s of one-channel audio, as a recording of a simulated box. Without
// microphone positions it is diarized by voice, which splits it into any
// fixed count from 1 to 6.
func storeRealVoices(t *testing.T, st *store.Store, rec string) uint64 {
	t.Helper()
	b, err := os.ReadFile("../../testdata/diarization/real-mono.flac")
	if err != nil {
		t.Fatal(err)
	}
	samples, rate, channels, err := audio.DecodeFLAC(b)
	if err != nil {
		t.Fatal(err)
	}
	if rate != 16000 || channels != 1 {
		t.Fatalf("fixture is %d Hz with %d channels, want 16000 Hz mono", rate, channels)
	}
	return uint64(storeSamples(t, st, rec, "sim", slices.Concat(samples, samples), 1, false, nil))
}

// meeting diarizes a recording that grows by step frames between
// provisional passes a minute apart.
type meeting struct {
	t     *testing.T
	st    *store.Store
	r     *Runner
	rec   store.Recording
	total uint64
	now   time.Time
}

func newMeeting(t *testing.T, st *store.Store, id string, total uint64) *meeting {
	t.Helper()
	m := &meeting{t: t, st: st, total: total, now: time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC)}
	var err error
	m.r, err = New(st, &Options{Now: func() time.Time { return m.now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if m.rec, err = st.Recording(context.Background(), id); err != nil {
		t.Fatal(err)
	}
	m.rec.ContiguousFrames = 0
	return m
}

// grow adds step frames, runs the provisional pass and returns the stored result.
func (m *meeting) grow(step uint64) diarize.Result {
	m.t.Helper()
	m.rec.ContiguousFrames = min(m.total, m.rec.ContiguousFrames+step)
	if ran, err := m.r.Process(context.Background(), m.rec); err != nil || !ran {
		m.t.Fatalf("provisional pass at frame %d = %v, %v, want a pass", m.rec.ContiguousFrames, ran, err)
	}
	m.now = m.now.Add(time.Minute)
	return storedResult(m.t, m.st, m.rec.ID)
}

// finish runs the final pass over all audio and returns the stored result.
func (m *meeting) finish() diarize.Result {
	m.t.Helper()
	m.rec.ContiguousFrames, m.rec.Complete = m.total, true
	if ran, err := m.r.Process(context.Background(), m.rec); err != nil || !ran {
		m.t.Fatalf("final pass = %v, %v, want a pass", ran, err)
	}
	res := storedResult(m.t, m.st, m.rec.ID)
	if !res.Final {
		m.t.Error("stored result after the final pass is not final")
	}
	return res
}

// speaking returns the number of speakers with speech in res.
func speaking(res diarize.Result) int {
	n := 0
	for _, sp := range res.Speakers {
		if sp.Speech > 0 {
			n++
		}
	}
	return n
}

func TestCountSetDuringMeeting(t *testing.T) {
	for fixed := 1; fixed <= store.MaxSpeakerCount; fixed++ {
		t.Run(fmt.Sprint(fixed), func(t *testing.T) {
			st := openStore(t)
			m := newMeeting(t, st, "rec-1", storeRealVoices(t, st, "rec-1"))
			const step = 5 * 16000

			m.grow(step)
			if err := st.SetSpeakerCount(context.Background(), "rec-1", fixed); err != nil {
				t.Fatal(err)
			}
			var last diarize.Result
			for m.rec.ContiguousFrames < m.total {
				last = m.grow(step)
				if got := len(last.Speakers); got > fixed {
					t.Errorf("provisional pass at frame %d stored %d speakers, want at most the fixed %d", m.rec.ContiguousFrames, got, fixed)
				}
			}
			if got := len(last.Speakers); got != fixed {
				t.Errorf("last provisional pass stored %d speakers, want the fixed %d", got, fixed)
			}

			final := m.finish()
			if got := len(final.Speakers); got != fixed {
				t.Errorf("final pass stored %d speakers, want the fixed %d", got, fixed)
			}
			if got := speaking(final); got != fixed {
				t.Errorf("final pass stored %d speakers with speech, want all %d", got, fixed)
			}
		})
	}
}

// With two voices in two directions, the spatial method finds at most
// two speakers, whatever larger count is fixed.
func TestCountAboveDirectionsHeard(t *testing.T) {
	for _, tt := range []struct{ fixed, want int }{{1, 1}, {2, 2}, {3, 2}, {6, 2}} {
		t.Run(fmt.Sprint(tt.fixed), func(t *testing.T) {
			st := openStore(t)
			m := newMeeting(t, st, "rec-1", uint64(storeFixture(t, st, "rec-1", false)))
			m.grow(3 * 16000)
			if err := st.SetSpeakerCount(context.Background(), "rec-1", tt.fixed); err != nil {
				t.Fatal(err)
			}
			for m.rec.ContiguousFrames < m.total {
				if got := len(m.grow(3 * 16000).Speakers); got > tt.fixed {
					t.Errorf("provisional pass at frame %d stored %d speakers, want at most the fixed %d", m.rec.ContiguousFrames, got, tt.fixed)
				}
			}
			final := m.finish()
			if got := len(final.Speakers); got != tt.want {
				t.Errorf("final pass stored %d speakers, want %d", got, tt.want)
			}
			if final.Method != diarize.MethodSpatial {
				t.Errorf("final pass method = %v, want spatial", final.Method)
			}
		})
	}
}

func TestRapidCountChangesLastWins(t *testing.T) {
	st := openStore(t)
	m := newMeeting(t, st, "rec-1", storeRealVoices(t, st, "rec-1"))
	ctx := context.Background()
	const step = 10 * 16000
	m.grow(step)

	// Three changes between two passes: only the last is diarized.
	for _, n := range []int{5, 1, 4} {
		if err := st.SetSpeakerCount(ctx, "rec-1", n); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(m.grow(step).Speakers); got > 4 {
		t.Errorf("pass after three quick changes stored %d speakers, want at most the last count 4", got)
	}
	if c, _ := st.SpeakerCount(ctx, "rec-1"); c.Pending {
		t.Error("speaker count still pending after a pass with the last count")
	}

	// Two more changes, the pass running only after both, then the stop.
	for _, n := range []int{6, 3} {
		if err := st.SetSpeakerCount(ctx, "rec-1", n); err != nil {
			t.Fatal(err)
		}
	}
	for m.rec.ContiguousFrames < m.total {
		if got := len(m.grow(step).Speakers); got > 3 {
			t.Errorf("provisional pass at frame %d stored %d speakers, want at most the last count 3", m.rec.ContiguousFrames, got)
		}
	}
	if got := len(m.finish().Speakers); got != 3 {
		t.Errorf("final pass stored %d speakers, want the last count 3", got)
	}
}

// racingStore changes the speaker count while a pass reads audio, once.
type racingStore struct {
	*store.Store
	t     *testing.T
	count int // set on the next ReadAudio when not 0
}

func (r *racingStore) ReadAudio(ctx context.Context, rec string, from, to uint64) ([]int16, protocol.AudioFormat, error) {
	if r.count != 0 {
		if err := r.Store.SetSpeakerCount(ctx, rec, r.count); err != nil {
			r.t.Fatal(err)
		}
		r.count = 0
	}
	return r.Store.ReadAudio(ctx, rec, from, to)
}

func TestCountChangedDuringFinalPass(t *testing.T) {
	st := &racingStore{Store: openStore(t), t: t}
	total := storeRealVoices(t, st.Store, "rec-1")
	r, err := New(st, &Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rec, err := st.Recording(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetSpeakerCount(ctx, "rec-1", 2); err != nil {
		t.Fatal(err)
	}

	// The count changes to 4 while the final pass with 2 reads the audio.
	st.count = 4
	rec.ContiguousFrames, rec.Complete = total, true
	if ran, err := r.Process(ctx, rec); err != nil || !ran {
		t.Fatalf("final pass = %v, %v, want a pass", ran, err)
	}
	if got := len(storedResult(t, st.Store, "rec-1").Speakers); got != 2 {
		t.Errorf("final pass stored %d speakers, want the 2 it started with", got)
	}
	if c, _ := st.SpeakerCount(ctx, "rec-1"); !c.Pending || c.Speakers != 4 {
		t.Errorf("speaker count after the racing change = %d, pending %v, want 4, pending", c.Speakers, c.Pending)
	}

	if ran, err := r.Process(ctx, rec); err != nil || !ran {
		t.Fatalf("pass after the racing change = %v, %v, want a pass", ran, err)
	}
	res := storedResult(t, st.Store, "rec-1")
	if got := len(res.Speakers); got != 4 || !res.Final {
		t.Errorf("pass after the racing change stored %d speakers, final %v, want 4, final", got, res.Final)
	}
	if c, _ := st.SpeakerCount(ctx, "rec-1"); c.Pending {
		t.Error("speaker count still pending after the pass with it")
	}
}

// deletingStore deletes the recording while a pass reads its audio, as a
// caseworker's delete racing a re-run does, or fails the read with fail.
type deletingStore struct {
	*store.Store
	t    *testing.T
	fail error
}

func (d *deletingStore) ReadAudio(ctx context.Context, rec string, from, to uint64) ([]int16, protocol.AudioFormat, error) {
	if d.fail != nil {
		return nil, protocol.AudioFormat{}, d.fail
	}
	samples, format, err := d.Store.ReadAudio(ctx, rec, from, to)
	if err := d.Store.DeleteRecording(ctx, rec, "deleted by the caseworker"); err != nil {
		d.t.Fatal(err)
	}
	return samples, format, err
}

// failureLevels returns the level of every "diarization …" record in
// the JSON log lines of buf, by message.
func failureLevels(t *testing.T, buf *bytes.Buffer) map[string]string {
	t.Helper()
	levels := map[string]string{}
	for line := range strings.Lines(buf.String()) {
		var rec struct{ Level, Msg string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if strings.HasPrefix(rec.Msg, "diarization") {
			levels[rec.Msg] = rec.Level
		}
	}
	return levels
}

func TestDeleteDuringPassLoggedAsInfo(t *testing.T) {
	tests := []struct {
		name string
		fail error
		want map[string]string
	}{
		{"deleted", nil, map[string]string{"diarization stopped, recording deleted": "INFO"}},
		{"read failed", errors.New("disk I/O error"), map[string]string{"diarization failed": "ERROR"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &deletingStore{Store: openStore(t), t: t, fail: tt.fail}
			storeFixture(t, st.Store, "rec-1", true)
			var buf bytes.Buffer
			r, err := New(st, &Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil))})
			if err != nil {
				t.Fatal(err)
			}
			r.Rediarize("rec-1")
			r.passNotified(context.Background())
			if diff := cmp.Diff(tt.want, failureLevels(t, &buf)); diff != "" {
				t.Errorf("diarization log levels (-want +got):\n%s", diff)
			}
		})
	}
}
