// Package answer answers a caseworker's Swedish questions about a meeting
// with the passages of its transcript that best match, ranked by BM25 over
// Swedish Snowball stems. Each passage is quoted verbatim with the ids of its
// segments and the byte ranges of the matching words, so the user interface
// can highlight them in the transcript. When nothing in the meeting matches
// well enough, the answer says so plainly instead of quoting a weak match.
// The central service imports this package.
package answer

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

// Texts of an answer, as the user interface shows them.
const (
	FoundText    = "Det här sägs i mötet om frågan:"
	NotFoundText = "Inget i mötet besvarar frågan. Pröva andra ord eller läs utskriften."
)

// Span is a byte range [Start, End) in the text of a segment.
type Span struct {
	SegmentID  int64
	Start, End int
}

// Passage is a stretch of one speaker's segment that matches a question.
type Passage struct {
	SegmentID int64
	Speaker   string
	Text      string  // quoted verbatim from the segment
	Start     int     // byte offset of Text in the segment's text
	Score     float64 // BM25 score, higher is better

	// Context is the question by another speaker that the passage
	// replies to, when the previous segment is one; ContextID is its
	// segment. Empty otherwise.
	Context   string
	ContextID int64

	// Highlights are the words of the passage, and of Context, that match
	// the question.
	Highlights []Span
}

// Segments returns the ids of the segments that the passage quotes or
// replies to, in transcript order.
func (p Passage) Segments() []int64 {
	if p.Context != "" {
		return []int64{p.ContextID, p.SegmentID}
	}
	return []int64{p.SegmentID}
}

// Answer is the reply to one question.
type Answer struct {
	Question string
	Found    bool      // whether any passage matched well enough
	Text     string    // FoundText or NotFoundText
	Passages []Passage // best first; empty when Found is false
}

// Options configures an Index. Zero fields mean the documented defaults.
type Options struct {
	// MaxPassages bounds the passages of an answer. Default 3.
	MaxPassages int

	// MinCoverage is the share of the question's weight, by inverse
	// document frequency, that the best passage must match for the answer
	// to count as found, in (0, 1). Default 0.25.
	MinCoverage float64

	// K1 and B are the BM25 parameters. Defaults 1.2 and 0.75.
	K1, B float64
}

// ErrEmptyQuestion is returned by Ask for a question without any word that
// could be searched for.
var ErrEmptyQuestion = errors.New("the question has no words to search for")

// passage is an indexed stretch of a segment.
type passage struct {
	seg      int // index in Index.segs
	text     string
	start    int
	terms    map[string]int // stem counts
	length   int
	tokens   []svtext.Token // with offsets relative to the segment text
	hasDate  bool
	hasCount bool
	question bool // ends its segment with a question mark
}

// Index is the searchable transcript of one meeting. It is safe for
// concurrent use once built.
type Index struct {
	opts     Options
	segs     []svtext.Segment
	passages []passage
	df       map[string]int
	vocab    []string // every indexed stem, sorted
	avgLen   float64
}

// maxPassageSentences bounds how many sentences of a long segment form one
// passage, so that a minute-long turn is not quoted whole.
const maxPassageSentences = 3

// NewIndex indexes a transcript whose segments are in meeting order. opts
// may be nil.
func NewIndex(segs []svtext.Segment, opts *Options) (*Index, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.MaxPassages == 0 {
		o.MaxPassages = 3
	}
	if o.MinCoverage == 0 {
		o.MinCoverage = 0.25
	}
	if o.K1 == 0 {
		o.K1 = 1.2
	}
	if o.B == 0 {
		o.B = 0.75
	}
	if o.MaxPassages < 0 || o.MinCoverage < 0 || o.MinCoverage >= 1 || o.K1 < 0 || o.B < 0 || o.B > 1 {
		return nil, fmt.Errorf("invalid answer options %+v: use MaxPassages > 0, MinCoverage in (0, 1), K1 > 0 and B in [0, 1]", o)
	}

	ix := &Index{opts: o, segs: segs, df: map[string]int{}}
	for i, seg := range segs {
		for _, p := range splitPassages(seg.Text) {
			p.seg = i
			ix.passages = append(ix.passages, p)
		}
	}

	total := 0
	for _, p := range ix.passages {
		total += p.length
		for term := range p.terms {
			ix.df[term]++
		}
	}
	if len(ix.passages) > 0 {
		ix.avgLen = float64(total) / float64(len(ix.passages))
	}
	for term := range ix.df {
		ix.vocab = append(ix.vocab, term)
	}
	slices.Sort(ix.vocab)
	return ix, nil
}

// splitPassages cuts a segment's text into passages of up to
// maxPassageSentences sentences.
func splitPassages(text string) []passage {
	sentences := svtext.SplitSentences(text)
	var out []passage
	for i := 0; i < len(sentences); i += maxPassageSentences {
		group := sentences[i:min(i+maxPassageSentences, len(sentences))]
		last := group[len(group)-1]
		p := passage{start: group[0].Start, text: text[group[0].Start : last.Start+len(last.Text)], terms: map[string]int{}}
		for _, t := range svtext.Tokenize(p.text) {
			t.Start += p.start
			t.End += p.start
			p.tokens = append(p.tokens, t)
			if t.Stop || svtext.IsNegation(t.Lower) {
				continue
			}
			p.terms[t.Stem]++
			p.length++
		}
		p.question = last.Start+len(last.Text) == len(strings.TrimRight(text, " \t\n")) && strings.HasSuffix(last.Text, "?")
		p.hasDate = svtext.HasDate(p.text)
		p.hasCount = len(svtext.Numbers(p.text)) > 0
		out = append(out, p)
	}
	return out
}

// questionWords are words of a question that rarely occur in the answer:
// question words and the ways a caseworker refers to the meeting's people.
var questionWords = map[string]bool{
	"klient": true, "klienten": true, "klientens": true, "handläggare": true, "handläggaren": true,
	"handläggarens": true, "mötet": true, "möte": true, "samtalet": true, "berätta": true,
	"berättade": true, "berättar": true, "nämnde": true, "nämner": true, "sa": true, "sagt": true,
	"säger": true, "sades": true, "enligt": true, "egentligen": true,
}

// queryTerm is a stem to search for with its weight. origin is the stem
// of the question's word that it comes from: itself, or the word that a
// compound contains.
type queryTerm struct {
	stem   string
	weight float64
	origin string
	name   bool // a name, which counts for the score but not the coverage
}

// Ask answers a question with the passages that match it best.
func (ix *Index) Ask(question string) (Answer, error) {
	terms := ix.queryTerms(question)
	if len(terms) == 0 {
		return Answer{}, fmt.Errorf("searching for %q: %w", truncate(question), ErrEmptyQuestion)
	}
	kind := questionKind(question)

	type scored struct {
		i        int
		score    float64
		coverage float64
	}
	var maxWeight float64
	for _, qt := range terms {
		if qt.stem == qt.origin && !qt.name {
			maxWeight += ix.idf(qt.stem)
		}
	}

	raw := make([]float64, len(ix.passages))
	matched := make([]float64, len(ix.passages))
	for i := range ix.passages {
		raw[i], matched[i] = ix.score(i, terms)
	}

	var results []scored
	for i, p := range ix.passages {
		score, match := raw[i], matched[i]
		if q, ok := ix.questionBefore(i); ok {
			// A reply takes in the question it answers, because the
			// question often holds the words the caseworker searches for.
			score += replyShare * raw[q]
			match += replyShare * matched[q]
		}
		if score == 0 {
			continue
		}
		if p.question {
			score *= questionShare
		}
		score *= kind.boost(p)

		// A question of names only ("Vem är Anna?") has no weight to
		// cover, so it is never found.
		coverage := 0.0
		if maxWeight > 0 {
			coverage = match / maxWeight
		}
		results = append(results, scored{i: i, score: score, coverage: coverage})
	}
	slices.SortStableFunc(results, func(a, b scored) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return a.i - b.i
	})

	ans := Answer{Question: question, Text: NotFoundText}
	if len(results) == 0 || results[0].coverage < ix.opts.MinCoverage {
		return ans, nil
	}
	ans.Found, ans.Text = true, FoundText
	for _, r := range results {
		if len(ans.Passages) == ix.opts.MaxPassages || r.coverage < ix.opts.MinCoverage/2 {
			break
		}
		ans.Passages = append(ans.Passages, ix.quote(r.i, r.score, terms))
	}
	return ans, nil
}

// queryTerms returns the content stems of the question, each with the
// weight 1, and expands each to the indexed stems of compounds that end
// with it ("skuld" finds "hyresskuld") or that it ends with, at weight 0.5.
func (ix *Index) queryTerms(question string) []queryTerm {
	var terms []queryTerm
	seen := map[string]bool{}
	add := func(qt queryTerm) {
		if seen[qt.stem] {
			return
		}
		seen[qt.stem] = true
		terms = append(terms, qt)
	}

	toks := svtext.Tokenize(question)
	for i, t := range toks {
		if t.Stop || svtext.IsNegation(t.Lower) || questionWords[t.Lower] || len([]rune(t.Lower)) < 2 {
			continue
		}
		if i == 1 && toks[0].Lower == "hur" {
			// "stor" in "hur stor" asks for an amount, and the answer
			// seldom repeats it, but it may have the unit.
			if unit, ok := amountUnits[t.Lower]; ok {
				stem := svtext.Stem(unit)
				add(queryTerm{stem: stem, weight: 1, origin: stem})
			}
			continue
		}
		if i > 0 && isCapitalized(t.Text) {
			// A name says whom the question is about; the answer
			// often says "jag" or "hon" instead.
			add(queryTerm{stem: t.Stem, weight: nameWeight, origin: t.Stem, name: true})
			continue
		}
		add(queryTerm{stem: t.Stem, weight: 1, origin: t.Stem})
	}

	for _, qt := range slices.Clone(terms) {
		if qt.name || len([]rune(qt.stem)) < minCompoundStem {
			continue
		}
		for _, v := range ix.vocab {
			if v == qt.stem || len([]rune(v)) < minCompoundStem {
				continue
			}
			if strings.HasSuffix(v, qt.stem) || strings.HasPrefix(v, qt.stem) || strings.HasSuffix(qt.stem, v) {
				add(queryTerm{stem: v, weight: compoundWeight, origin: qt.stem})
			}
		}
	}
	return terms
}

// amountUnits maps the word after "hur" to the unit its answer usually
// has: "hur gammal" is answered in years ("fyra år").
var amountUnits = map[string]string{
	"gammal": "år", "gamla": "år", "ofta": "gånger", "mycket": "kronor", "dyr": "kronor",
}

// Weights of query terms other than plain words of the question.
const (
	nameWeight     = 0.5 // a capitalized word after the first of the question
	compoundWeight = 0.5 // an indexed compound that contains a word of the question
)

// minCompoundStem is the length in letters of the shortest stem that is
// matched inside compounds. Shorter stems like "tid" would match too many
// words.
const minCompoundStem = 4

func isCapitalized(word string) bool {
	for _, r := range word {
		return unicode.IsUpper(r)
	}
	return false
}

func (ix *Index) idf(stem string) float64 {
	n := float64(len(ix.passages))
	df := float64(ix.df[stem])
	return math.Log(1 + (n-df+0.5)/(df+0.5))
}

// Shares of a score that move between questions and replies.
const (
	replyShare    = 0.8 // of a question's score that its reply gets
	questionShare = 0.3 // of its own score that a question keeps
)

// questionBefore returns the passage that passage i replies to: i opens
// its segment and the previous segment is another speaker's and ends with
// a question mark.
func (ix *Index) questionBefore(i int) (int, bool) {
	p := ix.passages[i]
	if i == 0 || p.start != 0 || p.seg == 0 {
		return 0, false
	}
	prev := ix.passages[i-1]
	if prev.seg != p.seg-1 || !prev.question || ix.segs[prev.seg].Speaker == ix.segs[p.seg].Speaker {
		return 0, false
	}
	return i - 1, true
}

// score returns the BM25 score of passage i and how much of the
// question's weight it covers: for each word of the question, its idf
// times the highest weight among the stems found for it.
func (ix *Index) score(i int, terms []queryTerm) (score, matched float64) {
	p := ix.passages[i]
	norm := ix.opts.K1 * (1 - ix.opts.B + ix.opts.B*float64(p.length)/ix.avgLen)
	best := map[string]float64{}
	for _, qt := range terms {
		tf := float64(p.terms[qt.stem])
		if tf == 0 {
			continue
		}
		score += qt.weight * ix.idf(qt.stem) * tf * (ix.opts.K1 + 1) / (tf + norm)
		if !qt.name {
			best[qt.origin] = max(best[qt.origin], qt.weight)
		}
	}
	for origin, w := range best {
		matched += w * ix.idf(origin)
	}
	return score, matched
}

// quote builds the Passage of indexed passage i, with the question that it
// replies to as context.
func (ix *Index) quote(i int, score float64, terms []queryTerm) Passage {
	p := ix.passages[i]
	seg := ix.segs[p.seg]
	out := Passage{SegmentID: seg.ID, Speaker: seg.Speaker, Text: p.text, Start: p.start, Score: score}

	stems := map[string]bool{}
	for _, qt := range terms {
		stems[qt.stem] = true
	}
	for _, t := range p.tokens {
		if stems[t.Stem] && !t.Stop {
			out.Highlights = append(out.Highlights, Span{SegmentID: seg.ID, Start: t.Start, End: t.End})
		}
	}

	if p.start == 0 && p.seg > 0 {
		prev := ix.segs[p.seg-1]
		if prev.Speaker != seg.Speaker && strings.HasSuffix(strings.TrimSpace(prev.Text), "?") {
			out.Context, out.ContextID = strings.TrimSpace(prev.Text), prev.ID
			for _, t := range svtext.Tokenize(prev.Text) {
				if stems[t.Stem] && !t.Stop {
					out.Highlights = append(out.Highlights, Span{SegmentID: prev.ID, Start: t.Start, End: t.End})
				}
			}
		}
	}
	return out
}

// truncate shortens a question for an error message.
func truncate(s string) string {
	const maxLen = 80
	if len(s) <= maxLen {
		return s
	}
	return strings.ToValidUTF8(s[:maxLen], "") + "…"
}
