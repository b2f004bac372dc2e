package summary

import (
	"math"
	"slices"
	"strings"

	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

// document is a transcript prepared for ranking.
type document struct {
	segs      []svtext.Segment
	roles     map[string]Role
	sentences []svtext.Sentence
	lower     []string // " " + lower-case words of each sentence + " "
	content   []int    // number of content words of each sentence
	vectors   []vector // TF-IDF of each sentence, unit length
	segIndex  map[int64]int

	// unlabelled is set when no segment names its speaker, as before
	// diarization. Roles then come from how each sentence is worded.
	unlabelled bool
}

// vector is a sparse TF-IDF vector over stems.
type vector map[string]float64

// candidate is a sentence proposed for a section with its relevance in
// [0, 1] and any segments it cites besides its own, such as the reply that
// confirms a proposal.
type candidate struct {
	sentence int
	score    float64
	extra    []int64
}

func analyze(segs []svtext.Segment, roles map[string]Role) *document {
	doc := &document{segs: segs, roles: roles, segIndex: map[int64]int{}, unlabelled: true}
	for i, seg := range segs {
		doc.segIndex[seg.ID] = i
		if seg.Speaker != "" {
			doc.unlabelled = false
		}
	}
	doc.sentences = svtext.SplitSegments(segs)

	stems := make([][]string, len(doc.sentences))
	df := map[string]int{}
	for i, sen := range doc.sentences {
		stems[i] = svtext.ContentStems(sen.Text)
		doc.content = append(doc.content, len(stems[i]))
		doc.lower = append(doc.lower, " "+strings.Join(strings.Fields(wordsOnly(sen.Text)), " ")+" ")
		for _, st := range uniq(stems[i]) {
			df[st]++
		}
	}

	n := float64(len(doc.sentences))
	for i := range doc.sentences {
		v := vector{}
		for _, st := range stems[i] {
			v[st] += math.Log(1 + n/float64(df[st]))
		}
		doc.vectors = append(doc.vectors, normalize(v))
	}
	return doc
}

// wordsOnly lowers s and replaces punctuation other than inner dots and
// hyphens with spaces, so cue phrases match whole words.
func wordsOnly(s string) string {
	var b strings.Builder
	for _, t := range svtext.Tokenize(s) {
		b.WriteString(t.Lower)
		b.WriteByte(' ')
	}
	return b.String()
}

func uniq(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

func normalize(v vector) vector {
	var sum float64
	for _, w := range v {
		sum += w * w
	}
	if sum == 0 {
		return v
	}
	norm := math.Sqrt(sum)
	for k := range v {
		v[k] /= norm
	}
	return v
}

func cosine(a, b vector) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	var dot float64
	for k, w := range a {
		dot += w * b[k]
	}
	return dot
}

// centroid returns the normalized sum of the vectors of the given sentences.
func (d *document) centroid(keep func(i int) bool) vector {
	c := vector{}
	for i, v := range d.vectors {
		if !keep(i) {
			continue
		}
		for k, w := range v {
			c[k] += w
		}
	}
	return normalize(c)
}

func (d *document) role(i int) Role {
	return d.roles[d.sentences[i].Speaker]
}

func (d *document) isQuestion(i int) bool {
	return strings.HasSuffix(d.sentences[i].Text, "?")
}

// cueScore returns the sum of the weights of the cues that occur in
// sentence i.
func (d *document) cueScore(i int, cues []cue) float64 {
	var score float64
	for _, c := range cues {
		if strings.Contains(d.lower[i], " "+c.phrase+" ") {
			score += c.weight
		}
	}
	return score
}

// relative returns where sentence i sits in the meeting, from 0 at the
// start to 1 at the end.
func (d *document) relative(i int) float64 {
	if len(d.sentences) < 2 {
		return 0
	}
	return float64(i) / float64(len(d.sentences)-1)
}

func (d *document) purposeCandidates() []candidate {
	var out []candidate
	for i := range d.sentences {
		if d.relative(i) > 0.35 || d.content[i] < 2 {
			continue
		}
		cue := d.cueScore(i, purposeCues)
		if cue == 0 {
			continue
		}
		score := cue
		if d.role(i) == RoleCaseworker {
			score *= 1.5
		}
		if d.isQuestion(i) {
			score *= 0.5
		}
		score *= 1.2 - d.relative(i)
		out = append(out, candidate{sentence: i, score: score})
	}
	return scale(out)
}

func (d *document) agreementCandidates() []candidate {
	var out []candidate
	for i := range d.sentences {
		if d.content[i] < 2 {
			continue
		}
		cue := d.cueScore(i, agreementCues)
		reply, confirmed := d.confirmation(i)
		if confirmed && (cue > 0 || d.cueScore(i, proposalCues) > 0) {
			// A proposal or an offer that the other side accepts is an
			// agreement.
			cue += 1.5
		} else {
			confirmed = false
		}
		if cue == 0 || (d.isQuestion(i) && !confirmed) {
			continue
		}

		c := candidate{sentence: i, score: cue * (0.6 + 0.4*d.relative(i))}
		if confirmed {
			c.extra = []int64{reply}
		}
		out = append(out, c)
	}
	return scale(out)
}

func (d *document) nextStepCandidates() []candidate {
	var out []candidate
	for i := range d.sentences {
		if d.content[i] < 2 {
			continue
		}
		future := d.cueScore(i, futureCues)
		date := svtext.HasDate(d.sentences[i].Text)
		if future == 0 || (!date && d.cueScore(i, nextStepCues) == 0) {
			continue
		}

		score := future + d.cueScore(i, nextStepCues)
		if date {
			score += 2
		}
		c := candidate{sentence: i, score: score * (0.5 + 0.5*d.relative(i))}
		if d.isQuestion(i) {
			reply, ok := d.confirmation(i)
			if !ok {
				continue
			}
			c.extra = []int64{reply}
		}
		out = append(out, c)
	}
	return scale(out)
}

// accountCandidates ranks what the client's side said by its similarity to
// the centroid of everything that side said, so sentences about the main
// topics of the client's account come first.
func (d *document) accountCandidates() []candidate {
	if !slices.ContainsFunc(d.sentences, func(s svtext.Sentence) bool { return d.roles[s.Speaker].clientSide() }) && !d.unlabelled {
		return nil
	}
	center := d.centroid(d.clientSide)

	var out []candidate
	for i := range d.sentences {
		if !d.clientSide(i) || d.isQuestion(i) || !d.informative(i) {
			continue
		}
		length := math.Min(1, float64(d.content[i])/8)
		score := cosine(d.vectors[i], center)*(0.6+0.4*length) + 0.15*d.cueScore(i, accountCues)
		out = append(out, candidate{sentence: i, score: score})
	}
	return scale(out)
}

// clientSide reports whether sentence i belongs to the client's account.
// With speakers, that is every sentence of the client's side. Without, it is a
// statement in the first person singular that neither addresses the
// listener nor announces what the speaker will do for them, the way a
// caseworker talks.
func (d *document) clientSide(i int) bool {
	if !d.unlabelled {
		return d.role(i).clientSide()
	}
	return !d.isQuestion(i) && d.cueScore(i, selfCues) > 0 &&
		d.cueScore(i, listenerCues) == 0 && d.cueScore(i, caseworkerCues) == 0
}

// informative reports whether sentence i says enough to stand alone as a
// line: three content words, or two with a number or a date.
func (d *document) informative(i int) bool {
	if d.content[i] >= 3 {
		return true
	}
	text := d.sentences[i].Text
	return d.content[i] == 2 && (len(svtext.Numbers(text)) > 0 || svtext.HasDate(text))
}

// isInterpreting reports whether sentence i is an interpreter speaking
// about the interpreting itself ("jag tolkar allt som sägs") rather than
// rendering what someone said.
func (d *document) isInterpreting(i int) bool {
	return d.role(i) == RoleInterpreter && d.cueScore(i, interpretingCues) > 0
}

// confirmation returns the segment that accepts what sentence i proposes:
// sentence i ends its segment, and the next segment is another speaker's
// and starts with a yes.
func (d *document) confirmation(i int) (int64, bool) {
	sen := d.sentences[i]
	if i+1 < len(d.sentences) && d.sentences[i+1].SegmentID == sen.SegmentID {
		return 0, false
	}
	next := d.segIndex[sen.SegmentID] + 1
	if next >= len(d.segs) || d.segs[next].Speaker == sen.Speaker {
		return 0, false
	}
	reply := " " + wordsOnly(d.segs[next].Text)
	for _, yes := range confirmations {
		if strings.HasPrefix(reply, " "+yes+" ") {
			return d.segs[next].ID, true
		}
	}
	return 0, false
}

// scale divides every score by the highest, so scores are in [0, 1].
func scale(cands []candidate) []candidate {
	top := 0.0
	for _, c := range cands {
		top = max(top, c.score)
	}
	if top == 0 {
		return cands
	}
	for i := range cands {
		cands[i].score /= top
	}
	return cands
}

// lines turns chosen candidates into summary lines.
func (d *document) lines(cands []candidate) []Line {
	var out []Line
	for _, c := range cands {
		sen := d.sentences[c.sentence]
		ids := append([]int64{sen.SegmentID}, c.extra...)
		slices.Sort(ids)
		out = append(out, Line{Speaker: sen.Speaker, Text: sen.Text, Segments: slices.Compact(ids)})
	}
	return out
}

// participants lists every speaker with its role, citing the sentence in
// which the speaker introduces themselves or else their first segment. It
// marks every introduction used, so no other section repeats one.
func (d *document) participants(used map[int]bool) []Line {
	for i := range d.sentences {
		if d.cueScore(i, introductionCues) > 0 || d.isInterpreting(i) {
			used[i] = true
		}
	}

	var out []Line
	seen := map[string]bool{}
	for _, seg := range d.segs {
		if seen[seg.Speaker] || strings.TrimSpace(seg.Text) == "" {
			continue
		}
		seen[seg.Speaker] = true

		line := Line{Speaker: seg.Speaker, Text: seg.Speaker + " (" + d.roles[seg.Speaker].Swedish() + ")", Segments: []int64{seg.ID}}
		if intro, ok := d.introduction(seg.Speaker); ok {
			line.Text += ": " + intro.Text
			line.Segments = []int64{intro.SegmentID}
		}
		out = append(out, line)
	}
	return out
}

// introduction returns the first sentence, within the first fifth of the
// meeting, in which speaker says who they are.
func (d *document) introduction(speaker string) (svtext.Sentence, bool) {
	for i, sen := range d.sentences {
		if d.relative(i) > 0.2 {
			break
		}
		if sen.Speaker == speaker && d.cueScore(i, introductionCues) > 0 {
			return sen, true
		}
	}
	return svtext.Sentence{}, false
}
