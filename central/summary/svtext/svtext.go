// Package svtext splits Swedish transcript text into sentences and words and
// reduces words to their stems, for the summarizer, the question answering
// and the verifier of chat engine replies. It defines Segment, the transcript
// row those packages take as input.
package svtext

import (
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kljensen/snowball/swedish"
)

// Segment is one transcript row: a speaker's continuous stretch of speech.
// Start and End are relative to the start of the recording.
type Segment struct {
	ID         int64
	Start, End time.Duration
	Speaker    string
	Text       string
}

// Token is one word or number of a text.
type Token struct {
	Text       string // as written
	Lower      string // lower case
	Stem       string // Swedish Snowball stem of Lower; numbers are kept as written
	Start, End int    // byte offsets in the text
	Stop       bool   // a stop word or a filler such as "eh"
	Number     bool   // starts with a digit
}

// Tokenize splits s into words and numbers. A number keeps inner dots,
// colons, commas and dashes between digits, so "14.30", "2,5" and
// "2026-03-15" are one token each. Letters joined by a hyphen ("CSN-lån")
// stay one token.
func Tokenize(s string) []Token {
	var toks []Token
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		if !isWordRune(r) {
			i += size
			continue
		}

		start := i
		number := unicode.IsDigit(r)
		i += size
		for i < len(s) {
			r, size = utf8.DecodeRuneInString(s[i:])
			if isWordRune(r) {
				i += size
				continue
			}
			if joinsWord(s, i, r, size, number) {
				i += size
				continue
			}
			break
		}

		text := s[start:i]
		lower := strings.ToLower(text)
		tok := Token{Text: text, Lower: lower, Start: start, End: i, Number: number}
		tok.Stop = IsStopWord(lower)
		if number {
			tok.Stem = lower
		} else {
			tok.Stem = Stem(lower)
		}
		toks = append(toks, tok)
	}
	return toks
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// joinsWord reports whether the punctuation rune r at s[i:] sits inside a
// token: between two digits in a number, or a hyphen or colon between
// letters ("CSN-lån", "LSS:s").
func joinsWord(s string, i int, r rune, size int, number bool) bool {
	if i+size >= len(s) {
		return false
	}
	next, _ := utf8.DecodeRuneInString(s[i+size:])
	prev, _ := utf8.DecodeLastRuneInString(s[:i])
	switch r {
	case '.', ',', ':', '-', '/':
		if number {
			return unicode.IsDigit(prev) && unicode.IsDigit(next)
		}
		return (r == '-' || r == ':') && unicode.IsLetter(prev) && unicode.IsLetter(next)
	}
	return false
}

var (
	stemMu    sync.Mutex
	stemCache = map[string]string{}
)

// stemCacheMax bounds the stem cache. A two-hour meeting uses a few
// thousand distinct words.
const stemCacheMax = 100_000

// Stem returns the Swedish Snowball stem of a lower-case word.
func Stem(lower string) string {
	stemMu.Lock()
	stem, ok := stemCache[lower]
	stemMu.Unlock()
	if ok {
		return stem
	}

	stem = swedish.Stem(lower, true)
	if stem == lower && utf8.RuneCountInString(lower) >= 5 {
		// Snowball's Swedish stemmer keeps the definite singular endings
		// "-et" and "-an", so "beslutet" would not match "beslut" nor
		// "hyran" match "hyra".
		if trimmed, ok := strings.CutSuffix(lower, "et"); ok {
			stem = swedish.Stem(trimmed, true)
		} else if trimmed, ok := strings.CutSuffix(lower, "an"); ok {
			stem = swedish.Stem(trimmed+"a", true)
		}
	}

	stemMu.Lock()
	if len(stemCache) >= stemCacheMax {
		clear(stemCache)
	}
	stemCache[lower] = stem
	stemMu.Unlock()
	return stem
}

// fillers are words of spoken Swedish that carry no content, in addition to
// the Snowball stop words.
var fillers = map[string]bool{
	"eh": true, "ehm": true, "öh": true, "öhm": true, "hm": true, "hmm": true, "mm": true, "mhm": true,
	"aa": true, "ja": true, "jo": true, "nä": true, "nja": true, "okej": true, "ok": true, "alltså": true,
	"liksom": true, "typ": true, "ju": true, "väl": true, "nog": true, "bara": true, "också": true,
	"lite": true, "mycket": true, "sådär": true, "precis": true, "absolut": true, "visst": true,
	"tack": true, "bra": true, "hej": true, "får": true, "fick": true, "blir": true, "bli": true,
	"går": true, "gör": true, "göra": true, "finns": true, "säga": true, "säger": true, "sa": true,
	"tror": true, "tänker": true, "kanske": true, "ska": true, "kommer": true, "då": true,
	"lika": true, "sen": true, "sedan": true, "både": true, "någonting": true, "ingenting": true,
	"hur": true, "varför": true, "vilken": true, "vilket": true, "vilka": true, "vem": true,
}

// IsStopWord reports whether a lower-case word carries no content of its
// own: a Snowball Swedish stop word or a filler of spoken language.
// Negations are stop words here; Negation finds them.
func IsStopWord(lower string) bool {
	return swedish.IsStopWord(lower) || fillers[lower]
}

// negations are the Swedish words that negate a clause.
var negations = map[string]bool{
	"inte": true, "ej": true, "icke": true, "aldrig": true, "ingen": true, "inget": true,
	"inga": true, "ingenting": true, "ingenstans": true, "varken": true,
	"nej": true,
}

// IsNegation reports whether a lower-case word negates a clause.
func IsNegation(lower string) bool {
	return negations[lower]
}

// ContentStems returns the stems of the words in s that carry content: no
// stop words, fillers or one-letter words. Numbers are included.
func ContentStems(s string) []string {
	var out []string
	for _, t := range Tokenize(s) {
		if t.Stop || IsNegation(t.Lower) || utf8.RuneCountInString(t.Lower) < 2 && !t.Number {
			continue
		}
		out = append(out, t.Stem)
	}
	return out
}

// IsFunctionWord reports whether a lower-case word is a Snowball Swedish
// stop word: a pronoun, preposition, conjunction or auxiliary. Unlike
// IsStopWord it keeps verbs of spoken Swedish such as "kommer" and "går",
// which matter for what a negation denies.
func IsFunctionWord(lower string) bool {
	return swedish.IsStopWord(lower)
}
