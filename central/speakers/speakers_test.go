package speakers

import (
	"context"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/diarize"
	"github.com/ordagrann/ordagrann/central/diarize/der"
	"github.com/ordagrann/ordagrann/central/keys"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

const fixture = "../../testdata/diarization/two-2mic-rt025-snr25"

// storeFixture stores the two-speaker 2-mic fixture as a recording of a
// respeaker-2mic box, chunk by chunk; ended reports whether the end event
// is stored too.
func storeFixture(t *testing.T, st *store.Store, rec string, ended bool) int {
	return storeFixtureFacing(t, st, rec, ended, nil)
}

// storeFixtureFacing is storeFixture with the caseworker's direction in the consent event.
func storeFixtureFacing(t *testing.T, st *store.Store, rec string, ended bool, caseworker *float64) int {
	t.Helper()
	b, err := os.ReadFile(fixture + ".flac")
	if err != nil {
		t.Fatal(err)
	}
	samples, rate, channels, err := audio.DecodeFLAC(b)
	if err != nil {
		t.Fatal(err)
	}
	if rate != 16000 || channels != 2 {
		t.Fatalf("fixture is %d Hz with %d channels, want 16000 Hz stereo", rate, channels)
	}
	return storeSamples(t, st, rec, "respeaker-2mic", samples, channels, ended, caseworker)
}

// storeSamples stores interleaved 16 kHz samples as a recording of a box
// with the named board, in chunks of 5 s.
func storeSamples(t *testing.T, st *store.Store, rec, boardName string, samples []int16, channels int, ended bool, caseworker *float64) int {
	t.Helper()
	format := protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: 16000, Channels: channels, Bits: 16}
	ctx := context.Background()
	at := time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC)
	consent := protocol.Event{V: 1, Seq: 0, Type: protocol.EventConsent, At: at,
		Start: &protocol.StartInfo{Format: format, BadgeID: "badge-1", Board: boardName, ConsentAsk: at, CaseworkerDirection: caseworker}}
	if _, err := st.PutEvent(ctx, "box-1", rec, consent); err != nil {
		t.Fatal(err)
	}

	const frames = 5 * 16000
	total := len(samples) / channels
	var seq uint64
	for first := 0; first < total; first += frames {
		n := min(frames, total-first)
		h := protocol.ChunkHeader{Format: format, FirstFrame: uint64(first), Frames: n, CapturedAt: at}
		if _, err := st.PutChunk(ctx, "box-1", rec, seq, h, audio.EncodePCM(samples[first*channels:(first+n)*channels])); err != nil {
			t.Fatal(err)
		}
		seq++
	}
	if ended {
		end := protocol.Event{V: 1, Seq: 1, Type: protocol.EventEnd, At: at.Add(time.Minute), End: &protocol.EndInfo{Chunks: seq, Frames: uint64(total)}}
		if _, err := st.PutEvent(ctx, "box-1", rec, end); err != nil {
			t.Fatal(err)
		}
	}
	return total
}

func openStore(t *testing.T) *store.Store {
	t.Helper()
	dir := t.TempDir()
	k, err := keys.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "central.db"), k, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestFinalPassMatchesReference(t *testing.T) {
	st := openStore(t)
	storeFixture(t, st, "rec-1", true)
	r, err := New(st, &Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rec, err := st.Recording(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	ran, err := r.Process(ctx, rec)
	if err != nil || !ran {
		t.Fatalf("Process = %v, %v, want a final pass", ran, err)
	}
	if ran, _ := r.Process(ctx, rec); ran {
		t.Error("Process ran again after the final pass")
	}

	stored, err := st.Diarization(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Decode(stored.Result)
	if err != nil {
		t.Fatal(err)
	}
	if !stored.Final || !res.Final {
		t.Errorf("stored final = %v, result final = %v, want both true", stored.Final, res.Final)
	}
	if res.Method != diarize.MethodSpatial {
		t.Errorf("method = %d, want spatial: the respeaker-2mic geometry was not used", res.Method)
	}

	f, err := os.Open(fixture + ".rttm")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ref, err := der.ReadRTTM(f)
	if err != nil {
		t.Fatal(err)
	}
	var hyp []der.Turn
	for _, turn := range res.Turns {
		hyp = append(hyp, der.Turn{Speaker: res.Speakers[turn.Speaker].Label, Start: turn.Start.Seconds(), End: turn.End.Seconds()})
	}
	score, err := der.Score(ref, hyp, 0.25)
	if err != nil {
		t.Fatal(err)
	}
	if score.DER() > 0.05 {
		t.Errorf("DER through the store = %.3f, want at most 0.05", score.DER())
	}
}

func TestProvisionalThrottled(t *testing.T) {
	st := openStore(t)
	storeFixture(t, st, "rec-1", false)
	now := time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC)
	r, err := New(st, &Options{Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rec, _ := st.Recording(ctx, "rec-1")

	if ran, err := r.Process(ctx, rec); err != nil || !ran {
		t.Fatalf("first provisional pass = %v, %v", ran, err)
	}
	rec.ContiguousFrames -= 16000 // pretend more audio arrived since: only time holds it back now
	now = now.Add(30 * time.Second)
	if ran, _ := r.Process(ctx, rec); ran {
		t.Error("a second provisional pass ran 30 s after the first, want at most one a minute")
	}
	now = now.Add(time.Minute)
	if ran, err := r.Process(ctx, rec); err != nil || !ran {
		t.Errorf("provisional pass after a minute = %v, %v, want it to run", ran, err)
	}
	stored, err := st.Diarization(ctx, "rec-1")
	if err != nil || stored.Final {
		t.Errorf("stored diarization = final %v, %v, want provisional", stored.Final, err)
	}
}

func TestEncodeVoiceResult(t *testing.T) {
	res := diarize.Result{
		Turns:     []diarize.Turn{{Start: time.Second, End: 2 * time.Second, Speaker: 0}},
		Speakers:  []diarize.Speaker{{Label: "Talare 1", Azimuth: math.NaN(), Speech: time.Second}},
		Method:    diarize.MethodVoice,
		Final:     true,
		Agreement: math.NaN(),
	}
	b, err := Encode(res)
	if err != nil {
		t.Fatalf("Encode of a voice-only result: %v", err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(got.Speakers[0].Azimuth) || !math.IsNaN(got.Agreement) {
		t.Errorf("no-direction values came back as %v and %v, want NaN", got.Speakers[0].Azimuth, got.Agreement)
	}
	if got.Speakers[0].Label != "Talare 1" || got.Turns[0].End != 2*time.Second || got.Method != diarize.MethodVoice {
		t.Errorf("round trip lost data: %+v", got)
	}
	if _, err := Decode([]byte(`{"turns":[{"Start":0,"End":1,"Speaker":3}],"speakers":[]}`)); err == nil {
		t.Error("Decode accepted a turn naming a missing speaker")
	}
}

// TestCaseworkerLabelled: with the caseworker's direction from the box's
// configuration (200 degrees in the fixture's room), the speaker in that
// direction is labelled Handläggare.
func TestCaseworkerLabelled(t *testing.T) {
	st := openStore(t)
	direction := 200.0
	storeFixtureFacing(t, st, "rec-1", true, &direction)
	r, err := New(st, &Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rec, _ := st.Recording(ctx, "rec-1")
	if _, err := r.Process(ctx, rec); err != nil {
		t.Fatal(err)
	}
	stored, err := st.Diarization(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	res, err := Decode(stored.Result)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	caseworkers := 0
	for _, sp := range res.Speakers {
		labels = append(labels, sp.Label)
		if sp.Caseworker {
			caseworkers++
		}
	}
	if caseworkers != 1 || !slices.Contains(labels, diarize.LabelCaseworker) {
		t.Errorf("speaker labels = %v with %d caseworkers, want exactly one %q", labels, caseworkers, diarize.LabelCaseworker)
	}
}
