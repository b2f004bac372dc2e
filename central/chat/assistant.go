package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/ordagrann/ordagrann/central/answer"
	"github.com/ordagrann/ordagrann/central/pseudo"
	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

// AssistantOptions configures an Assistant. Zero fields mean the
// documented defaults.
type AssistantOptions struct {
	// Detector finds the details to pseudonymize. Default: a detector with
	// the embedded name lists.
	Detector *pseudo.Detector

	// MaxPromptChars bounds the transcript text of one request. A longer
	// transcript is summarized in parts, and a question gets only the
	// passages that match it best. Default 48000 characters, about 12000
	// to 16000 tokens of Swedish, which fits engines with a 32k context.
	MaxPromptChars int

	// MaxAskPassages bounds the passages sent with a question when the
	// whole transcript does not fit. Default 8.
	MaxAskPassages int

	// MinOverlap is passed to the verifier. Default 0.5.
	MinOverlap float64

	// Logger receives one line per request with sizes, counts and times,
	// never text. Default slog.Default().
	Logger *slog.Logger
}

// Assistant writes verified summaries and answers with a chat engine. It
// is safe for concurrent use.
type Assistant struct {
	engine Engine
	opts   AssistantOptions
}

// Reply is an engine's verified reply, in the caseworker's terms: the
// placeholders are mapped back to the details they stand for.
type Reply struct {
	Sentences   []Sentence
	Unsupported int // number of sentences marked unsupported
}

// Text renders the reply with headings and with "[ej belagt]" after every
// unsupported sentence, for display and tests.
func (r Reply) Text() string {
	var b strings.Builder
	heading := ""
	for _, s := range r.Sentences {
		if s.Heading != heading && s.Heading != "" {
			fmt.Fprintf(&b, "\n## %s\n", s.Heading)
		}
		heading = s.Heading
		b.WriteString(s.Text)
		if !s.Supported {
			b.WriteString(" [ej belagt]")
		}
		b.WriteString("\n")
	}
	return strings.TrimLeft(b.String(), "\n")
}

// ErrNoSegments is returned for a transcript without segments.
var ErrNoSegments = errors.New("the transcript has no segments")

// NewAssistant returns an assistant that uses engine. opts may be nil.
func NewAssistant(engine Engine, opts *AssistantOptions) (*Assistant, error) {
	if engine == nil {
		return nil, errors.New("missing chat engine")
	}
	o := AssistantOptions{}
	if opts != nil {
		o = *opts
	}
	if o.Detector == nil {
		d, err := pseudo.NewDetector(nil)
		if err != nil {
			return nil, fmt.Errorf("loading name lists: %w", err)
		}
		o.Detector = d
	}
	if o.MaxPromptChars == 0 {
		o.MaxPromptChars = 48000
	}
	if o.MaxAskPassages == 0 {
		o.MaxAskPassages = 8
	}
	if o.MaxPromptChars < 0 || o.MaxAskPassages < 0 {
		return nil, fmt.Errorf("invalid assistant limits %d and %d: use positive numbers", o.MaxPromptChars, o.MaxAskPassages)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Assistant{engine: engine, opts: o}, nil
}

// Summarize requests a summary of segs from the engine. Text is pseudonymized
// with m before it is sent, and m gains any new placeholders, so the caller
// must store m sealed with the recording. Every sentence of the reply is
// verified.
func (a *Assistant) Summarize(ctx context.Context, segs []svtext.Segment, m *pseudo.Mapping) (Reply, error) {
	if len(segs) == 0 {
		return Reply{}, ErrNoSegments
	}
	start := time.Now()
	hidden := a.pseudonymize(segs, m)
	verifier, err := a.verifier(hidden)
	if err != nil {
		return Reply{}, err
	}

	var sentences []Sentence
	parts := chunk(hidden, a.opts.MaxPromptChars)
	for i, part := range parts {
		user := "Utskrift:\n" + formatSegments(part)
		if len(parts) > 1 {
			user = fmt.Sprintf("Utskrift, del %d av %d av samtalet:\n%s", i+1, len(parts), formatSegments(part))
		}
		reply, err := a.engine.Complete(ctx, []Message{{Role: "system", Content: summaryPrompt}, {Role: "user", Content: user}})
		if err != nil {
			return Reply{}, fmt.Errorf("summarizing part %d of %d: %w", i+1, len(parts), err)
		}
		sentences = append(sentences, a.check(verifier, reply, NothingForHeading)...)
	}
	sentences = dropEmptyHeadings(sentences)

	out := a.restore(sentences, m)
	a.opts.Logger.Info("chat summary verified", "engine", a.engine.Name(), "segments", len(segs), "parts", len(parts),
		"sentences", len(out.Sentences), "unsupported", out.Unsupported, "duration", time.Since(start))
	return out, nil
}

// Ask sends a question about segs to the engine. Like Summarize, it
// pseudonymizes the transcript and the question with m first. When the
// transcript does not fit in one request, only the best-matching passages
// and their neighbouring segments are sent.
func (a *Assistant) Ask(ctx context.Context, segs []svtext.Segment, question string, m *pseudo.Mapping) (Reply, error) {
	if len(segs) == 0 {
		return Reply{}, ErrNoSegments
	}
	if strings.TrimSpace(question) == "" {
		return Reply{}, errors.New("empty question: write a question in Swedish")
	}
	start := time.Now()
	// The question's details are learned first, so that a name that only
	// the question states is also hidden where the transcript mentions it.
	a.opts.Detector.Learn(question, m)
	hidden := a.pseudonymize(segs, m)
	hiddenQuestion := a.opts.Detector.Pseudonymize(question, m)
	verifier, err := a.verifier(hidden)
	if err != nil {
		return Reply{}, err
	}

	excerpt, err := a.askContext(hidden, hiddenQuestion)
	if err != nil {
		return Reply{}, err
	}
	user := "Segment:\n" + formatSegments(excerpt) + "\nFråga: " + oneLine(hiddenQuestion)
	reply, err := a.engine.Complete(ctx, []Message{{Role: "system", Content: askPrompt}, {Role: "user", Content: user}})
	if err != nil {
		return Reply{}, fmt.Errorf("asking a question: %w", err)
	}

	out := a.restore(a.check(verifier, reply, NothingAnswers), m)
	a.opts.Logger.Info("chat answer verified", "engine", a.engine.Name(), "segments", len(segs), "context_segments", len(excerpt),
		"sentences", len(out.Sentences), "unsupported", out.Unsupported, "duration", time.Since(start))
	return out, nil
}

// pseudonymize returns copies of segs with text and speaker labels
// pseudonymized with m. It learns every detail first, so that a name found
// from context late in the meeting is also hidden where it occurs earlier.
func (a *Assistant) pseudonymize(segs []svtext.Segment, m *pseudo.Mapping) []svtext.Segment {
	for _, s := range segs {
		a.opts.Detector.Learn(s.Speaker, m)
		a.opts.Detector.Learn(s.Text, m)
	}

	out := make([]svtext.Segment, len(segs))
	for i, s := range segs {
		s.Text = a.opts.Detector.Pseudonymize(s.Text, m)
		s.Speaker = a.opts.Detector.Pseudonymize(s.Speaker, m)
		out[i] = s
	}
	return out
}

func (a *Assistant) verifier(segs []svtext.Segment) (*Verifier, error) {
	return NewVerifier(segs, &VerifierOptions{MinOverlap: a.opts.MinOverlap, IsName: a.opts.Detector.IsName})
}

// check verifies a reply. The sentence nothing, which the prompt allows
// without a citation, counts as supported.
func (a *Assistant) check(v *Verifier, reply, nothing string) []Sentence {
	sentences := v.Verify(reply)
	for i, s := range sentences {
		if s.Text == nothing && len(s.Citations) == 0 {
			sentences[i].Supported, sentences[i].Problems = true, nil
		}
	}
	return sentences
}

// askContext returns the segments to send with a question: all of them if
// they fit, or else the segments of the best passages and one segment on
// each side, in transcript order.
func (a *Assistant) askContext(segs []svtext.Segment, question string) ([]svtext.Segment, error) {
	if len(formatSegments(segs)) <= a.opts.MaxPromptChars {
		return segs, nil
	}
	ix, err := answer.NewIndex(segs, &answer.Options{MaxPassages: a.opts.MaxAskPassages, MinCoverage: 0.01})
	if err != nil {
		return nil, err
	}
	ans, err := ix.Ask(question)
	if err != nil && !errors.Is(err, answer.ErrEmptyQuestion) {
		return nil, err
	}

	pos := map[int64]int{}
	for i, s := range segs {
		pos[s.ID] = i
	}
	var keep []int
	for _, p := range ans.Passages {
		i := pos[p.SegmentID]
		for j := max(0, i-1); j <= min(len(segs)-1, i+1); j++ {
			keep = append(keep, j)
		}
	}
	slices.Sort(keep)
	keep = slices.Compact(keep)

	var out []svtext.Segment
	size := 0
	for _, i := range keep {
		size += len(formatSegments(segs[i : i+1]))
		if size > a.opts.MaxPromptChars {
			break
		}
		out = append(out, segs[i])
	}
	return out, nil
}

// dropEmptyHeadings removes a "nothing for this heading" sentence when
// another part of a long meeting had something under the same heading.
func dropEmptyHeadings(sentences []Sentence) []Sentence {
	filled := map[string]bool{}
	for _, s := range sentences {
		if s.Text != NothingForHeading {
			filled[s.Heading] = true
		}
	}
	var out []Sentence
	seenEmpty := map[string]bool{}
	for _, s := range sentences {
		if s.Text == NothingForHeading && (filled[s.Heading] || seenEmpty[s.Heading]) {
			continue
		}
		if s.Text == NothingForHeading {
			seenEmpty[s.Heading] = true
		}
		out = append(out, s)
	}
	return out
}

// restore maps placeholders in the sentences back to the details they
// stand for and counts the unsupported sentences.
func (a *Assistant) restore(sentences []Sentence, m *pseudo.Mapping) Reply {
	out := Reply{Sentences: sentences}
	for i, s := range sentences {
		out.Sentences[i].Text = m.Restore(s.Text)
		out.Sentences[i].Heading = m.Restore(s.Heading)
		for j, p := range s.Problems {
			out.Sentences[i].Problems[j].Value = m.Restore(p.Value)
		}
		if !s.Supported {
			out.Unsupported++
		}
	}
	return out
}
