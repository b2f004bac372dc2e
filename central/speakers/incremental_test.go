package speakers

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/diarize"
	"github.com/ordagrann/ordagrann/central/diarize/der"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// countingStore counts the frames each ReadAudio call returns.
type countingStore struct {
	*store.Store
	mu    sync.Mutex
	reads []uint64
}

func (c *countingStore) ReadAudio(ctx context.Context, rec string, from, to uint64) ([]int16, protocol.AudioFormat, error) {
	samples, format, err := c.Store.ReadAudio(ctx, rec, from, to)
	c.mu.Lock()
	c.reads = append(c.reads, uint64(len(samples)/max(format.Channels, 1)))
	c.mu.Unlock()
	return samples, format, err
}

// take returns the frames read since the last call.
func (c *countingStore) take() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	var n uint64
	for _, r := range c.reads {
		n += r
	}
	c.reads = nil
	return n
}

// maxProvisionalDER bounds the diarization error rate of the kept
// session's provisional result, scored against a full pass over the same
// audio as the reference.
const maxProvisionalDER = 0.05

func TestProvisionalReadsOnlyNewAudio(t *testing.T) {
	st := &countingStore{Store: openStore(t)}
	total := uint64(storeFixture(t, st.Store, "rec-1", false))
	now := time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	r, err := New(st, &Options{Now: func() time.Time { return now }, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rec, err := st.Recording(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}

	// The recording grows by 5 s between passes, a minute apart.
	const step = 5 * 16000
	var frames uint64
	for frames < total {
		next := min(total, frames+step)
		rec.ContiguousFrames = next
		if ran, err := r.Process(ctx, rec); err != nil || !ran {
			t.Fatalf("provisional pass at frame %d = %v, %v, want a pass", next, ran, err)
		}
		if got, want := st.take(), next-frames; got != want {
			t.Errorf("pass at frame %d read %d frames, want only the %d new ones", next, got, want)
		}
		frames = next
		now = now.Add(time.Minute)
	}
	stored, err := st.Diarization(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	kept, err := Decode(stored.Result)
	if err != nil {
		t.Fatal(err)
	}

	// After a restart the state is gone, so the pass reads everything
	// again: that is the full pass the kept session is compared with.
	restarted, err := New(st, &Options{Now: func() time.Time { return now }, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	if ran, err := restarted.Process(ctx, rec); err != nil || !ran {
		t.Fatalf("pass after a restart = %v, %v, want a pass", ran, err)
	}
	if got := st.take(); got != total {
		t.Errorf("pass after a restart read %d frames, want all %d", got, total)
	}
	stored, err = st.Diarization(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	full, err := Decode(stored.Result)
	if err != nil {
		t.Fatal(err)
	}
	if got := diarizationError(t, full, kept); got > maxProvisionalDER {
		t.Errorf("DER of the kept session's result against a full pass = %.3f, want at most %.2f", got, maxProvisionalDER)
	}
}

func TestEvictedStateReadsAllAudio(t *testing.T) {
	st := &countingStore{Store: openStore(t)}
	total := uint64(storeFixture(t, st.Store, "rec-1", false))
	storeFixture(t, st.Store, "rec-2", false)
	now := time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC)
	// The state of 22 s of 2-channel audio is about 360 kB, so 400 kB
	// hold two half recordings but not a whole one and a half.
	r, err := New(st, &Options{Now: func() time.Time { return now }, SessionMemory: 400_000, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	process := func(id string, frames uint64) uint64 {
		t.Helper()
		rec, err := st.Recording(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		rec.ContiguousFrames = frames
		if ran, err := r.Process(ctx, rec); err != nil || !ran {
			t.Fatalf("pass of %s at frame %d = %v, %v, want a pass", id, frames, ran, err)
		}
		return st.take()
	}
	half := total / 2
	process("rec-1", half)
	process("rec-2", half)
	now = now.Add(time.Minute)
	if got := process("rec-2", total); got != total-half {
		t.Errorf("rec-2, kept, read %d frames, want %d", got, total-half)
	}
	if got := process("rec-1", total); got != total {
		t.Errorf("rec-1, evicted, read %d frames, want all %d", got, total)
	}
}

// diarizationError scores hyp against ref as the reference.
func diarizationError(t *testing.T, ref, hyp diarize.Result) float64 {
	t.Helper()
	turns := func(res diarize.Result) []der.Turn {
		var out []der.Turn
		for _, turn := range res.Turns {
			out = append(out, der.Turn{Speaker: res.Speakers[turn.Speaker].Label, Start: turn.Start.Seconds(), End: turn.End.Seconds()})
		}
		return out
	}
	score, err := der.Score(turns(ref), turns(hyp), 0.25)
	if err != nil {
		t.Fatal(err)
	}
	return score.DER()
}

func TestFinalPassWithoutNewAudio(t *testing.T) {
	st := &countingStore{Store: openStore(t)}
	total := uint64(storeFixture(t, st.Store, "rec-1", false))
	r, err := New(st, &Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rec, err := st.Recording(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if ran, err := r.Process(ctx, rec); err != nil || !ran {
		t.Fatalf("provisional pass = %v, %v, want a pass", ran, err)
	}
	st.take()

	// The end event arrives after the last audio, so the kept session
	// already holds every frame when the recording completes.
	rec.Complete = true
	if ran, err := r.Process(ctx, rec); err != nil || !ran {
		t.Fatalf("final pass = %v, %v, want a pass", ran, err)
	}
	if got := st.take(); got != 0 {
		t.Errorf("final pass read %d frames, want none: the session held all %d", got, total)
	}
	if res := storedResult(t, st.Store, "rec-1"); !res.Final || len(res.Speakers) != 2 {
		t.Errorf("stored result after the final pass = final %v with %d speakers, want final with 2", res.Final, len(res.Speakers))
	}
}
