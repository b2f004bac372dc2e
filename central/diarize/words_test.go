package diarize

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ordagrann/ordagrann/central/store"
)

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

func word(text string, start, end int) store.Word {
	return store.Word{Text: text, Start: ms(start), End: ms(end), Probability: 0.9}
}

func TestAssignSplitsAtSpeakerChange(t *testing.T) {
	res := Result{Turns: []Turn{
		{Start: ms(0), End: ms(1500), Speaker: 0},
		{Start: ms(1600), End: ms(3000), Speaker: 1},
	}}
	seg := store.Segment{ID: 7, JobID: 3, Start: ms(100), End: ms(2900), Text: " Hej hej. Ja tack.", Engine: "whisper-server",
		Words: []store.Word{word(" Hej", 100, 500), word(" hej.", 600, 1400), word(" Ja", 1700, 2000), word(" tack.", 2100, 2900)}}

	got := Assign([]store.Segment{seg}, res)

	want := []Row{
		{Segment: store.Segment{ID: 7, JobID: 3, Start: ms(100), End: ms(1400), Text: "Hej hej.", Engine: "whisper-server",
			Words: []store.Word{word(" Hej", 100, 500), word(" hej.", 600, 1400)}}, Speaker: 0},
		{Segment: store.Segment{ID: 7, JobID: 3, Start: ms(1700), End: ms(2900), Text: "Ja tack.", Engine: "whisper-server",
			Words: []store.Word{word(" Ja", 1700, 2000), word(" tack.", 2100, 2900)}}, Speaker: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Assign mismatch (-want +got):\n%s", diff)
	}
}

func TestAssignJoinsBareWords(t *testing.T) {
	res := Result{Turns: []Turn{{Start: 0, End: ms(5000), Speaker: 2}}}
	seg := store.Segment{Start: 0, End: ms(1000), Text: "Vi ses.", Words: []store.Word{word("Vi", 0, 400), word("ses.", 500, 1000)}}

	got := Assign([]store.Segment{seg}, res)
	if len(got) != 1 {
		t.Fatalf("Assign returned %d rows, want 1", len(got))
	}
	if got[0].Text != "Vi ses." {
		t.Errorf("Assign text = %q, want %q", got[0].Text, "Vi ses.")
	}
	if got[0].Speaker != 2 {
		t.Errorf("Assign speaker = %d, want 2", got[0].Speaker)
	}
}

func TestAssignWithoutWordsTakesMajority(t *testing.T) {
	res := Result{Turns: []Turn{
		{Start: 0, End: ms(1000), Speaker: 0},
		{Start: ms(1000), End: ms(4000), Speaker: 1},
	}}
	seg := store.Segment{Start: ms(500), End: ms(4000), Text: "Något"}

	got := Assign([]store.Segment{seg}, res)
	if len(got) != 1 {
		t.Fatalf("Assign returned %d rows, want 1", len(got))
	}
	if got[0].Speaker != 1 {
		t.Errorf("Assign speaker = %d, want 1", got[0].Speaker)
	}
	if got[0].Overlap {
		t.Error("Assign marked overlap for consecutive turns covering 14% and 86%")
	}
}

func TestAssignMarksOverlap(t *testing.T) {
	// Speaker 1 starts talking during speaker 0's second "nej".
	res := Result{Turns: []Turn{
		{Start: 0, End: ms(2000), Speaker: 0},
		{Start: ms(1200), End: ms(3000), Speaker: 1},
	}}
	seg := store.Segment{Start: 0, End: ms(1800), Words: []store.Word{word("Nej", 0, 600), word("nej", 1000, 1800)}}

	got := Assign([]store.Segment{seg}, res)
	if len(got) != 1 {
		t.Fatalf("Assign returned %d rows, want 1: %+v", len(got), got)
	}
	if got[0].Speaker != 0 {
		t.Errorf("Assign speaker = %d, want 0", got[0].Speaker)
	}
	if !got[0].Overlap {
		t.Error("Assign did not mark overlap for a word half covered by another speaker")
	}
}

func TestAssignWordOutsideTurns(t *testing.T) {
	res := Result{Turns: []Turn{{Start: ms(1000), End: ms(2000), Speaker: 4}}}
	seg := store.Segment{Start: 0, End: ms(2000), Words: []store.Word{word("Eh", 0, 300), word("ja", 1100, 1500), word("nu", 2100, 2300)}}

	got := Assign([]store.Segment{seg}, res)
	if len(got) != 1 {
		t.Fatalf("Assign returned %d rows, want 1: %+v", len(got), got)
	}
	if got[0].Speaker != 4 {
		t.Errorf("Assign speaker = %d, want 4", got[0].Speaker)
	}
	if got[0].End != ms(2300) {
		t.Errorf("Assign end = %v, want 2.3s", got[0].End)
	}
}

func TestAssignNoSpeech(t *testing.T) {
	got := Assign([]store.Segment{{Start: 0, End: ms(500), Words: []store.Word{word("hm", 0, 500)}}}, Result{})
	if len(got) != 1 || got[0].Speaker != -1 {
		t.Errorf("Assign without turns = %+v, want one row with speaker -1", got)
	}
}
