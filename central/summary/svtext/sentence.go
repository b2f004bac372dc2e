package svtext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentence is one sentence of a segment.
type Sentence struct {
	SegmentID int64
	Speaker   string
	Index     int    // position among all sentences of the transcript
	Text      string // trimmed, as written in the segment
	Start     int    // byte offset of Text in the segment's text
}

// abbreviations end with a dot that does not end a sentence. Keys are lower
// case without the final dot.
var abbreviations = map[string]bool{
	"t.ex": true, "bl.a": true, "kl": true, "ca": true, "dvs": true, "d.v.s": true, "osv": true,
	"o.s.v": true, "m.m": true, "mm": true, "s.k": true, "t.o.m": true, "fr.o.m": true, "nr": true,
	"tel": true, "st": true, "resp": true, "jfr": true, "p.g.a": true, "pga": true, "enl": true,
	"mfl": true, "m.fl": true, "f.d": true, "el": true, "ang": true, "inkl": true, "exkl": true,
	"tfn": true, "kr": true, "mån": true, "tis": true, "ons": true, "tors": true, "fre": true,
	"jan": true, "feb": true, "aug": true, "sep": true, "sept": true, "okt": true, "nov": true,
	"dec": true, "e.d": true, "o.d": true, "fru": true, "dr": true, "vg": true,
}

// maxSentenceWords is where a sentence without punctuation is cut. Speech
// engines sometimes return a whole minute without a full stop, and a summary
// line or a quoted answer should stay readable.
const maxSentenceWords = 40

// SplitSentences splits a text into sentences. It ends a sentence at ".",
// "!", "?", "…" and line breaks, but not after an abbreviation ("t.ex.",
// "kl."), inside a number ("14.30") or before a lower-case continuation
// after an ellipsis. A stretch longer than maxSentenceWords words without
// such an end is cut at a comma or at "och", "men" or "så" near the limit.
// The returned offsets point into text.
func SplitSentences(text string) []Sentence {
	var out []Sentence
	start := 0
	emit := func(end int) {
		for _, piece := range cutLong(text, start, end) {
			trimmed := strings.TrimSpace(text[piece[0]:piece[1]])
			if trimmed == "" || !hasWord(trimmed) {
				continue
			}
			offset := piece[0] + strings.Index(text[piece[0]:piece[1]], trimmed)
			out = append(out, Sentence{Text: trimmed, Start: offset})
		}
	}

	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case r == '\n':
			emit(i)
			start = i + size
		case r == '?' || r == '!' || r == '…':
			end := skipTerminators(text, i+size)
			if !continuesLowercase(text, end) || r != '…' {
				emit(end)
				start = end
			}
			i = end
			continue
		case r == '.':
			if endsSentence(text, i) {
				end := skipTerminators(text, i+size)
				if !(strings.HasPrefix(text[i:], "..") && continuesLowercase(text, end)) {
					emit(end)
					start = end
				}
				i = end
				continue
			}
		}
		i += size
	}
	emit(len(text))
	return out
}

// SplitSegments splits every segment into sentences and numbers them in
// transcript order.
func SplitSegments(segs []Segment) []Sentence {
	var out []Sentence
	for _, seg := range segs {
		for _, s := range SplitSentences(seg.Text) {
			s.SegmentID = seg.ID
			s.Speaker = seg.Speaker
			s.Index = len(out)
			out = append(out, s)
		}
	}
	return out
}

func hasWord(s string) bool {
	for _, r := range s {
		if isWordRune(r) {
			return true
		}
	}
	return false
}

// skipTerminators returns the offset after a run of sentence-ending
// punctuation and closing quotes or brackets starting at i.
func skipTerminators(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !strings.ContainsRune(".!?…\"”’)]»", r) {
			break
		}
		i += size
	}
	return i
}

// continuesLowercase reports whether the next word after offset i starts
// with a lower-case letter, as after an ellipsis in the middle of a thought.
func continuesLowercase(text string, i int) bool {
	rest := strings.TrimLeft(text[i:], " \t")
	if rest == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return unicode.IsLower(r)
}

// endsSentence reports whether the dot at text[i] ends a sentence.
func endsSentence(text string, i int) bool {
	prev, _ := utf8.DecodeLastRuneInString(text[:i])
	next, _ := utf8.DecodeRuneInString(text[i+1:])
	if unicode.IsDigit(prev) && unicode.IsDigit(next) {
		return false
	}
	if unicode.IsLetter(next) {
		// "t.ex" and "bl.a": a dot directly followed by a letter.
		return false
	}

	word := lastWord(text[:i])
	if abbreviations[strings.ToLower(word)] {
		return false
	}
	if utf8.RuneCountInString(word) == 1 && unicode.IsUpper([]rune(word)[0]) {
		// An initial, as in "Anna K. Svensson".
		return false
	}
	return true
}

// lastWord returns the word, dots inside it included, that ends text.
func lastWord(text string) string {
	i := len(text)
	for i > 0 {
		r, size := utf8.DecodeLastRuneInString(text[:i])
		if !isWordRune(r) && r != '.' {
			break
		}
		i -= size
	}
	return strings.Trim(text[i:], ".")
}

// cutLong returns [start, end) ranges that split text[start:end] into pieces
// of at most about maxSentenceWords words.
func cutLong(text string, start, end int) [][2]int {
	toks := Tokenize(text[start:end])
	if len(toks) <= maxSentenceWords {
		return [][2]int{{start, end}}
	}

	var out [][2]int
	pieceStart, first := start, 0
	for first < len(toks) {
		if len(toks)-first <= maxSentenceWords {
			break
		}
		cut := first + maxSentenceWords
		for j := first + maxSentenceWords; j > first+maxSentenceWords/2; j-- {
			if breaksBefore(text[start:end], toks, j) {
				cut = j
				break
			}
		}
		at := start + toks[cut].Start
		out = append(out, [2]int{pieceStart, at})
		pieceStart, first = at, cut
	}
	return append(out, [2]int{pieceStart, end})
}

// breaksBefore reports whether a long sentence may be cut before token j:
// after a comma, or before a conjunction that starts a new clause.
func breaksBefore(text string, toks []Token, j int) bool {
	between := text[toks[j-1].End:toks[j].Start]
	if strings.ContainsAny(between, ",;:–") {
		return true
	}
	switch toks[j].Lower {
	case "och", "men", "så", "för", "eftersom":
		return true
	}
	return false
}
