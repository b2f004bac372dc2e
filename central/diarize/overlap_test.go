package diarize

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/central/vad"
)

func TestBuildTurnsNamesSecondSpeaker(t *testing.T) {
	// One speech piece of 400 hops: speaker 0 for 200 hops, then speaker
	// 1 for 200 hops, which are 3.2 s and enough to count as a voice of
	// its own. Speaker 1 is also the second speaker for 20 hops inside
	// speaker 0's turn.
	const n = 400
	labels, second := make([]int, n), make([]int, n)
	for h := range n {
		labels[h], second[h] = 0, -1
		if h >= 200 {
			labels[h] = 1
		}
	}
	for h := 100; h < 120; h++ {
		second[h] = 1
	}
	ranges := []hopRange{{0, n}}
	pieces := []vad.Piece{{Start: hopStart(0), End: hopStart(n)}}

	turns := buildTurns(labels, second, ranges, pieces)

	if len(turns) != 2 {
		t.Fatalf("buildTurns = %d turns, want 2: %+v", len(turns), turns)
	}
	if !turns[0].Overlap {
		t.Error("speaker 0's turn is not marked as overlapped")
	}
	if diff := cmp.Diff([]int{1}, turns[0].Others); diff != "" {
		t.Errorf("Others of speaker 0's turn (-want +got):\n%s", diff)
	}
	if turns[1].Overlap || len(turns[1].Others) != 0 {
		t.Errorf("speaker 1's turn = %+v, want no overlap", turns[1])
	}
}

func TestAssignNamesOverlapSpeakers(t *testing.T) {
	tests := []struct {
		name  string
		turns []Turn
		want  []int
	}{
		{
			name:  "from-spatial-turn",
			turns: []Turn{{Start: 0, End: ms(2000), Speaker: 0, Overlap: true, Others: []int{2}}},
			want:  []int{2},
		},
		{
			name:  "from-covering-turn",
			turns: []Turn{{Start: 0, End: ms(2000), Speaker: 0}, {Start: ms(1200), End: ms(3000), Speaker: 1}},
			want:  []int{1},
		},
		{
			name:  "both-once",
			turns: []Turn{{Start: 0, End: ms(2000), Speaker: 0, Overlap: true, Others: []int{1}}, {Start: ms(1200), End: ms(3000), Speaker: 1}},
			want:  []int{1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seg := store.Segment{Start: 0, End: ms(1800), Words: []store.Word{word("Nej", 0, 600), word("nej", 1000, 1800)}}
			got := Assign([]store.Segment{seg}, Result{Turns: tt.turns})
			if len(got) != 1 {
				t.Fatalf("Assign returned %d rows, want 1: %+v", len(got), got)
			}
			if !got[0].Overlap {
				t.Error("row not marked as overlapped")
			}
			if diff := cmp.Diff(tt.want, got[0].Others); diff != "" {
				t.Errorf("Others (-want +got):\n%s", diff)
			}

			whole := store.Segment{Start: 0, End: ms(1800)}
			rows := Assign([]store.Segment{whole}, Result{Turns: tt.turns})
			if diff := cmp.Diff(tt.want, rows[0].Others); diff != "" {
				t.Errorf("Others of a segment without words (-want +got):\n%s", diff)
			}
		})
	}
}
