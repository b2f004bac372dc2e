package chat

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

// ProblemKind is a reason why a sentence is unsupported.
type ProblemKind int

// Problem kinds.
const (
	NoCitation     ProblemKind = iota // the sentence cites no segment
	UnknownSegment                    // a cited segment does not exist
	MissingNumber                     // a number is not in the cited segments
	MissingDate                       // a month, weekday or named day is not in the cited segments
	MissingName                       // a name or placeholder is not in the cited segments
	Negation                          // the sentence negates what the segments affirm, or the reverse
	LowOverlap                        // too few of the sentence's words are in the cited segments
)

func (k ProblemKind) String() string {
	switch k {
	case NoCitation:
		return "no_citation"
	case UnknownSegment:
		return "unknown_segment"
	case MissingNumber:
		return "missing_number"
	case MissingDate:
		return "missing_date"
	case MissingName:
		return "missing_name"
	case Negation:
		return "negation"
	default:
		return "low_overlap"
	}
}

// Problem is one failed check of a sentence. Value is the number, date or
// name that was not found, or the unknown segment id. Because it may be
// personal data, it is shown to the caseworker and never logged.
type Problem struct {
	Kind  ProblemKind
	Value string
}

// Swedish describes the problem as the user interface shows it.
func (p Problem) Swedish() string {
	switch p.Kind {
	case NoCitation:
		return "Meningen hänvisar inte till någon del av utskriften."
	case UnknownSegment:
		return fmt.Sprintf("Meningen hänvisar till segment %s, som inte finns i utskriften.", p.Value)
	case MissingNumber:
		return fmt.Sprintf("Talet %q finns inte i de delar av utskriften som meningen hänvisar till.", swedishNumber(p.Value))
	case MissingDate:
		return fmt.Sprintf("Tidsangivelsen %q finns inte i de delar av utskriften som meningen hänvisar till.", p.Value)
	case MissingName:
		return fmt.Sprintf("Namnet %q finns inte i de delar av utskriften som meningen hänvisar till.", p.Value)
	case Negation:
		return "Meningen säger emot utskriften: en nekning (till exempel \"inte\") finns i bara den ena."
	default:
		return "Meningen innehåller för lite av det som står i de delar av utskriften som den hänvisar till."
	}
}

// swedishNumber writes a whole number of digits the Swedish way, with a
// space between groups of three digits ("9 900", "1 250 000"), as the
// transcript writes amounts. Four-digit numbers from 1900 to 2099 stay
// whole because they are most likely years; anything else is returned as it is.
func swedishNumber(v string) string {
	if len(v) < 4 || strings.Trim(v, "0123456789") != "" {
		return v
	}
	if len(v) == 4 && (v[:2] == "19" || v[:2] == "20") {
		return v
	}
	var b strings.Builder
	for i, r := range v {
		if i > 0 && (len(v)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// VerifierOptions configures a Verifier. Zero fields mean the documented
// defaults.
type VerifierOptions struct {
	// MinOverlap is the share of a sentence's content words that must be
	// found in its cited segments, in (0, 1]. Default 0.5.
	MinOverlap float64

	// IsName reports whether a capitalized word is a person's name. The
	// verifier calls it for the first word of a sentence, which is
	// capitalized anyway. Default: the first word is not checked as a name.
	IsName func(word string) bool
}

// Verifier checks sentences against the transcript they cite. It is safe
// for concurrent use.
type Verifier struct {
	opts VerifierOptions
	segs map[int64]svtext.Segment
}

// NewVerifier returns a verifier for the transcript segs. The sentences it
// checks must be in the same form as segs: when the engine saw a
// pseudonymized transcript, pass the pseudonymized segments. opts may be
// nil.
func NewVerifier(segs []svtext.Segment, opts *VerifierOptions) (*Verifier, error) {
	o := VerifierOptions{}
	if opts != nil {
		o = *opts
	}
	if o.MinOverlap == 0 {
		o.MinOverlap = 0.5
	}
	if o.MinOverlap < 0 || o.MinOverlap > 1 {
		return nil, fmt.Errorf("invalid minimum overlap %g: use a value in (0, 1]", o.MinOverlap)
	}
	if o.IsName == nil {
		o.IsName = func(string) bool { return false }
	}

	v := &Verifier{opts: o, segs: make(map[int64]svtext.Segment, len(segs))}
	for _, s := range segs {
		v.segs[s.ID] = s
	}
	return v, nil
}

// Verify parses an engine's reply into sentences and checks each one.
func (v *Verifier) Verify(reply string) []Sentence {
	sentences := parseReply(reply)
	for i := range sentences {
		v.Check(&sentences[i])
	}
	return sentences
}

// Check verifies one sentence and sets its Supported and Problems fields.
func (v *Verifier) Check(s *Sentence) {
	s.Problems = nil
	if len(s.Citations) == 0 {
		s.Problems = append(s.Problems, Problem{Kind: NoCitation})
	}

	var sources []string
	for _, id := range s.Citations {
		seg, ok := v.segs[id]
		if !ok {
			s.Problems = append(s.Problems, Problem{Kind: UnknownSegment, Value: fmt.Sprint(id)})
			continue
		}
		sources = append(sources, seg.Text)
	}
	if len(sources) > 0 {
		s.Problems = append(s.Problems, v.checkClaims(s.Text, strings.Join(sources, "\n"))...)
	}
	s.Supported = len(s.Problems) == 0
}

// placeholderPattern matches the placeholders of the pseudo package.
var placeholderPattern = regexp.MustCompile(`\[(?:Person|Personnummer|Samordningsnummer|Nummer|Telefon|Adress|E-post) \d+\]`)

// checkClaims returns the problems of a claim whose cited text is source.
func (v *Verifier) checkClaims(claim, source string) []Problem {
	var problems []Problem

	for _, p := range placeholderPattern.FindAllString(claim, -1) {
		if !strings.Contains(source, p) {
			problems = append(problems, Problem{Kind: MissingName, Value: p})
		}
	}
	plainClaim := placeholderPattern.ReplaceAllString(claim, " ")
	plainSource := placeholderPattern.ReplaceAllString(source, " ")

	have := svtext.Numbers(plainSource)
	for _, n := range uniq(svtext.Numbers(plainClaim)) {
		if !slices.Contains(have, n) {
			problems = append(problems, Problem{Kind: MissingNumber, Value: n})
		}
	}

	days := svtext.CalendarWords(plainSource)
	for _, d := range uniq(svtext.CalendarWords(plainClaim)) {
		if !slices.Contains(days, d) {
			problems = append(problems, Problem{Kind: MissingDate, Value: d})
		}
	}

	for _, name := range v.names(plainClaim) {
		if !mentions(plainSource, name) {
			problems = append(problems, Problem{Kind: MissingName, Value: name})
		}
	}

	if negationMismatch(plainClaim, plainSource) {
		problems = append(problems, Problem{Kind: Negation})
	}

	if overlap(plainClaim, plainSource) < v.opts.MinOverlap {
		problems = append(problems, Problem{Kind: LowOverlap})
	}
	return problems
}

func uniq(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// names returns the capitalized words of a claim that are names: every
// capitalized word after the first of a sentence, and the first when
// IsName returns true.
func (v *Verifier) names(claim string) []string {
	var out []string
	for i, t := range svtext.Tokenize(claim) {
		r, _ := utf8.DecodeRuneInString(t.Text)
		if !unicode.IsUpper(r) || t.Number {
			continue
		}
		if i == 0 && !v.opts.IsName(t.Text) {
			continue
		}
		out = append(out, t.Text)
	}
	return uniq(out)
}

// mentions reports whether source has the word name, also in the genitive
// or without it ("Linneas" and "Linnea").
func mentions(source, name string) bool {
	lower := strings.ToLower(name)
	base := strings.TrimSuffix(lower, "s")
	for _, t := range svtext.Tokenize(source) {
		if t.Lower == lower || t.Lower == base || strings.TrimSuffix(t.Lower, "s") == lower {
			return true
		}
	}
	return false
}

// metaWords are words with which a reply reports the meeting rather than
// its content ("klienten berättade att …"); they are left out of the
// overlap. Abbreviations are written out so "kr" matches "kronor".
var metaWords = map[string]bool{
	"klient": true, "klienten": true, "klientens": true, "handläggare": true, "handläggaren": true,
	"handläggarens": true, "berätta": true, "berättar": true, "berättade": true, "berättat": true,
	"uppge": true, "uppger": true, "uppgav": true, "uppgett": true, "sade": true, "mötet": true,
	"möte": true, "samtalet": true, "nämner": true, "nämnde": true, "beskriver": true, "beskrev": true,
	"enligt": true, "tolken": true, "framkom": true, "framgår": true, "framkommer": true,
	"uttrycker": true, "uttryckte": true, "även": true, "cirka": true, "ca": true, "ungefär": true,
	"kr": true, "kronor": true, "kl": true, "klockan": true, "deltog": true, "närvarande": true,
}

// contentStems returns the stems of a text's content words, without meta
// words and numbers, which the number check covers.
func contentStems(text string) []string {
	var out []string
	for _, t := range svtext.Tokenize(text) {
		if t.Stop || t.Number || metaWords[t.Lower] || svtext.IsNegation(t.Lower) || utf8.RuneCountInString(t.Lower) < 2 {
			continue
		}
		if _, ok := numberValue(t.Lower); ok {
			continue
		}
		out = append(out, t.Stem)
	}
	return out
}

// numberValue reports whether a word is a number word.
func numberValue(lower string) (string, bool) {
	n := svtext.Numbers(lower)
	if len(n) == 1 {
		return n[0], true
	}
	return "", false
}

// stemsMatch reports whether two stems name the same thing: equal, or one
// is the start or end of the other, as in Swedish compounds
// ("skuld" in "hyresskuld", "frånvar" in "frånvaro").
func stemsMatch(a, b string) bool {
	if a == b {
		return true
	}
	if utf8.RuneCountInString(a) < 4 || utf8.RuneCountInString(b) < 4 {
		return false
	}
	return strings.HasPrefix(a, b) || strings.HasPrefix(b, a) || strings.HasSuffix(a, b) || strings.HasSuffix(b, a)
}

// overlap returns the share of the claim's content stems found in source,
// or 1 for a claim without content words.
func overlap(claim, source string) float64 {
	stems := uniq(contentStems(claim))
	if len(stems) == 0 {
		return 1
	}
	have := uniq(contentStems(source))
	found := 0
	for _, c := range stems {
		if slices.ContainsFunc(have, func(s string) bool { return stemsMatch(c, s) }) {
			found++
		}
	}
	return float64(found) / float64(len(stems))
}
