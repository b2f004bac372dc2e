package summary

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

// Kind is one section of a summary.
type Kind int

// Sections in the order a journal note lists them.
const (
	Participants  Kind = iota // deltagare
	Purpose                   // syfte
	ClientAccount             // vad klienten berättade
	Agreements                // överenskommelser
	NextSteps                 // nästa steg och datum
)

// Kinds lists every section kind in order.
var Kinds = []Kind{Participants, Purpose, ClientAccount, Agreements, NextSteps}

// Title returns the section's heading as the user interface shows it.
func (k Kind) Title() string {
	switch k {
	case Participants:
		return "Deltagare"
	case Purpose:
		return "Syfte med mötet"
	case ClientAccount:
		return "Vad klienten berättade"
	case Agreements:
		return "Överenskommelser"
	case NextSteps:
		return "Nästa steg och datum"
	default:
		return "Övrigt"
	}
}

func (k Kind) String() string {
	switch k {
	case Participants:
		return "participants"
	case Purpose:
		return "purpose"
	case ClientAccount:
		return "client_account"
	case Agreements:
		return "agreements"
	case NextSteps:
		return "next_steps"
	default:
		return "unknown"
	}
}

// Line is one line of a summary: a sentence quoted from the transcript, or
// for Participants a speaker and role, with the segments it comes from.
type Line struct {
	Speaker  string
	Text     string
	Segments []int64 // ids of the cited segments, in transcript order; never empty
}

// Section is one heading of a summary with its lines. A section without
// lines means the transcript had nothing for it.
type Section struct {
	Kind  Kind
	Title string
	Lines []Line
}

// Summary is a summary in journal-note sections, in the order of Kinds.
type Summary struct {
	Sections []Section
}

// Section returns the section of kind k.
func (s Summary) Section(k Kind) Section {
	for _, sec := range s.Sections {
		if sec.Kind == k {
			return sec
		}
	}
	return Section{Kind: k, Title: k.Title()}
}

// Cited returns the ids of every segment the summary cites, sorted and
// without duplicates.
func (s Summary) Cited() []int64 {
	var ids []int64
	for _, sec := range s.Sections {
		for _, l := range sec.Lines {
			ids = append(ids, l.Segments...)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// noLines is the text of a section that the transcript had nothing for.
const noLines = "Inget i utskriften."

// Text renders the summary as plain text for a journal note: headings, then
// one line each, without segment ids.
func (s Summary) Text() string {
	var b strings.Builder
	for i, sec := range s.Sections {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(sec.Title + "\n")
		if len(sec.Lines) == 0 {
			b.WriteString("- " + noLines + "\n")
		}
		for _, l := range sec.Lines {
			if sec.Kind == Participants || l.Speaker == "" {
				b.WriteString("- " + l.Text + "\n")
				continue
			}
			b.WriteString("- " + l.Speaker + ": " + l.Text + "\n")
		}
	}
	return b.String()
}

// Options configures a Summarizer. Zero fields mean the documented
// defaults.
type Options struct {
	// Roles maps speaker labels to roles. A label that is not listed gets
	// its role from a word in it ("Handläggare Anna", "Tolk", "Mamma");
	// failing that, the first speaker of the meeting is taken as the
	// caseworker, because the caseworker opens the meeting, and every other
	// speaker as the client.
	Roles map[string]Role

	// MaxLines bounds the lines of each section except Participants and
	// ClientAccount. Default 4.
	MaxLines int

	// MaxAccountLines bounds the lines of ClientAccount. Default 3 plus
	// one for every 4 sentences of the client's side, up to 14, so a long
	// meeting gets a longer account.
	MaxAccountLines int

	// Diversity weighs relevance against redundancy when lines are chosen
	// (the λ of maximal marginal relevance), in (0, 1]. 1 ignores
	// redundancy. Default 0.7.
	Diversity float64
}

// Summarizer writes summaries. It is safe for concurrent use.
type Summarizer struct {
	opts Options
}

// ErrNoText is returned by Summarize for a transcript without any words.
var ErrNoText = errors.New("the transcript has no words to summarize")

// New returns a Summarizer. opts may be nil.
func New(opts *Options) (*Summarizer, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.MaxLines == 0 {
		o.MaxLines = 4
	}
	if o.Diversity == 0 {
		o.Diversity = 0.7
	}
	if o.MaxLines < 0 || o.MaxAccountLines < 0 {
		return nil, fmt.Errorf("invalid summary line limits %d and %d: use positive numbers or 0 for the default", o.MaxLines, o.MaxAccountLines)
	}
	if o.Diversity < 0 || o.Diversity > 1 {
		return nil, fmt.Errorf("invalid summary diversity %g: use a value in (0, 1]", o.Diversity)
	}
	return &Summarizer{opts: o}, nil
}

// Summarize writes the summary of a transcript whose segments are in
// meeting order. Segment ids must be unique. It returns ErrNoText when no
// segment has a word.
func (s *Summarizer) Summarize(segs []svtext.Segment) (Summary, error) {
	if err := checkIDs(segs); err != nil {
		return Summary{}, err
	}
	doc := analyze(segs, s.roles(segs))
	if len(doc.sentences) == 0 {
		return Summary{}, ErrNoText
	}

	// Sections are filled from the most specific cues to the least, and a
	// sentence chosen for one section is not repeated in another.
	used := map[int]bool{}
	participants := doc.participants(used)
	purpose := s.pick(doc, doc.purposeCandidates(), min(2, s.opts.MaxLines), used)
	next := s.pick(doc, doc.nextStepCandidates(), s.opts.MaxLines, used)
	agreements := s.pick(doc, doc.agreementCandidates(), s.opts.MaxLines, used)
	account := s.pick(doc, doc.accountCandidates(), s.accountLines(doc), used)

	sum := Summary{Sections: []Section{
		{Kind: Participants, Lines: participants},
		{Kind: Purpose, Lines: doc.lines(purpose)},
		{Kind: ClientAccount, Lines: doc.lines(account)},
		{Kind: Agreements, Lines: doc.lines(agreements)},
		{Kind: NextSteps, Lines: doc.lines(next)},
	}}
	for i := range sum.Sections {
		sum.Sections[i].Title = sum.Sections[i].Kind.Title()
	}
	return sum, nil
}

func checkIDs(segs []svtext.Segment) error {
	seen := make(map[int64]bool, len(segs))
	for i, seg := range segs {
		if seen[seg.ID] {
			return fmt.Errorf("segment %d has id %d, which an earlier segment already has: segment ids must be unique", i, seg.ID)
		}
		seen[seg.ID] = true
	}
	return nil
}

// roles assigns a role to every speaker of segs.
func (s *Summarizer) roles(segs []svtext.Segment) map[string]Role {
	roles := map[string]Role{}
	first := ""
	for _, seg := range segs {
		if _, ok := roles[seg.Speaker]; ok {
			continue
		}
		r, ok := s.opts.Roles[seg.Speaker]
		if !ok || r == RoleUnknown {
			r = roleFromLabel(seg.Speaker)
		}
		if first == "" && strings.TrimSpace(seg.Text) != "" {
			first = seg.Speaker
		}
		roles[seg.Speaker] = r
	}

	hasCaseworker := false
	for _, r := range roles {
		hasCaseworker = hasCaseworker || r == RoleCaseworker
	}
	for label, r := range roles {
		if r != RoleUnknown {
			continue
		}
		if label == first && !hasCaseworker {
			roles[label] = RoleCaseworker
			continue
		}
		roles[label] = RoleClient
	}
	return roles
}

func (s *Summarizer) accountLines(doc *document) int {
	if s.opts.MaxAccountLines > 0 {
		return s.opts.MaxAccountLines
	}
	n := 0
	for i := range doc.sentences {
		if doc.clientSide(i) {
			n++
		}
	}
	return min(14, 3+n/4)
}

// pick chooses up to limit candidates by maximal marginal relevance, skips
// sentences already used by another section, marks the chosen ones used and
// returns them in transcript order.
func (s *Summarizer) pick(doc *document, cands []candidate, limit int, used map[int]bool) []candidate {
	var chosen []candidate
	for len(chosen) < limit {
		best, bestScore := -1, 0.0
		for i, c := range cands {
			if used[c.sentence] {
				continue
			}
			redundancy := 0.0
			for _, ch := range chosen {
				redundancy = max(redundancy, cosine(doc.vectors[c.sentence], doc.vectors[ch.sentence]))
			}
			score := s.opts.Diversity*c.score - (1-s.opts.Diversity)*redundancy
			if best < 0 || score > bestScore {
				best, bestScore = i, score
			}
		}
		if best < 0 {
			break
		}
		used[cands[best].sentence] = true
		chosen = append(chosen, cands[best])
	}

	slices.SortFunc(chosen, func(a, b candidate) int { return a.sentence - b.sentence })
	return chosen
}
