package evalset

import (
	"fmt"
	"slices"

	"github.com/ordagrann/ordagrann/central/answer"
	"github.com/ordagrann/ordagrann/central/pseudo"
	"github.com/ordagrann/ordagrann/central/summary"
)

// RecallScore is how many of the evaluation set's facts the summaries
// contain.
type RecallScore struct {
	Found, Total int
	Missed       []string // "meeting: section: fact" for each missed fact
}

// Recall returns Found / Total.
func (r RecallScore) Recall() float64 { return ratio(r.Found, r.Total) }

// FactRecall summarizes every meeting with s and counts the facts whose
// segments the summary cites.
func FactRecall(meetings []Meeting, s *summary.Summarizer) (RecallScore, error) {
	var r RecallScore
	for _, m := range meetings {
		sum, err := s.Summarize(m.Segments)
		if err != nil {
			return r, fmt.Errorf("summarizing %s: %w", m.ID, err)
		}
		cited := sum.Cited()
		for _, f := range m.Facts {
			r.Total++
			if Recalled(f, cited) {
				r.Found++
				continue
			}
			r.Missed = append(r.Missed, fmt.Sprintf("%s: %s: %s", m.ID, f.Section, f.Text))
		}
	}
	return r, nil
}

// AnswerScore counts the evaluation set's questions for which the embedded
// question answering found a passage that answers them.
type AnswerScore struct {
	Top1, Top3, Answerable  int // questions whose first or first three passages cite an answering segment
	Abstained, Unanswerable int // questions without an answer that got the plain "nothing answers" reply
	Misses                  []string
}

// Top1Accuracy returns Top1 / Answerable.
func (a AnswerScore) Top1Accuracy() float64 { return ratio(a.Top1, a.Answerable) }

// Top3Accuracy returns Top3 / Answerable.
func (a AnswerScore) Top3Accuracy() float64 { return ratio(a.Top3, a.Answerable) }

// Abstention returns Abstained / Unanswerable.
func (a AnswerScore) Abstention() float64 { return ratio(a.Abstained, a.Unanswerable) }

// AnswerAccuracy puts every question of every meeting to an index built
// with opts, which may be nil.
func AnswerAccuracy(meetings []Meeting, opts *answer.Options) (AnswerScore, error) {
	var a AnswerScore
	for _, m := range meetings {
		ix, err := answer.NewIndex(m.Segments, opts)
		if err != nil {
			return a, err
		}
		for _, q := range m.Questions {
			ans, err := ix.Ask(q.Question)
			if err != nil {
				return a, fmt.Errorf("asking %q in %s: %w", q.Question, m.ID, err)
			}
			if len(q.Segments) == 0 {
				a.Unanswerable++
				if !ans.Found {
					a.Abstained++
				} else {
					a.Misses = append(a.Misses, fmt.Sprintf("%s: %q answered, want no answer", m.ID, q.Question))
				}
				continue
			}

			a.Answerable++
			rank := correctRank(ans, q.Segments)
			if rank == 0 {
				a.Top1++
			}
			if rank >= 0 && rank < 3 {
				a.Top3++
			}
			if rank != 0 {
				a.Misses = append(a.Misses, fmt.Sprintf("%s: %q correct passage at rank %d (-1: none)", m.ID, q.Question, rank))
			}
		}
	}
	return a, nil
}

// correctRank returns the rank of the first passage that cites one of want,
// or -1.
func correctRank(ans answer.Answer, want []int64) int {
	for i, p := range ans.Passages {
		for _, id := range p.Segments() {
			if slices.Contains(want, id) {
				return i
			}
		}
	}
	return -1
}

// PseudoScore counts detected details against the labelled set. A
// detection counts only with the labelled kind and exact text.
type PseudoScore struct {
	TruePos, FalsePos, FalseNeg int
	Errors                      []string
}

// Precision returns TruePos / (TruePos + FalsePos).
func (p PseudoScore) Precision() float64 { return ratio(p.TruePos, p.TruePos+p.FalsePos) }

// Recall returns TruePos / (TruePos + FalseNeg).
func (p PseudoScore) Recall() float64 { return ratio(p.TruePos, p.TruePos+p.FalseNeg) }

// PseudoAccuracy runs d over the labelled set.
func PseudoAccuracy(samples []Labelled, d *pseudo.Detector) PseudoScore {
	var p PseudoScore
	for _, s := range samples {
		want := map[string]int{}
		for _, e := range s.Entities {
			want[e.Kind+":"+e.Text]++
		}
		for _, e := range d.Detect(s.Text) {
			key := e.Kind.String() + ":" + e.Text
			if want[key] > 0 {
				want[key]--
				p.TruePos++
				continue
			}
			p.FalsePos++
			p.Errors = append(p.Errors, fmt.Sprintf("false positive %s in %q", key, s.Text))
		}
		for key, n := range want {
			p.FalseNeg += n
			if n > 0 {
				p.Errors = append(p.Errors, fmt.Sprintf("missed %s in %q", key, s.Text))
			}
		}
	}
	return p
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
