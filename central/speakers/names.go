package speakers

import (
	"cmp"
	"slices"
	"time"

	"github.com/ordagrann/ordagrann/central/diarize"
)

// nameMoves decides which speaker of a new diarization inherits the name
// of each speaker of the old one, so that a name the caseworker gave is
// never shown for a different voice. Old and new speakers are paired one
// to one, the pairs that share the most speech time first. A pair keeps
// the name only when the shared time is more than half of the new
// speaker's speech, so the new speaker is mostly the voice that was named.
// An old speaker left without such a pair loses its name, and the new
// speaker shows its label ("Talare 2") until renamed.
//
// The result maps old speaker indices to new ones.
func nameMoves(old, new diarize.Result) map[int]int {
	type pair struct {
		from, to int
		shared   time.Duration
	}
	var pairs []pair
	for from := range old.Speakers {
		for to := range new.Speakers {
			if d := sharedSpeech(old.Turns, from, new.Turns, to); d > 0 {
				pairs = append(pairs, pair{from, to, d})
			}
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := cmp.Compare(b.shared, a.shared); c != 0 {
			return c
		}
		if c := cmp.Compare(a.from, b.from); c != 0 {
			return c
		}
		return cmp.Compare(a.to, b.to)
	})

	speech := map[int]time.Duration{}
	for _, t := range new.Turns {
		speech[t.Speaker] += t.End - t.Start
	}
	moves := map[int]int{}
	taken := map[int]bool{}
	for _, p := range pairs {
		if _, done := moves[p.from]; done || taken[p.to] {
			continue
		}
		if 2*p.shared > speech[p.to] {
			moves[p.from] = p.to
			taken[p.to] = true
		}
	}
	return moves
}

// sharedSpeech returns how long speaker a of turnsA and speaker b of
// turnsB talk at the same time. The turns of one speaker must be sorted
// by start and not overlap each other, as diarize returns them.
func sharedSpeech(turnsA []diarize.Turn, a int, turnsB []diarize.Turn, b int) time.Duration {
	xs, ys := speakerTurns(turnsA, a), speakerTurns(turnsB, b)
	var shared time.Duration
	for i, j := 0, 0; i < len(xs) && j < len(ys); {
		shared += max(0, min(xs[i].End, ys[j].End)-max(xs[i].Start, ys[j].Start))
		if xs[i].End < ys[j].End {
			i++
		} else {
			j++
		}
	}
	return shared
}

func speakerTurns(turns []diarize.Turn, speaker int) []diarize.Turn {
	var out []diarize.Turn
	for _, t := range turns {
		if t.Speaker == speaker {
			out = append(out, t)
		}
	}
	return out
}
