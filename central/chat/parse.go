package chat

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

// Sentence is one sentence of an engine's reply with the segments it cites
// and the verifier's verdict.
type Sentence struct {
	Heading   string  // the heading above the sentence, or ""
	Text      string  // without the citation marks
	Citations []int64 // segment ids in the order cited, without duplicates
	Supported bool    // whether the verifier found every claim in the cited segments
	Problems  []Problem
}

// citationGroup matches one citation mark such as "[S12]" or "[S12, S14]".
// Engines also write "[S12; S14]" and "[s12,14]", which count the same.
var citationGroup = regexp.MustCompile(`\[\s*[Ss]\s?\d+(?:\s*[,;–-]\s*[Ss]?\s?\d+)*\s*\]`)

var citationID = regexp.MustCompile(`\d+`)

// parseReply splits a reply into sentences with their citations. Lines
// starting with "#" are headings. A citation mark belongs to the sentence
// it follows; a sentence followed by no mark before the next sentence has
// none.
func parseReply(reply string) []Sentence {
	var out []Sentence
	heading := ""
	for _, line := range strings.Split(reply, "\n") {
		line = strings.TrimSpace(line)
		if h, ok := strings.CutPrefix(line, "#"); ok {
			heading = strings.TrimSpace(strings.TrimLeft(h, "#"))
			continue
		}
		line = strings.TrimLeft(line, "-*• ")
		if line == "" {
			continue
		}
		for _, s := range parseLine(line) {
			s.Heading = heading
			out = append(out, s)
		}
	}
	return out
}

func parseLine(line string) []Sentence {
	var out []Sentence
	marks := citationGroup.FindAllStringIndex(line, -1)
	last := 0
	for _, m := range marks {
		text := line[last:m[0]]
		ids := idsOf(line[m[0]:m[1]])
		// Adjacent marks "[S1][S2]" belong to the same sentence.
		sentences := svtext.SplitSentences(text)
		if len(sentences) == 0 && len(out) > 0 {
			// A mark after the sentence's full stop ("… i mars. [S3]") or
			// a second mark ("[S1][S2]").
			out[len(out)-1].Citations = appendIDs(out[len(out)-1].Citations, ids...)
		}
		for j, s := range sentences {
			sen := Sentence{Text: s.Text}
			if j == len(sentences)-1 {
				sen.Citations = appendIDs(nil, ids...)
			}
			out = append(out, sen)
		}
		last = m[1]

		// Punctuation right after the mark ends the same sentence.
		rest := line[last:]
		trimmed := strings.TrimLeft(rest, ".!?")
		if len(out) > 0 && len(trimmed) < len(rest) {
			out[len(out)-1].Text += rest[:len(rest)-len(trimmed)]
			last += len(rest) - len(trimmed)
		}
	}
	for _, s := range svtext.SplitSentences(line[last:]) {
		out = append(out, Sentence{Text: s.Text})
	}
	for i := range out {
		out[i].Text = strings.Join(strings.Fields(out[i].Text), " ")
		out[i].Text = strings.ReplaceAll(out[i].Text, " .", ".")
	}
	return out
}

func idsOf(mark string) []int64 {
	var ids []int64
	for _, d := range citationID.FindAllString(mark, -1) {
		id, err := strconv.ParseInt(d, 10, 64)
		if err == nil {
			ids = append(ids, id)
		}
	}
	return ids
}

func appendIDs(ids []int64, more ...int64) []int64 {
	for _, id := range more {
		dup := false
		for _, have := range ids {
			dup = dup || have == id
		}
		if !dup {
			ids = append(ids, id)
		}
	}
	return ids
}
