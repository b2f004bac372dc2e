package speakers

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/diarize"
	"github.com/ordagrann/ordagrann/central/store"
)

// result builds a diarization from turns given as [start s, end s, speaker].
func result(turns ...[3]int) diarize.Result {
	var res diarize.Result
	n := 0
	for _, t := range turns {
		res.Turns = append(res.Turns, diarize.Turn{Start: time.Duration(t[0]) * time.Second, End: time.Duration(t[1]) * time.Second, Speaker: t[2]})
		n = max(n, t[2]+1)
	}
	res.Speakers = make([]diarize.Speaker, n)
	return res
}

func TestNameMoves(t *testing.T) {
	tests := []struct {
		name     string
		old, new diarize.Result
		want     map[int]int
	}{
		{
			name: "same-speakers-new-indices",
			old:  result([3]int{0, 10, 0}, [3]int{10, 20, 1}),
			new:  result([3]int{0, 10, 1}, [3]int{10, 20, 0}),
			want: map[int]int{0: 1, 1: 0},
		},
		{
			// The old speaker was two voices: its name stays with the
			// new speaker that is wholly within it and speaks most.
			name: "split",
			old:  result([3]int{0, 30, 0}),
			new:  result([3]int{0, 20, 0}, [3]int{20, 30, 1}),
			want: map[int]int{0: 0},
		},
		{
			// Two old speakers merged: the new speaker is mostly old
			// speaker 1, so it keeps that name and speaker 0's goes.
			name: "merge",
			old:  result([3]int{0, 10, 0}, [3]int{10, 30, 1}),
			new:  result([3]int{0, 30, 0}),
			want: map[int]int{1: 0},
		},
		{
			// Merged evenly: neither old voice is more than half of the
			// new speaker, so no name is kept.
			name: "even-merge",
			old:  result([3]int{0, 10, 0}, [3]int{10, 20, 1}),
			new:  result([3]int{0, 20, 0}),
			want: map[int]int{},
		},
		{
			name: "no-shared-time",
			old:  result([3]int{0, 10, 0}),
			new:  result([3]int{20, 30, 0}),
			want: map[int]int{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, nameMoves(tt.old, tt.new)); diff != "" {
				t.Errorf("nameMoves (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSpeakerCountRediarizes(t *testing.T) {
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
	if _, err := r.Process(ctx, rec); err != nil {
		t.Fatal(err)
	}
	first := storedResult(t, st, "rec-1")
	if len(first.Speakers) != 2 {
		t.Fatalf("estimated %d speakers in the two-speaker fixture, want 2", len(first.Speakers))
	}
	if err := st.SetSpeakerName(ctx, "rec-1", 0, "Anna"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetSpeakerName(ctx, "rec-1", 1, "Bo"); err != nil {
		t.Fatal(err)
	}

	// One speaker: both voices in one, so at most one name survives.
	if err := st.SetSpeakerCount(ctx, "rec-1", 1); err != nil {
		t.Fatal(err)
	}
	r.Rediarize("rec-1")
	if ran, err := r.Process(ctx, rec); err != nil || !ran {
		t.Fatalf("Process after a new speaker count = %v, %v, want a pass", ran, err)
	}
	one := storedResult(t, st, "rec-1")
	if len(one.Speakers) != 1 || !one.Final {
		t.Errorf("re-run with 1 speaker stored %d speakers, final %v, want 1, true", len(one.Speakers), one.Final)
	}
	d, err := st.Diarization(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	before, err := Decode(d.Provisional)
	if err != nil {
		t.Fatal(err)
	}
	if len(before.Speakers) != 2 {
		t.Errorf("the result before the re-run has %d speakers, want the earlier 2", len(before.Speakers))
	}
	names, err := st.SpeakerNames(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(nameMoves(first, one), namesMoved(map[int]string{0: "Anna", 1: "Bo"}, names)); diff != "" {
		t.Errorf("names after the re-run do not follow nameMoves (-want +got):\n%s", diff)
	}
	if len(names) > 1 {
		t.Errorf("names after merging into one speaker = %v, want at most one", names)
	}
	if c, _ := st.SpeakerCount(ctx, "rec-1"); c.Pending {
		t.Error("speaker count still pending after the re-run")
	}
	if ran, _ := r.Process(ctx, rec); ran {
		t.Error("Process ran again with no new speaker count")
	}

	// Back to two: the voices separate again.
	if err := st.SetSpeakerCount(ctx, "rec-1", 2); err != nil {
		t.Fatal(err)
	}
	if ran, err := r.Process(ctx, rec); err != nil || !ran {
		t.Fatalf("Process after a second count = %v, %v, want a pass", ran, err)
	}
	if two := storedResult(t, st, "rec-1"); len(two.Speakers) != 2 {
		t.Errorf("re-run with 2 speakers stored %d speakers", len(two.Speakers))
	}
}

// namesMoved returns which old index each name in after came from.
func namesMoved(before, after map[int]string) map[int]int {
	moved := map[int]int{}
	for to, name := range after {
		for from, old := range before {
			if old == name {
				moved[from] = to
			}
		}
	}
	return moved
}

func storedResult(t *testing.T, st *store.Store, rec string) diarize.Result {
	t.Helper()
	d, err := st.Diarization(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	res, err := Decode(d.Result)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestDecodeOverlapSpeakers(t *testing.T) {
	res := result([3]int{0, 10, 0}, [3]int{10, 20, 1})
	res.Turns[0].Overlap, res.Turns[0].Others = true, []int{1}
	b, err := Encode(res)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1}, got.Turns[0].Others); diff != "" {
		t.Errorf("Others after a round trip (-want +got):\n%s", diff)
	}
	if _, err := Decode([]byte(`{"turns":[{"Start":0,"End":1,"Speaker":0,"Others":[5]}],"speakers":[{"label":"Talare 1"}]}`)); err == nil {
		t.Error("Decode accepted a turn overlapping a missing speaker")
	}
}

func TestPendingCountFoundAfterRestart(t *testing.T) {
	st := openStore(t)
	storeFixture(t, st, "rec-done", true)
	storeFixture(t, st, "rec-live", false)
	ctx := context.Background()
	for _, id := range []string{"rec-done", "rec-live"} {
		if err := st.SetSpeakerCount(ctx, id, 1); err != nil {
			t.Fatal(err)
		}
	}

	// A new Runner, as after a restart, was never told about the counts.
	r, err := New(st, &Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	r.passComplete(ctx)

	for _, id := range []string{"rec-done", "rec-live"} {
		if c, _ := st.SpeakerCount(ctx, id); c.Pending {
			t.Errorf("%s: speaker count still pending after the poll", id)
		}
		if res := storedResult(t, st, id); len(res.Speakers) != 1 {
			t.Errorf("%s: stored %d speakers, want the fixed 1", id, len(res.Speakers))
		}
	}
}
