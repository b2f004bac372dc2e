package diarize

import (
	"fmt"
	"math"
	"time"
)

// speakers builds the speaker list for ids 0 to n-1: talking time,
// direction, and the label the UI shows. The speaker nearest the
// caseworker's direction, within the tolerance, is "Handläggare". The
// others are "Talare 2", "Talare 3" and so on in order of id, which is the
// order in which they first spoke. Without a caseworker they are numbered
// from "Talare 1".
func (d *Diarizer) speakers(turns []Turn, dirs map[int]float64, n int) []Speaker {
	out := make([]Speaker, n)
	for i := range out {
		out[i].Azimuth = math.NaN()
		if v, ok := dirs[i]; ok {
			out[i].Azimuth = v
		}
	}
	for _, t := range turns {
		out[t.Speaker].Speech += t.End - t.Start
	}

	caseworker := -1
	if !math.IsNaN(d.caseDir) && d.steer != nil {
		best := math.Inf(1)
		for i, s := range out {
			if math.IsNaN(s.Azimuth) || s.Speech == 0 {
				continue
			}
			dist, ok := d.steer.near(s.Azimuth, d.caseDir, d.opts.CaseworkerTolerance)
			if ok && dist < best {
				best, caseworker = dist, i
			}
		}
	}

	number := 1
	if caseworker >= 0 {
		number = 2
	}
	for i := range out {
		if i == caseworker {
			out[i].Label = LabelCaseworker
			out[i].Caseworker = true
			continue
		}
		out[i].Label = fmt.Sprintf(labelSpeaker, number)
		number++
	}
	return out
}

// Change is a stretch of time whose speaker a later result changed.
type Change struct {
	Start, End time.Duration
	// From and To are speaker indices; -1 means no speaker.
	From, To int
}

// changeStep is the time resolution of Changes.
const changeStep = 10 * time.Millisecond

// Changes lists the stretches of time where next gives a different speaker
// than prev, so the UI can show what the final pass relabelled. Stretches
// where either result has no speaker are listed too, with -1.
func Changes(prev, next Result) []Change {
	var end time.Duration
	for _, t := range prev.Turns {
		end = max(end, t.End)
	}
	for _, t := range next.Turns {
		end = max(end, t.End)
	}

	var out []Change
	for t := time.Duration(0); t < end; t += changeStep {
		from, to := speakerAt(prev.Turns, t), speakerAt(next.Turns, t)
		if from == to {
			continue
		}
		if n := len(out); n > 0 && out[n-1].End == t && out[n-1].From == from && out[n-1].To == to {
			out[n-1].End = t + changeStep
			continue
		}
		out = append(out, Change{Start: t, End: t + changeStep, From: from, To: to})
	}
	return out
}

func speakerAt(turns []Turn, t time.Duration) int {
	for _, turn := range turns {
		if t >= turn.Start && t < turn.End {
			return turn.Speaker
		}
	}
	return -1
}
