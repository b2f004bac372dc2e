package ui

import (
	"cmp"
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ordagrann/ordagrann/central/diarize"
	"github.com/ordagrann/ordagrann/central/speakers"
	"github.com/ordagrann/ordagrann/central/store"
)

// uncertainBelow is the word probability under which a word is marked as uncertain.
const uncertainBelow = 0.5

// engineView is whether a transcription engine is configured and, if not,
// which setting configures one.
type engineView struct {
	Configured bool
	Hint       string
}

// listPage is the data of the list page.
type listPage struct {
	Title      string
	Engine     engineView
	ShowBoxes  bool // a status source is configured
	Boxes      []boxRow
	Recordings []recordingRow
}

// recordingPage is the data of one recording's page.
type recordingPage struct {
	Title        string
	Engine       engineView
	Rec          recordingRow
	HasAudio     bool
	AudioURL     string
	Segments     []segmentRow
	Transcript   string        // notice shown above the segments, or empty
	Speakers     string        // notice about the speakers: provisional, or relabelled rows
	Actions      any           // data of the "recording-actions" part, from recordingActions
	Thread       any           // data of the "recording-thread" part, from recordingThread
	SegmentCount int           // transcript segments on the page, for the live updates
	SpeakerList  []speakerForm // the recording's speakers, for renaming
	CSRF         string        // token for the page's forms; empty without sign-in

	SpeakerCount speakerCountForm // the "Antal talare" setting
}

// errorPage is the data of the error page.
type errorPage struct {
	Title   string
	Message string
}

// recordingRow is a recording's facts formatted for display.
type recordingRow struct {
	ID         string
	URL        string
	Room       string
	State      string
	StateClass string
	Start      string
	StartISO   string
	Duration   string
	Playable   string // contiguous audio when less than Duration, else empty
	Chunks     string
	Progress   string
	Retrying   bool   // some transcription job failed and waits for another attempt
	Rejecting  bool   // the engine answered but rejected a piece: likely a wrong setting
	Wipe       string // when the scheduled wipe deletes it; empty when unknown
	WipeISO    string
	Rejected   string // why the central service rejected parts of it; empty when none
	Documented bool   // the caseworker marked it as moved to the journal
}

// boxRow is a box's last status formatted for display.
type boxRow struct {
	Room       string
	State      string
	StateClass string
	Since      string
	SinceISO   string
	Spooled    int
}

// segmentRow is a transcript segment formatted for display.
type segmentRow struct {
	Clock   string
	Seconds string // start in seconds, for the player
	Parts   []textPart

	SegmentID int64 // the engine segment the row comes from

	Speaker      string // the speaker's label; empty before diarization
	SpeakerClass string // "speaker-1" to "speaker-6": one colour per speaker on every row
	Overlap      bool   // another speaker talked at the same time
	OverlapWith  string // the other speakers who talked at the same time, when known
	Doubtful     bool   // the engine doubted the whole segment: check it against the audio
	Changed      bool   // the final pass gave this row another speaker than the provisional one

	Edited      bool          // a person changed the text; Parts hold the latest version
	EditedLabel string        // who changed the latest version and when, when Edited
	History     []editVersion // earlier versions, oldest first, when Edited
	Text        string        // the whole segment's current text, for the edit form
	// FirstOfSegment is set on the first row of a segment, which carries
	// the edit form; a segment that changes speaker spans several rows.
	FirstOfSegment bool
}

// editVersion is an earlier text of an edited segment.
type editVersion struct {
	Label string // "Ursprunglig utskrift" or when it was written
	Text  string
}

// textPart is a run of a segment's text: either plain text between words,
// or one word that carries its start time and maybe an uncertainty mark.
type textPart struct {
	Text      string
	Word      bool
	Uncertain bool
	Seconds   string
}

// recordingRow formats rec and its transcription jobs.
func (h *handler) recordingRow(rec store.Recording, jobs []store.Job) recordingRow {
	start := rec.ConsentAt
	if start.IsZero() {
		start = rec.FirstSeen
	}

	done, retrying, rejecting := 0, false, false
	for _, j := range jobs {
		if j.Done {
			done++
		} else if j.Attempts > 0 {
			retrying = true
			// central/pipeline stores this prefix when the engine answered
			// with an error rather than not answering at all.
			rejecting = rejecting || strings.HasPrefix(j.LastError, "engine rejected")
		}
	}

	row := recordingRow{
		ID:         rec.ID,
		URL:        "/recordings/" + rec.ID,
		Room:       rec.BoxID,
		State:      recordingStateLabel(rec.State, rec.Complete),
		StateClass: "state-" + string(rec.State),
		Start:      formatDateTime(start, h.now(), h.loc),
		Duration:   "–",
		Chunks:     chunksLabel(rec.ChunksReceived, rec.ChunksExpected),
		Progress:   progressLabel(done, len(jobs)),
		Retrying:   retrying,
		Rejecting:  rejecting,
	}
	if !start.IsZero() {
		row.StartISO = start.UTC().Format(time.RFC3339)
	}
	if h.wipeTime != nil {
		if wipe := h.wipeTime(rec); !wipe.IsZero() {
			row.Wipe = formatDateTime(wipe, h.now(), h.loc)
			row.WipeISO = wipe.UTC().Format(time.RFC3339)
		}
	}
	if rec.Format.SampleRate > 0 {
		row.Duration = formatDuration(framesDuration(rec.FramesReceived, rec.Format.SampleRate))
		if rec.ContiguousFrames < rec.FramesReceived {
			row.Playable = formatDuration(framesDuration(rec.ContiguousFrames, rec.Format.SampleRate))
		}
	}
	if (rec.State == store.StateEnded || rec.State == store.StateInterrupted) && !rec.Complete {
		row.StateClass = "state-waiting"
	}
	return row
}

// boxRows formats the box statuses sorted by box id, or returns nil when
// there is no status source.
func (h *handler) boxRows() []boxRow {
	if h.statuses == nil {
		return nil
	}

	rows := []boxRow{}
	for box, st := range h.statuses.Statuses() {
		row := boxRow{
			Room:       box,
			State:      boxStateLabel(st.State),
			StateClass: "box-" + string(st.State),
			Since:      formatDateTime(st.At, h.now(), h.loc),
			Spooled:    st.Spooled,
		}
		if !st.At.IsZero() {
			row.SinceISO = st.At.UTC().Format(time.RFC3339)
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b boxRow) int {
		return cmp.Or(compareNatural(a.Room, b.Room), cmp.Compare(a.Room, b.Room))
	})
	return rows
}

// compareNatural compares strings so that runs of digits compare by their
// value: "rum-3" sorts before "rum-12".
func compareNatural(a, b string) int {
	for a != "" && b != "" {
		da, db := digitPrefix(a), digitPrefix(b)
		if da == 0 || db == 0 {
			if c := cmp.Compare(a[0], b[0]); c != 0 {
				return c
			}
			a, b = a[1:], b[1:]
			continue
		}

		na, nb := strings.TrimLeft(a[:da], "0"), strings.TrimLeft(b[:db], "0")
		if c := cmp.Compare(len(na), len(nb)); c != 0 {
			return c
		}
		if c := cmp.Compare(na, nb); c != 0 {
			return c
		}
		a, b = a[da:], b[db:]
	}
	return cmp.Compare(len(a), len(b))
}

// digitPrefix returns the number of leading ASCII digits in s.
func digitPrefix(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// segmentRows formats segments in order of their start time.
func segmentRows(segs []store.Segment) []segmentRow {
	sorted := slices.Clone(segs)
	slices.SortStableFunc(sorted, func(a, b store.Segment) int { return cmp.Compare(a.Start, b.Start) })

	rows := make([]segmentRow, 0, len(sorted))
	for _, s := range sorted {
		rows = append(rows, segmentRow{
			SegmentID: s.ID,
			Clock:     formatClock(s.Start),
			Seconds:   formatSeconds(s.Start),
			Parts:     textParts(s),
			Text:      strings.TrimSpace(s.Text),
			Doubtful:  doubtful(s),

			FirstOfSegment: true,
		})
	}
	return rows
}

// textParts splits a segment's text into plain runs and words. Each word is
// searched for in the text after the previous one, so the text keeps its own
// spacing and punctuation whatever the engine put in the word list: the parts
// joined give the segment's text. A word that is not found, or is not valid
// UTF-8 and so could split a character of the text, is skipped. Bidi
// embeddings and overrides left open in the text are closed by a last part,
// so they cannot reorder what the page shows after the text.
//
// Words are marked uncertain only when the engine reported probabilities.
// The OpenAI word list has none, which arrives as every word at zero.
func textParts(s store.Segment) []textPart {
	hasProbability := false
	for _, w := range s.Words {
		if w.Probability > 0 {
			hasProbability = true
			break
		}
	}

	var parts []textPart
	text, cursor := s.Text, 0
	for _, w := range s.Words {
		if !utf8.ValidString(w.Text) {
			continue
		}
		start, end, found := locateWord(text, cursor, w.Text)
		if !found {
			continue
		}

		if start > cursor {
			parts = append(parts, textPart{Text: text[cursor:start]})
		}
		parts = append(parts, textPart{
			Text:      text[start:end],
			Word:      true,
			Uncertain: hasProbability && !math.IsNaN(w.Probability) && w.Probability < uncertainBelow,
			Seconds:   formatSeconds(w.Start),
		})
		cursor = end
	}
	if cursor < len(text) {
		parts = append(parts, textPart{Text: text[cursor:]})
	}
	return closeBidiParts(parts)
}

// locateWord returns the byte range of the first match of word in text at
// or after from. White space in the text may come between the word's
// characters, because whisper.cpp's word list joins a symbol to the word
// before it: the text `"citat" &` has the word `"citat"&`.
func locateWord(text string, from int, word string) (start, end int, found bool) {
	want := []rune(strings.Join(strings.Fields(word), ""))
	if len(want) == 0 {
		return 0, 0, false
	}

	for start = from; start < len(text); {
		i := strings.IndexRune(text[start:], want[0])
		if i < 0 {
			return 0, 0, false
		}
		start += i
		if end, ok := matchSpaced(text, start, want); ok {
			return start, end, true
		}
		_, size := utf8.DecodeRuneInString(text[start:])
		start += size
	}
	return 0, 0, false
}

// matchSpaced reports whether want occurs in text from byte start on, with
// white space allowed between its characters, and where the match ends.
func matchSpaced(text string, start int, want []rune) (int, bool) {
	j := start
	for k := 0; k < len(want); {
		if j >= len(text) {
			return 0, false
		}
		r, size := utf8.DecodeRuneInString(text[j:])
		switch {
		case r == want[k]:
			k++
		case k == 0 || !unicode.IsSpace(r):
			return 0, false
		}
		j += size
	}
	return j, true
}

// restoreRowTexts gives every row split from an engine segment its part of
// the segment's own text. diarize.Assign joins a row's text from the
// engine's words, and the word list can differ from the text: whisper.cpp
// joins a symbol to the word before it, so "citat" & would show as
// "citat"&. A row starts where its first word is found in the text. The
// rows of a segment whose words are not all found keep the joined text.
func restoreRowTexts(segs []store.Segment, rows []diarize.Row) {
	byID := map[int64]store.Segment{}
	for _, s := range segs {
		byID[s.ID] = s
	}
	bySegment := map[int64][]int{} // row indexes, in the order Assign made them
	for i, row := range rows {
		bySegment[row.ID] = append(bySegment[row.ID], i)
	}

	for id, indexes := range bySegment {
		seg, ok := byID[id]
		if !ok || len(seg.Words) == 0 {
			continue
		}
		starts, ok := rowStarts(seg, rows, indexes)
		if !ok {
			continue
		}
		for n, i := range indexes {
			end := len(seg.Text)
			if n+1 < len(starts) {
				end = starts[n+1]
			}
			rows[i].Text = strings.TrimSpace(seg.Text[starts[n]:end])
		}
	}
}

// rowStarts returns the byte offset in seg.Text where each row begins: 0
// for the first, and where its first word is for the others. It returns
// false when a word of seg is not found or the rows do not cover its words.
func rowStarts(seg store.Segment, rows []diarize.Row, indexes []int) ([]int, bool) {
	var starts []int
	cursor, word := 0, 0
	for n, i := range indexes {
		if len(rows[i].Words) == 0 {
			return nil, false
		}
		for k := range rows[i].Words {
			if word >= len(seg.Words) {
				return nil, false
			}
			start, end, found := locateWord(seg.Text, cursor, seg.Words[word].Text)
			if !found {
				return nil, false
			}
			if k == 0 {
				if n == 0 {
					start = 0
				}
				starts = append(starts, start)
			}
			cursor = end
			word++
		}
	}
	return starts, word == len(seg.Words)
}

// Bidi controls that open a run, and the controls that close them.
const (
	popDirectionalFormatting = '\u202c'
	popDirectionalIsolate    = '\u2069'
)

// closeBidiParts appends a part that closes the bidi embeddings, overrides
// and isolates that parts leave open, as the Unicode Bidirectional
// Algorithm pairs them. Stored text may contain them, and one left open
// would reorder the rest of the line it is shown on.
func closeBidiParts(parts []textPart) []textPart {
	var open []rune // the closing control of each open run, innermost last
	for _, p := range parts {
		for _, r := range p.Text {
			switch r {
			case '\u202a', '\u202b', '\u202d', '\u202e':
				open = append(open, popDirectionalFormatting)
			case '\u2066', '\u2067', '\u2068':
				open = append(open, popDirectionalIsolate)
			case popDirectionalFormatting:
				if n := len(open); n > 0 && open[n-1] == popDirectionalFormatting {
					open = open[:n-1]
				}
			case popDirectionalIsolate:
				// A closed isolate also closes the embeddings opened in it.
				if i := lastIndex(open, popDirectionalIsolate); i >= 0 {
					open = open[:i]
				}
			}
		}
	}
	if len(open) == 0 {
		return parts
	}
	slices.Reverse(open)
	return append(parts, textPart{Text: string(open)})
}

// closeBidi returns text with the bidi runs it leaves open closed at its end.
func closeBidi(text string) string {
	var b strings.Builder
	for _, p := range closeBidiParts([]textPart{{Text: text}}) {
		b.WriteString(p.Text)
	}
	return b.String()
}

func lastIndex(s []rune, r rune) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == r {
			return i
		}
	}
	return -1
}

// formatSeconds formats d as seconds with two decimals, for the player's currentTime.
func formatSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', 2, 64)
}

// transcriptNotice returns the sentence shown where the transcript goes
// when there is something to say about it.
func transcriptNotice(rec store.Recording, jobs []store.Job, segments int, engineConfigured bool) string {
	done := 0
	for _, j := range jobs {
		if j.Done {
			done++
		}
	}

	switch {
	case !engineConfigured && segments == 0:
		return "" // the engine notice covers this case
	case len(jobs) > 0 && done < len(jobs):
		return "Utskriften tas fram medan ljudet kommer in. Nya delar visas här efter hand, utan att du behöver ladda om sidan."
	case segments == 0 && rec.Complete && len(jobs) == done:
		return "Inget tal hittades i inspelningen."
	case segments == 0:
		return "Ingen utskrift ännu. Den tas fram när ljudet har kommit fram."
	default:
		return ""
	}
}

// errorPageFor returns the Swedish title and message for an error status.
func errorPageFor(status int) errorPage {
	var page errorPage
	switch status {
	case http.StatusNotFound:
		page.Title = "Sidan finns inte"
		page.Message = "Det finns ingen inspelning eller sida med den adressen. Den kan ha gallrats, eller så är adressen felskriven."
	case http.StatusGone:
		page.Title = "Inspelningen är raderad"
		page.Message = "Inspelningen har raderats, antingen för att klienten återkallade sitt samtycke eller vid gallring. Den går inte att återskapa."
	case http.StatusForbidden:
		page.Title = "Åtkomst nekad"
		page.Message = "Webbvyn är inte inställd för krypterade anslutningar och kan därför bara öppnas på centralservern själv, på adressen 127.0.0.1 eller localhost. Kontakta IT."
	case http.StatusServiceUnavailable:
		page.Title = "Inspelningen kan inte visas just nu"
		page.Message = "Varje visning av en inspelning skrivs i åtkomstloggen, och loggen kunde inte skrivas. Försök igen om en stund. Om felet finns kvar, kontakta IT."
	case http.StatusMethodNotAllowed:
		page.Title = "Det går inte att göra här"
		page.Message = "Sidorna här kan bara visas, inte ändras."
	default:
		page.Title = "Något gick fel"
		page.Message = "Sidan kunde inte visas. Försök igen om en stund. Om felet finns kvar, kontakta IT."
	}
	return page
}

// rejectionSource is implemented by a Source that keeps what ingest
// rejected (central/store does).
type rejectionSource interface {
	Rejections(ctx context.Context, rec string) ([]store.Rejection, error)
}

// rejectedLabel reads rec's rejections and says in Swedish what they mean
// and what to do. It returns "" when nothing was rejected or the source
// does not keep rejections.
func (h *handler) rejectedLabel(ctx context.Context, rec string) string {
	src, ok := h.src.(rejectionSource)
	if !ok {
		return ""
	}
	rejections, err := src.Rejections(ctx, rec)
	if err != nil {
		h.logReadError(ctx, "read rejections failed", rec, err)
		return ""
	}
	if len(rejections) == 0 {
		return ""
	}
	cause := "de var skadade eller ofullständiga"
	switch rejections[0].Reason {
	case "decrypt":
		cause = "de var krypterade med en annan nyckel än centralserverns, så boxen är troligen registrerad mot en annan centralserver"
	case "signature":
		cause = "boxens signatur på dem stämde inte"
	case "wrong_box":
		cause = "de kom från en annan box än den som startade inspelningen"
	}
	parts := "1 del"
	if len(rejections) > 1 {
		parts = strconv.Itoa(len(rejections)) + " delar"
	}
	return parts + " av inspelningen avvisades av centralservern eftersom " + cause + ". De kan inte spelas upp eller skrivas ut. Kontakta IT och uppge inspelningens id."
}

// markRejected adds row's rejection notice. A recording that waits for
// parts the central service rejected would wait for ever, so its state
// says that the audio was rejected instead.
func (h *handler) markRejected(ctx context.Context, row *recordingRow) {
	row.Rejected = h.rejectedLabel(ctx, row.ID)
	if row.Rejected != "" && row.StateClass == "state-waiting" {
		row.State = "ljud avvisat"
		row.StateClass = "state-rejected"
	}
}

// diarizationSource is implemented by a Source that keeps speaker
// diarizations (central/store does).
type diarizationSource interface {
	Diarization(ctx context.Context, rec string) (store.Diarization, error)
}

// transcriptRows formats segs by speaker when rec has a diarization, and
// returns a notice about it: that speakers are provisional, or how many rows
// the final pass relabelled.
func (h *handler) transcriptRows(ctx context.Context, rec string, segs []store.Segment) ([]segmentRow, string, []speakerForm) {
	src, ok := h.src.(diarizationSource)
	if !ok || len(segs) == 0 {
		return segmentRows(segs), "", nil
	}
	d, err := src.Diarization(ctx, rec)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			h.logReadError(ctx, "read diarization failed", rec, err)
		}
		return segmentRows(segs), "", nil
	}
	res, err := speakers.Decode(d.Result)
	if err != nil {
		h.log.Error("decode diarization failed", "recording_id", rec, "error", err)
		return segmentRows(segs), "", nil
	}

	h.applySpeakerNames(ctx, rec, &res)
	forms := speakerForms(res)
	assigned := diarize.Assign(segs, res)
	restoreRowTexts(segs, assigned)
	slices.SortStableFunc(assigned, func(a, b diarize.Row) int { return cmp.Compare(a.Start, b.Start) })
	var before map[string]string // provisional speaker label by row start
	if d.Final && d.Provisional != nil {
		if prev, err := speakers.Decode(d.Provisional); err == nil {
			before = map[string]string{}
			for _, row := range diarize.Assign(segs, prev) {
				before[rowKey(row)] = speakerLabel(prev, row.Speaker)
			}
		}
	}

	whole := map[int64]string{}
	for _, s := range segs {
		whole[s.ID] = strings.TrimSpace(s.Text)
	}
	seen := map[int64]bool{}
	rows := make([]segmentRow, 0, len(assigned))
	changed := 0
	for _, a := range assigned {
		row := segmentRow{
			SegmentID: a.ID,
			Clock:     formatClock(a.Start),
			Seconds:   formatSeconds(a.Start),
			Parts:     textParts(a.Segment),
			Text:      whole[a.ID],
			Speaker:   speakerLabel(res, a.Speaker),
			Overlap:   a.Overlap,
			Doubtful:  doubtful(a.Segment),

			FirstOfSegment: !seen[a.ID],
		}
		seen[a.ID] = true
		row.OverlapWith = overlapLabels(res, a.Others)
		if a.Speaker >= 0 {
			row.SpeakerClass = "speaker-" + strconv.Itoa(a.Speaker%6+1)
		}
		if label, ok := before[rowKey(a)]; ok && label != row.Speaker {
			row.Changed = true
			changed++
		}
		rows = append(rows, row)
	}

	if notice, ok := h.recountNotice(ctx, rec, d.Final, changed, speakersHeard(res)); ok {
		return rows, notice, forms
	}
	switch {
	case !d.Final:
		return rows, "Talarna är preliminära medan inspelningen pågår och kan ändras när den är klar.", forms
	case changed == 1:
		return rows, "När inspelningen var klar gick en sista genomgång igenom talarna. 1 rad fick en annan talare och är markerad.", forms
	case changed > 1:
		return rows, "När inspelningen var klar gick en sista genomgång igenom talarna. " + strconv.Itoa(changed) + " rader fick en annan talare och är markerade.", forms
	}
	return rows, "", forms
}

func rowKey(r diarize.Row) string {
	return strconv.FormatInt(r.ID, 10) + "/" + strconv.FormatInt(int64(r.Start), 10)
}

func speakerLabel(res diarize.Result, i int) string {
	if i < 0 || i >= len(res.Speakers) {
		return "Okänd talare"
	}
	return res.Speakers[i].Label
}

// Whisper's own defaults for giving up on a segment (openai-whisper
// transcribe.py: logprob_threshold -1.0, no_speech_threshold 0.6). A
// segment past either is shown as one to check against the audio.
const (
	doubtfulLogprob  = -1.0
	doubtfulNoSpeech = 0.6
)

// doubtful reports whether the engine's own figures say a segment may be wrong.
func doubtful(s store.Segment) bool {
	return (s.AvgLogprob != 0 && s.AvgLogprob < doubtfulLogprob) || s.NoSpeechProb > doubtfulNoSpeech
}
