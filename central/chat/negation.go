package chat

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

// negativeVerbs negate without a negation word ("saknar arbete" for "har
// inte arbete").
var negativeVerbs = map[string]bool{
	"saknar": true, "saknade": true, "saknat": true, "utan": true, "slutat": true, "slutade": true,
	"vägrar": true, "vägrade": true, "avböjer": true, "avböjde": true, "nekar": true, "nekade": true,
}

// clauseBreaks end the reach of a negation: conjunctions and subjunctions
// that start another clause.
var clauseBreaks = map[string]bool{
	"och": true, "men": true, "eller": true, "så": true, "som": true, "när": true,
	"eftersom": true, "fast": true, "medan": true,
}

// How many words before and after a negation it covers. A Swedish main
// clause puts the negation after the finite verb and before what it
// denies ("vill inte ha kontakt"), so the subject before the verb is left
// out. Before the negation, scopeBefore counts content words only.
const (
	scopeBefore = 1
	scopeAfter  = 3
)

func isNegator(lower string) bool {
	return svtext.IsNegation(lower) || negativeVerbs[lower]
}

// scope is the stems of a text inside the reach of one negation.
type scope []string

// scopes returns the reach of every negation of text, and the stems of the
// text outside any reach.
func scopes(text string) (negations []scope, outside []string) {
	for _, sen := range svtext.SplitSentences(text) {
		toks := svtext.Tokenize(sen.Text)
		covered := make([]bool, len(toks))
		for i, t := range toks {
			if !isNegator(t.Lower) {
				continue
			}
			var sc scope
			// Going back, a pronoun between the verb and the negation
			// ("kommer hon inte") does not count against the reach.
			content := 0
			for j := i - 1; j >= max(0, i-scopeBefore-1) && content < scopeBefore && !breaksClause(sen.Text, toks, j, j+1, j); j-- {
				covered[j] = true
				sc = appendContent(sc, toks[j])
				if !svtext.IsFunctionWord(toks[j].Lower) {
					content++
				}
			}
			for j := i + 1; j <= min(len(toks)-1, i+scopeAfter) && !breaksClause(sen.Text, toks, j-1, j, j); j++ {
				covered[j] = true
				sc = appendContent(sc, toks[j])
			}
			negations = append(negations, sc)
		}
		for i, t := range toks {
			if !covered[i] && !isNegator(t.Lower) {
				outside = appendContent(outside, t)
			}
		}
	}
	return negations, outside
}

func appendContent(stems []string, t svtext.Token) []string {
	if isNegator(t.Lower) || svtext.IsFunctionWord(t.Lower) || t.Number {
		return stems
	}
	return append(stems, t.Stem)
}

// breaksClause reports whether the reach of a negation ends at token next,
// which is a or b. It ends at a comma or other mark between the neighbours
// a and b, and at a conjunction.
func breaksClause(text string, toks []svtext.Token, a, b, next int) bool {
	return strings.ContainsAny(text[toks[a].End:toks[b].Start], ",;:–") || clauseBreaks[toks[next].Lower]
}

func containsStem(stems []string, stem string) bool {
	return slices.ContainsFunc(stems, func(s string) bool { return stemsMatch(s, stem) })
}

// negationMismatch reports whether claim and its cited source disagree
// about negation. Every negation of the claim must cover a word that a
// negation of the source covers, unless it covers no content word ("när
// hon inte kommer"), and then the source must negate something. A word
// that the claim states plainly contradicts the source when the source has
// it only under a negation. A reply that starts with "nej" negates the
// question before it.
//
// NOTE: the reach of a negation is a window of words, not a parse, so a
// faithful paraphrase such as "saknar jobb" for "har inte jobb" can be
// flagged, and negation across two sentences is not followed.
func negationMismatch(claim, source string) bool {
	claimNeg, claimOut := scopes(claim)
	srcNeg, srcOut := sourceScopes(source)
	var srcIn []string
	for _, sc := range srcNeg {
		srcIn = append(srcIn, sc...)
	}

	switch {
	case hasNegation(claim) && oPrefixNegates(claim, source):
		// "inte … obetald" is a double negation, which affirms.
		return len(srcNeg) > 0
	case hasNegation(claim):
		if len(srcNeg) == 0 {
			return true
		}
		for _, sc := range claimNeg {
			if len(sc) > 0 && !slices.ContainsFunc(sc, func(c string) bool { return containsStem(srcIn, c) }) {
				return true
			}
		}
	case oPrefixNegates(claim, source):
		// "obetald" negates the whole claim in one word.
		return len(srcNeg) == 0
	}

	for _, c := range claimOut {
		if containsStem(srcIn, c) && !containsStem(srcOut, c) {
			return true
		}
	}
	return false
}

// sourceScopes is scopes for cited segments joined by line breaks, where
// a segment that answers the question in the segment before it with "nej"
// negates the whole question.
func sourceScopes(source string) ([]scope, []string) {
	segs := strings.Split(source, "\n")
	var negations []scope
	var outside []string
	for i, seg := range segs {
		if i+1 < len(segs) && strings.HasSuffix(strings.TrimSpace(seg), "?") && answersNo(segs[i+1]) {
			_, all := scopes(seg)
			negations = append(negations, all)
			continue
		}
		neg, out := scopes(seg)
		negations = append(negations, neg...)
		outside = append(outside, out...)
	}
	return negations, outside
}

// answersNo reports whether "nej" is among the first three words of a
// reply, as in "Nej, det har jag inte." or "Hon säger nej."
func answersNo(reply string) bool {
	toks := svtext.Tokenize(reply)
	for _, t := range toks[:min(len(toks), 3)] {
		if t.Lower == "nej" {
			return true
		}
	}
	return false
}

func hasNegation(text string) bool {
	for _, t := range svtext.Tokenize(text) {
		if isNegator(t.Lower) {
			return true
		}
	}
	return false
}

// oPrefixNegates reports whether the claim negates with a word with the
// prefix "o-" ("obetald") whose rest is a word of the source ("betalat"),
// while the word itself is not in the source.
func oPrefixNegates(claim, source string) bool {
	have := contentStems(source)
	for _, t := range svtext.Tokenize(claim) {
		rest, ok := strings.CutPrefix(t.Lower, "o")
		if !ok || utf8.RuneCountInString(rest) < 4 || containsStem(have, t.Stem) {
			continue
		}
		stem := svtext.Stem(rest)
		if slices.ContainsFunc(have, func(h string) bool { return h == stem || strings.HasPrefix(h, stem) || strings.HasPrefix(stem, h) }) {
			return true
		}
	}
	return false
}
