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

	Edited  bool          // a person changed the text; Parts hold the latest version
	History []editVersion // earlier versions, oldest first, when Edited
	Text    string        // the whole segment's current text, for the edit form
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
// spacing and punctuation whatever the engine put in the word list. A word
// that is not found, or is not valid UTF-8 and so could split a character
// of the text, is skipped.
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
		word := strings.TrimSpace(w.Text)
		if word == "" || !utf8.ValidString(word) {
			continue
		}
		i := strings.Index(text[cursor:], word)
		if i < 0 {
			continue
		}

		if i > 0 {
			parts = append(parts, textPart{Text: text[cursor : cursor+i]})
		}
		parts = append(parts, textPart{
			Text:      word,
			Word:      true,
			Uncertain: hasProbability && !math.IsNaN(w.Probability) && w.Probability < uncertainBelow,
			Seconds:   formatSeconds(w.Start),
		})
		cursor += i + len(word)
	}
	if cursor < len(text) {
		parts = append(parts, textPart{Text: text[cursor:]})
	}
	return parts
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
		return "Utskriften tas fram medan ljudet kommer in. Nya delar visas när sidan laddas om."
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

	if notice, ok := h.recountNotice(ctx, rec, d.Final, changed); ok {
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
