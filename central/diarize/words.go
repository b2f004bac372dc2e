package diarize

import (
	"slices"
	"strings"
	"time"

	"github.com/ordagrann/ordagrann/central/store"
)

// Row is one transcript row after splitting engine segments at speaker
// changes. Its Segment holds the row's own start, end, text and words;
// ID, JobID, RecordingID, Engine and the engine's probabilities are those
// of the engine segment it came from, so several rows may share an ID.
type Row struct {
	store.Segment
	// Speaker is an index into Result.Speakers, or -1 when the
	// diarization found no speech at that time.
	Speaker int
	// Overlap is set when another speaker talked during the row.
	Overlap bool
	// Others lists, in increasing order, the other speakers known to have
	// talked during the row. It may be empty while Overlap is set.
	Others []int
}

// overlapShare is the share of a word's time another speaker must cover
// for the word to count as overlapped.
const overlapShare = 0.3

// Assign gives every engine segment a speaker, splitting it wherever its
// words change speaker, so no row mixes two speakers. Each word goes to
// the speaker whose turns cover most of it. A word outside every turn
// takes the speaker of the word before it, or after it at the start of a
// segment. A segment without word timestamps goes whole to the speaker who
// covers most of it. Overlapping speech stays in the row of the main
// speaker, sets Overlap and lists the other speakers in Others.
func Assign(segs []store.Segment, res Result) []Row {
	var rows []Row
	for _, seg := range segs {
		if len(seg.Words) == 0 {
			spk, other, others := dominant(res.Turns, seg.Start, seg.End)
			rows = append(rows, Row{Segment: seg, Speaker: spk, Overlap: other, Others: others})
			continue
		}
		rows = append(rows, splitSegment(seg, res.Turns)...)
	}
	return rows
}

func splitSegment(seg store.Segment, turns []Turn) []Row {
	speakers := make([]int, len(seg.Words))
	overlapped := make([]bool, len(seg.Words))
	others := make([][]int, len(seg.Words))
	for i, w := range seg.Words {
		speakers[i], overlapped[i], others[i] = dominant(turns, w.Start, w.End)
	}
	fillGaps(speakers)

	var rows []Row
	leading := leadingSpaces(seg.Words)
	for a := 0; a < len(seg.Words); {
		b := a
		overlap := false
		var with []int
		for b < len(seg.Words) && speakers[b] == speakers[a] {
			overlap = overlap || overlapped[b]
			for _, o := range others[b] {
				if o != speakers[a] && !slices.Contains(with, o) {
					with = append(with, o)
				}
			}
			b++
		}
		slices.Sort(with)
		words := seg.Words[a:b]
		part := seg
		part.Words = append([]store.Word(nil), words...)
		part.Text = joinWords(words, leading)
		part.Start, part.End = words[0].Start, words[len(words)-1].End
		if a == 0 {
			part.Start = min(seg.Start, part.Start)
		}
		if b == len(seg.Words) {
			part.End = max(seg.End, part.End)
		}
		rows = append(rows, Row{Segment: part, Speaker: speakers[a], Overlap: overlap, Others: with})
		a = b
	}
	return rows
}

// dominant returns the speaker whose turns cover most of [start, end), or
// -1, and whether another speaker or an overlapped turn covers enough of
// it to count as overlapping speech, and which other speakers those are.
// A zero-length span is looked up at its instant.
func dominant(turns []Turn, start, end time.Duration) (int, bool, []int) {
	if end <= start {
		end = start + time.Millisecond
	}
	cover := map[int]time.Duration{}
	turnOverlap := map[int]bool{}
	turnOthers := map[int][]int{}
	for _, t := range turns {
		o := min(end, t.End) - max(start, t.Start)
		if o > 0 {
			cover[t.Speaker] += o
			turnOverlap[t.Speaker] = turnOverlap[t.Speaker] || t.Overlap
			turnOthers[t.Speaker] = append(turnOthers[t.Speaker], t.Others...)
		}
	}
	best := -1
	for spk, c := range cover {
		if best < 0 || c > cover[best] || (c == cover[best] && spk < best) {
			best = spk
		}
	}
	if best < 0 {
		return -1, false, nil
	}
	overlap := turnOverlap[best]
	others := turnOthers[best]
	for spk, c := range cover {
		if spk != best && float64(c) >= overlapShare*float64(end-start) {
			overlap = true
			others = append(others, spk)
		}
	}
	slices.Sort(others)
	return best, overlap, slices.Compact(others)
}

// fillGaps gives words without a speaker the speaker of the word before,
// or of the first word after when none comes before.
func fillGaps(speakers []int) {
	for i := 1; i < len(speakers); i++ {
		if speakers[i] < 0 {
			speakers[i] = speakers[i-1]
		}
	}
	for i := len(speakers) - 2; i >= 0; i-- {
		if speakers[i] < 0 {
			speakers[i] = speakers[i+1]
		}
	}
}

// leadingSpaces reports whether the engine writes each word with its
// leading space, as whisper.cpp does, rather than bare, as the OpenAI API
// does.
func leadingSpaces(words []store.Word) bool {
	for _, w := range words[1:] {
		if strings.HasPrefix(w.Text, " ") {
			return true
		}
	}
	return false
}

func joinWords(words []store.Word, leading bool) string {
	var b strings.Builder
	for i, w := range words {
		if !leading && i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.Text)
	}
	return strings.TrimSpace(b.String())
}
