// Package der scores speaker diarization with the diarization error rate
// (DER) as NIST's md-eval defines it, and reads and writes the RTTM files
// that hold reference and hypothesis speaker turns. The evaluation tools
// under scripts/ and the diarize tests import it.
package der

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Turn is a stretch of time in which one speaker talks, in seconds from the
// start of the recording. Turns of different speakers may overlap.
type Turn struct {
	Speaker    string
	Start, End float64
}

// Result holds the error times of one scoring run, in seconds.
type Result struct {
	// Scored is the reference speech time outside the collars, counting
	// overlapped speech once per speaker.
	Scored     float64
	Missed     float64
	FalseAlarm float64
	Confusion  float64
	// Mapping maps each hypothesis speaker to the reference speaker it was
	// matched with. Unmatched hypothesis speakers are absent.
	Mapping map[string]string
}

// DER returns the diarization error rate, (missed + false alarm +
// confusion) / scored, or 0 when nothing is scored.
func (r Result) DER() float64 {
	if r.Scored == 0 {
		return 0
	}
	return (r.Missed + r.FalseAlarm + r.Confusion) / r.Scored
}

// Add returns the sum of two results, so that a set of recordings can be
// scored as one. The mappings are not merged.
func (r Result) Add(o Result) Result {
	return Result{
		Scored:     r.Scored + o.Scored,
		Missed:     r.Missed + o.Missed,
		FalseAlarm: r.FalseAlarm + o.FalseAlarm,
		Confusion:  r.Confusion + o.Confusion,
	}
}

// maxSpeakers bounds the number of hypothesis speakers, because the optimal
// mapping is found by dynamic programming over subsets of them.
const maxSpeakers = 12

// Score compares hypothesis turns with reference turns. Time within collar
// seconds of any reference turn's start or end is not scored, as md-eval
// does with its -c option (0.25 s is the usual collar). The speaker mapping
// is the one-to-one mapping that maximises the time in which mapped speakers
// talk together.
func Score(ref, hyp []Turn, collar float64) (Result, error) {
	if err := check("reference", ref); err != nil {
		return Result{}, err
	}
	if err := check("hypothesis", hyp); err != nil {
		return Result{}, err
	}
	if collar < 0 || math.IsNaN(collar) {
		return Result{}, fmt.Errorf("invalid collar %v s: use 0 or more", collar)
	}

	refNames, refIdx := speakers(ref)
	hypNames, hypIdx := speakers(hyp)
	if len(hypNames) > maxSpeakers || len(refNames) > maxSpeakers {
		return Result{}, fmt.Errorf("too many speakers (%d reference, %d hypothesis): at most %d are scored", len(refNames), len(hypNames), maxSpeakers)
	}

	noScore := collars(ref, collar)
	bounds := boundaries(ref, hyp, noScore)

	var res Result
	overlap := make([][]float64, len(refNames))
	for i := range overlap {
		overlap[i] = make([]float64, len(hypNames))
	}
	type interval struct {
		d        float64
		ref, hyp []int
	}
	var intervals []interval
	for i := 0; i+1 < len(bounds); i++ {
		a, b := bounds[i], bounds[i+1]
		mid := (a + b) / 2
		if b <= a || inside(noScore, mid) {
			continue
		}
		iv := interval{d: b - a, ref: active(ref, refIdx, mid), hyp: active(hyp, hypIdx, mid)}
		for _, r := range iv.ref {
			for _, h := range iv.hyp {
				overlap[r][h] += iv.d
			}
		}
		intervals = append(intervals, iv)
	}

	mapping := bestMapping(overlap, len(hypNames))
	res.Mapping = map[string]string{}
	for r, h := range mapping {
		if h >= 0 {
			res.Mapping[hypNames[h]] = refNames[r]
		}
	}

	for _, iv := range intervals {
		nRef, nHyp := len(iv.ref), len(iv.hyp)
		correct := 0
		for _, r := range iv.ref {
			if h := mapping[r]; h >= 0 && slices.Contains(iv.hyp, h) {
				correct++
			}
		}
		res.Scored += float64(nRef) * iv.d
		res.Missed += float64(max(0, nRef-nHyp)) * iv.d
		res.FalseAlarm += float64(max(0, nHyp-nRef)) * iv.d
		res.Confusion += float64(min(nRef, nHyp)-correct) * iv.d
	}
	return res, nil
}

func check(what string, turns []Turn) error {
	for i, t := range turns {
		if t.Speaker == "" {
			return fmt.Errorf("%s turn %d: missing speaker name", what, i)
		}
		if math.IsNaN(t.Start) || math.IsNaN(t.End) || t.Start < 0 || t.End < t.Start {
			return fmt.Errorf("%s turn %d of %s: invalid times %v to %v s: start must be 0 or more and not after the end", what, i, t.Speaker, t.Start, t.End)
		}
	}
	return nil
}

func speakers(turns []Turn) ([]string, map[string]int) {
	idx := map[string]int{}
	var names []string
	for _, t := range turns {
		if _, ok := idx[t.Speaker]; !ok {
			idx[t.Speaker] = len(names)
			names = append(names, t.Speaker)
		}
	}
	return names, idx
}

// span is a half-open interval [a, b) in seconds.
type span struct{ a, b float64 }

// collars returns the no-score zones around every reference boundary.
func collars(ref []Turn, collar float64) []span {
	if collar == 0 {
		return nil
	}
	var out []span
	for _, t := range ref {
		out = append(out, span{t.Start - collar, t.Start + collar}, span{t.End - collar, t.End + collar})
	}
	return out
}

func inside(spans []span, x float64) bool {
	for _, s := range spans {
		if x >= s.a && x < s.b {
			return true
		}
	}
	return false
}

func boundaries(ref, hyp []Turn, noScore []span) []float64 {
	var b []float64
	for _, t := range ref {
		b = append(b, t.Start, t.End)
	}
	for _, t := range hyp {
		b = append(b, t.Start, t.End)
	}
	for _, s := range noScore {
		b = append(b, max(0, s.a), s.b)
	}
	slices.Sort(b)
	return slices.Compact(b)
}

// active returns the indices of the speakers talking at time x, each once.
func active(turns []Turn, idx map[string]int, x float64) []int {
	var out []int
	for _, t := range turns {
		if x >= t.Start && x < t.End {
			i := idx[t.Speaker]
			if !slices.Contains(out, i) {
				out = append(out, i)
			}
		}
	}
	return out
}

// bestMapping returns, for each reference speaker, the hypothesis speaker
// mapped to it or -1, maximising the summed overlap. It solves the
// assignment exactly by dynamic programming over subsets of hypothesis
// speakers.
func bestMapping(overlap [][]float64, nHyp int) []int {
	nRef := len(overlap)
	full := 1 << nHyp
	// best[r][m] is the largest overlap reachable for reference speakers
	// r.. when the hypothesis speakers in m are already taken.
	best := make([][]float64, nRef+1)
	for r := range best {
		best[r] = make([]float64, full)
	}
	for r := nRef - 1; r >= 0; r-- {
		for m := 0; m < full; m++ {
			v := best[r+1][m]
			for h := 0; h < nHyp; h++ {
				if m&(1<<h) == 0 && overlap[r][h] > 0 {
					v = max(v, overlap[r][h]+best[r+1][m|1<<h])
				}
			}
			best[r][m] = v
		}
	}

	mapping := make([]int, nRef)
	m := 0
	for r := 0; r < nRef; r++ {
		mapping[r] = -1
		if best[r][m] == best[r+1][m] {
			continue
		}
		for h := 0; h < nHyp; h++ {
			if m&(1<<h) == 0 && overlap[r][h] > 0 && best[r][m] == overlap[r][h]+best[r+1][m|1<<h] {
				mapping[r] = h
				m |= 1 << h
				break
			}
		}
	}
	return mapping
}

// ErrRTTM is returned, wrapped with the line number, by ReadRTTM for a line
// it cannot parse.
var ErrRTTM = errors.New("invalid RTTM line")
