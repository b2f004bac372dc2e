package evalset

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/ordagrann/ordagrann/central/chat"
	"github.com/ordagrann/ordagrann/central/pseudo"
	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

// Kinds of planted errors.
const (
	WrongNumber     = "wrong_number"
	WrongName       = "wrong_name"
	FlippedNegation = "flipped_negation"
	InventedAction  = "invented_action"
)

// PlantedKinds lists the kinds of planted errors.
var PlantedKinds = []string{WrongNumber, WrongName, FlippedNegation, InventedAction}

// VerifierScore counts how the verifier judged the sentences of fake
// engine replies: each fact of a meeting written faithfully, followed by
// planted errors made from it.
type VerifierScore struct {
	Caught, Planted      map[string]int // by kind of planted error
	FaithfulOK, Faithful int
	Escaped              []string // planted sentences that passed
	FalseFlags           []string // faithful sentences flagged, with the problems
}

// Detection returns the share of planted sentences flagged, over all kinds.
func (v VerifierScore) Detection() float64 {
	caught, planted := 0, 0
	for _, k := range PlantedKinds {
		caught += v.Caught[k]
		planted += v.Planted[k]
	}
	return ratio(caught, planted)
}

// FaithfulAccepted returns FaithfulOK / Faithful.
func (v VerifierScore) FaithfulAccepted() float64 { return ratio(v.FaithfulOK, v.Faithful) }

// Reply is one line of a fake engine's reply: a heading, a faithful
// sentence (Kind "") or a planted error.
type Reply struct {
	Kind string
	Line string
}

// VerifierDetection summarizes every meeting with a, whose engine must
// reply with the lines that setReply was last given. It plants, for every
// fact, a wrong number (when the fact has one), a wrong name, a flipped
// negation and an invented action, and counts which sentences the
// verifier flags. d must be the assistant's detector.
func VerifierDetection(ctx context.Context, meetings []Meeting, a *chat.Assistant, d *pseudo.Detector, setReply func(string)) (VerifierScore, error) {
	score := VerifierScore{Caught: map[string]int{}, Planted: map[string]int{}}
	for _, m := range meetings {
		mapping := pseudo.NewMapping()
		// The fake engine writes in the pseudonymized form it receives,
		// so its sentences use the same mapping.
		for _, s := range m.Segments {
			d.Pseudonymize(s.Text, mapping)
		}
		lines := Plant(m, d, mapping)
		var b strings.Builder
		sentences := 0
		for _, l := range lines {
			b.WriteString(l.Line + "\n")
			if l.Kind != "heading" {
				sentences++
			}
		}
		setReply(b.String())

		reply, err := a.Summarize(ctx, m.Segments, mapping)
		if err != nil {
			return score, fmt.Errorf("summarizing %s: %w", m.ID, err)
		}
		if len(reply.Sentences) != sentences {
			return score, fmt.Errorf("%s: reply parsed into %d sentences, want %d", m.ID, len(reply.Sentences), sentences)
		}

		i := 0
		for _, l := range lines {
			if l.Kind == "heading" {
				continue
			}
			got := reply.Sentences[i]
			i++
			switch {
			case l.Kind == "":
				score.Faithful++
				if got.Supported {
					score.FaithfulOK++
				} else {
					score.FalseFlags = append(score.FalseFlags, fmt.Sprintf("%s: %q: %v", m.ID, got.Text, problemKinds(got)))
				}
			case !got.Supported:
				score.Planted[l.Kind]++
				score.Caught[l.Kind]++
			default:
				score.Planted[l.Kind]++
				score.Escaped = append(score.Escaped, fmt.Sprintf("%s: %s: %q", m.ID, l.Kind, got.Text))
			}
		}
	}
	return score, nil
}

func problemKinds(s chat.Sentence) []string {
	var out []string
	for _, p := range s.Problems {
		out = append(out, p.Kind.String())
	}
	return out
}

var headings = map[string]string{
	"participants":   "Deltagare",
	"purpose":        "Syfte med mötet",
	"client_account": "Vad klienten berättade",
	"agreements":     "Överenskommelser",
	"next_steps":     "Nästa steg och datum",
}

// inventedActions are actions that no meeting of the evaluation set
// agrees on.
var inventedActions = []string{
	"Handläggaren ska ansöka om plats på ett behandlingshem åt klienten",
	"Klienten lovade att flytta till sin syster i Malmö",
	"Socialtjänsten beviljar extra bistånd till en ny säng",
	"Handläggaren gör en polisanmälan om misshandel",
	"Klienten ska börja på en dagverksamhet för missbrukare",
	"Ett hembesök bokas hos familjen utan förvarning",
	"Klienten går med på att lämna urinprov varje vecka",
	"Handläggaren kontaktar Försäkringskassan om sjukpenning",
}

var (
	numberToken       = regexp.MustCompile(`\d+`)
	negationWord      = regexp.MustCompile(`(?i)\b(inte|inga|ingen|inget|aldrig|ej)\b`)
	personPlaceholder = regexp.MustCompile(`\[Person \d+\]`)
)

// Plant returns a fake engine's reply for m in pseudonymized form: under
// each section's heading, each fact written faithfully with its citation,
// followed by the planted errors made from it.
func Plant(m Meeting, d *pseudo.Detector, mapping *pseudo.Mapping) []Reply {
	var lines []Reply
	heading := ""
	for i, f := range m.Facts {
		if headings[f.Section] != heading {
			heading = headings[f.Section]
			lines = append(lines, Reply{Kind: "heading", Line: "## " + heading})
		}
		text := strings.TrimSuffix(d.Pseudonymize(f.Text, mapping), ".")
		cite := citation(f.Segments)
		lines = append(lines, Reply{Line: text + " " + cite + "."})

		if wrong, ok := wrongNumber(text); ok {
			lines = append(lines, Reply{Kind: WrongNumber, Line: wrong + " " + cite + "."})
		}
		lines = append(lines, Reply{Kind: WrongName, Line: wrongName(text, i, m, d, mapping, f.Segments) + " " + cite + "."})
		lines = append(lines, Reply{Kind: FlippedNegation, Line: flipNegation(text) + " " + cite + "."})
		lines = append(lines, Reply{Kind: InventedAction, Line: inventedActions[i%len(inventedActions)] + " " + cite + "."})
	}
	return lines
}

func citation(ids []int64) string {
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("S%d", id))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// wrongNumber changes the first number of text, outside placeholders:
// digits grow by one, and a number word becomes another.
func wrongNumber(text string) (string, bool) {
	plain := personPlaceholder.ReplaceAllStringFunc(text, func(p string) string { return strings.Repeat("x", len(p)) })
	if loc := numberToken.FindStringIndex(plain); loc != nil {
		var n int
		fmt.Sscan(text[loc[0]:loc[1]], &n)
		return text[:loc[0]] + fmt.Sprint(n+1) + text[loc[1]:], true
	}
	other := map[string]string{"två": "fem", "tre": "sex", "fyra": "åtta", "fem": "nio", "sex": "tre", "sju": "elva",
		"nio": "fyra", "tio": "tolv", "tolv": "tjugo", "femton": "fyrtio", "arton": "sexton", "tjugo": "trettio",
		"åttiofyra": "sjuttiotvå", "första": "tredje"}
	for _, tok := range svtext.Tokenize(text) {
		if w, ok := other[tok.Lower]; ok {
			return text[:tok.Start] + w + text[tok.End:], true
		}
	}
	return "", false
}

// wrongName puts a person who is not in the cited segments into text: it
// swaps a placeholder for another person's placeholder of the same
// meeting, or else names someone the meeting never mentions, first in the
// sentence or last, alternating.
func wrongName(text string, i int, m Meeting, d *pseudo.Detector, mapping *pseudo.Mapping, cited []int64) string {
	var source strings.Builder
	for _, s := range m.Segments {
		if slices.Contains(cited, s.ID) {
			source.WriteString(d.Pseudonymize(s.Text, mapping))
		}
	}
	if p := personPlaceholder.FindString(text); p != "" {
		for _, other := range mapping.Placeholders() {
			if strings.HasPrefix(other, "[Person ") && !strings.Contains(source.String(), other) {
				return strings.Replace(text, p, other, 1)
			}
		}
	}
	if i%2 == 0 {
		_, rest, _ := strings.Cut(text, " ")
		return "Johan " + rest
	}
	return text + " enligt Kalle Svensson"
}

// flipNegation removes the negation of text, or else negates it: with
// "inte" after the verb where the sentence starts with a subject and a
// known verb, or with "Det stämmer inte att" before it.
func flipNegation(text string) string {
	if loc := negationWord.FindStringIndex(text); loc != nil {
		repl := map[string]string{"inte": "", "ej": "", "inga": "några", "ingen": "en", "inget": "ett", "aldrig": "alltid"}[strings.ToLower(text[loc[0]:loc[1]])]
		return strings.Join(strings.Fields(text[:loc[0]]+repl+text[loc[1]:]), " ")
	}
	words := strings.Fields(text)
	at := 1
	if strings.HasPrefix(words[0], "[") {
		at = 2 // "[Person 1]" is two fields
	}
	if len(words) > at && finiteVerbs[words[at]] {
		return strings.Join(append(words[:at+1:at+1], append([]string{"inte"}, words[at+1:]...)...), " ")
	}
	first, size := utf8.DecodeRuneInString(text)
	return "Det stämmer inte att " + string(unicode.ToLower(first)) + text[size:]
}

// finiteVerbs are verbs after which a main clause takes "inte".
var finiteVerbs = map[string]bool{
	"är": true, "har": true, "blev": true, "bor": true, "kan": true, "ska": true, "vill": true,
	"söker": true, "sover": true, "tar": true, "gillar": true, "träffar": true, "går": true,
	"lovar": true, "fortsätter": true, "ringer": true, "skickar": true, "kommer": true,
	"glömmer": true, "lagar": true, "spelar": true, "sitter": true, "trivs": true, "får": true,
}
